#include "tools/ekcctl/admin_commands.h"

#include <vector>

#include <fmt/format.h>

#include "ekc/v1/admin.grpc.pb.h"

#include "router/names.h"
#include "tools/ekcctl/health_check.h"
#include "tools/ekcctl/output.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

grpc::Status CallServerInfo(const std::shared_ptr<grpc::Channel>& channel, int timeout_s,
                            v1::ServerInfoResponse& response) {
  auto stub = v1::Admin::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context, timeout_s);
  return stub->ServerInfo(&context, v1::ServerInfoRequest(), &response);
}

std::string LogLine(const v1::ServerInfoResponse& r) {
  if (!r.writable()) return fmt::format("NOT WRITABLE: {}", r.log_error());
  return fmt::format("writable, durability {}, last event {}, durable {}", r.durability(),
                     r.last_sequence(), r.durable_sequence());
}

std::vector<std::string> InfoLines(const v1::ServerInfoResponse& r) {
  return {
      fmt::format("ekcd {} listening on {}, started {}", r.version(), r.listen_address(),
                  ClockTime(r.started_unix_ms())),
      fmt::format("data       {} ({} events replayed in {} ms)", r.data_dir(), r.replayed_events(),
                  r.recovery_ms()),
      fmt::format("log        {}", LogLine(r)),
      fmt::format("rules      {} ({} situations)", r.rules_version(), r.situations()),
      fmt::format("queues     {}", fmt::join(r.queues(), ", ")),
      fmt::format("now        {} contacts waiting, {} operators logged in", r.contacts_waiting(),
                  r.operators_logged_in()),
  };
}

}  // namespace

int RunInfo(const GlobalOptions& global) {
  v1::ServerInfoResponse response;
  if (grpc::Status s = CallServerInfo(MakeChannel(global), global.timeout_s, response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(response);
  } else {
    printer.Lines(InfoLines(response));
  }
  return kExitOk;
}

int RunClassify(const GlobalOptions& global, const ClassifyOptions& options) {
  v1::ClassifyRequest request;
  request.set_text(options.text);
  request.set_ivr_choice(options.ivr_choice);
  if (!options.channel.empty()) {
    request.set_channel(router::ParseChannel(options.channel).value_or(v1::CHANNEL_UNSPECIFIED));
  }
  auto stub = v1::Admin::NewStub(MakeChannel(global));
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::ClassifyResponse response;
  if (grpc::Status s = stub->Classify(&context, request, &response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(response);
    return kExitOk;
  }
  const v1::Classification& c = response.classification();
  printer.Line(fmt::format("queue {}, priority {} (rules {})", response.queue(),
                           router::PriorityName(c.priority()), c.rules_version()));
  printer.Lines(ClassificationLines(c, true));
  return kExitOk;
}

int RunHealth(const GlobalOptions& global) {
  const std::shared_ptr<grpc::Channel> channel = MakeChannel(global);
  ServingStatus serving = ServingStatus::kUnknown;
  if (grpc::Status s = CheckHealth(channel, global.timeout_s, serving); !s.ok()) {
    return ReportError(s);
  }
  v1::ServerInfoResponse info;
  if (grpc::Status s = CallServerInfo(channel, global.timeout_s, info); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(nlohmann::json{{"status", ServingStatusName(serving)},
                                {"writable", info.writable()},
                                {"log_error", info.log_error()},
                                {"last_sequence", info.last_sequence()},
                                {"durable_sequence", info.durable_sequence()}});
  } else {
    printer.Line(fmt::format("{}; event log {}", ServingStatusName(serving), LogLine(info)));
  }
  const bool healthy = serving == ServingStatus::kServing && info.writable();
  return healthy ? kExitOk : kExitFailed;
}

}  // namespace ekc::ctl
