#include "tools/ekcctl/intake_commands.h"

#include <random>
#include <vector>

#include <fmt/format.h>

#include "ekc/v1/intake.grpc.pb.h"

#include "router/names.h"
#include "tools/ekcctl/output.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

// A random version-4 UUID: unique enough that two people trying ekc by hand never collide, which is
// all a default key needs (a front end uses its call or session id instead).
std::string RandomIdempotencyKey() {
  std::random_device random;
  uint32_t words[4];
  for (uint32_t& w : words) w = random();
  words[1] = (words[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  words[2] = (words[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}", words[0], words[1] >> 16,
                     words[1] & 0xffffu, words[2] >> 16, words[2] & 0xffffu, words[3]);
}

// Fills the request's attributes from "key=value" items; false (with `error`) for an item without
// "=".
bool AddAttributes(const std::vector<std::string>& items, v1::SubmitContactRequest& request,
                   std::string& error) {
  for (const std::string& item : items) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      error = fmt::format("--attr {}: expected key=value", item);
      return false;
    }
    (*request.mutable_attributes())[item.substr(0, equals)] = item.substr(equals + 1);
  }
  return true;
}

std::vector<std::string> SubmitLines(const v1::SubmitContactResponse& r) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("contact {}{}: {} in queue {}, priority {}", r.contact_id(),
                              r.duplicate() ? " (a retry: the first answer)" : "",
                              router::ContactStateName(r.state()), r.queue(),
                              router::PriorityName(r.priority())));
  lines.push_back(
      fmt::format("position {}, estimated wait {} s", r.position(), r.estimated_wait_s()));
  for (std::string& line : ClassificationLines(r.classification(), false)) {
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string UpdateLine(const v1::ContactUpdate& u) {
  std::string line = fmt::format("{}  contact {}  {:<9}  queue {}", ClockTime(u.time_unix_ms()),
                                 u.contact_id(), router::ContactStateName(u.state()), u.queue());
  if (u.position() != 0) line += fmt::format("  position {}", u.position());
  if (!u.operator_id().empty()) line += fmt::format("  operator {}", u.operator_id());
  line += fmt::format("  waited {}", Seconds(u.waited_ms()));
  if (!u.reason().empty()) line += fmt::format("  reason {}", u.reason());
  return line;
}

}  // namespace

int RunSubmit(const GlobalOptions& global, const SubmitOptions& options) {
  v1::SubmitContactRequest request;
  request.set_idempotency_key(options.idempotency_key.empty() ? RandomIdempotencyKey()
                                                              : options.idempotency_key);
  request.set_channel(router::ParseChannel(options.channel).value_or(v1::CHANNEL_UNSPECIFIED));
  request.set_text(options.text);
  request.set_ivr_choice(options.ivr_choice);
  request.set_region(options.region);
  request.set_citizen_ref(options.citizen_ref);
  if (std::string error; !AddAttributes(options.attributes, request, error)) {
    return ReportUsage(error);
  }

  auto stub = v1::ContactIntake::NewStub(MakeChannel(global));
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::SubmitContactResponse response;
  if (grpc::Status s = stub->SubmitContact(&context, request, &response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(response);
  } else {
    printer.Lines(SubmitLines(response));
    printer.Note(fmt::format("idempotency key {} (submit again with --key to retry safely)",
                             request.idempotency_key()));
  }
  return kExitOk;
}

int RunWatch(const GlobalOptions& global, uint64_t contact_id) {
  auto stub = v1::ContactIntake::NewStub(MakeChannel(global));
  // No deadline: the stream lasts as long as the citizen waits; ekcd ends it when connected or
  // ended.
  grpc::ClientContext context;
  v1::WatchContactRequest request;
  request.set_contact_id(contact_id);
  std::unique_ptr<grpc::ClientReader<v1::ContactUpdate>> reader =
      stub->WatchContact(&context, request);
  Printer printer(global.output);
  v1::ContactUpdate update;
  while (reader->Read(&update)) {
    if (printer.json()) {
      printer.Json(update);
    } else {
      printer.Line(UpdateLine(update));
    }
  }
  if (grpc::Status s = reader->Finish(); !s.ok()) return ReportError(s);
  return kExitOk;
}

int RunCancel(const GlobalOptions& global, uint64_t contact_id, const std::string& reason) {
  auto stub = v1::ContactIntake::NewStub(MakeChannel(global));
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::CancelContactRequest request;
  request.set_contact_id(contact_id);
  request.set_reason(reason);
  v1::CancelContactResponse response;
  if (grpc::Status s = stub->CancelContact(&context, request, &response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(response);
  } else {
    printer.Line(fmt::format("contact {}: {} after waiting {}", contact_id,
                             router::ContactStateName(response.state()),
                             Seconds(response.waited_ms())));
  }
  return kExitOk;
}

}  // namespace ekc::ctl
