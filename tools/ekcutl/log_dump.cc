// `ekcutl log dump`: the events as JSON lines, filtered.

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_commands.h"
#include "tools/ekcutl/log_common.h"

namespace ekc::utl::log {
namespace {

struct DumpOptions {
  CommonOptions common;
  uint64_t from = 0;  // 0: the first stored
  uint64_t to = 0;    // 0: the last
  std::string since;  // a time: unix milliseconds or UTC "2026-11-25T11:09:51[.123][Z]"
  std::string until;
  uint64_t contact = 0;
  std::string operator_id;
  std::vector<std::string> types;
};

// Unix milliseconds from "1764068991123" or "2026-11-25T11:09:51.123Z" (UTC; the Z and the
// milliseconds are optional).
absl::StatusOr<int64_t> ParseTime(const std::string& text, const char* option) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<int64_t>(std::stoll(text));
  }
  std::tm utc{};
  int milliseconds = 0;
  int consumed = 0;
  const int fields =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed);
  std::string rest = fields == 6 ? text.substr(static_cast<size_t>(consumed)) : "";
  if (fields == 6 && rest.size() >= 4 && rest[0] == '.') {
    milliseconds = std::stoi(rest.substr(1, 3));
    rest = rest.substr(4);
  }
  if (fields != 6 || !(rest.empty() || rest == "Z")) {
    return absl::InvalidArgumentError(
        fmt::format("{} \"{}\": not a time (unix milliseconds, or UTC like 2026-11-25T11:09:51Z)",
                    option, text));
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&utc)) * 1000 + milliseconds;
}

nlohmann::json EventLine(const ekc::v1::EventRecord& event) {
  nlohmann::json line;
  line["seq"] = event.sequence();
  line["time"] = UtcTime(event.time_unix_ms());
  line["time_unix_ms"] = event.time_unix_ms();
  line["type"] = EventType(event);
  if (event.contact_id() != 0) line["contact_id"] = event.contact_id();
  if (!event.operator_id().empty()) line["operator_id"] = event.operator_id();
  line["actor"] = MessageJson(event.actor());
  line["epoch"] = event.epoch();
  const google::protobuf::FieldDescriptor* body =
      ekc::v1::EventRecord::descriptor()->FindFieldByNumber(static_cast<int>(event.event_case()));
  if (body != nullptr) {
    line["event"] = MessageJson(event.GetReflection()->GetMessage(event, body));
  }
  return line;
}

int RunDump(const DumpOptions& options) {
  int64_t since = 0;
  int64_t until = 0;
  if (!options.since.empty()) {
    absl::StatusOr<int64_t> t = ParseTime(options.since, "--since");
    if (!t.ok()) return Fail(t.status());
    since = *t;
  }
  if (!options.until.empty()) {
    absl::StatusOr<int64_t> t = ParseTime(options.until, "--until");
    if (!t.ok()) return Fail(t.status());
    until = *t;
  }
  std::set<std::string> types;
  for (const std::string& list : options.types) {
    std::stringstream names(list);
    std::string name;
    while (std::getline(names, name, ',')) {
      if (ekc::v1::EventRecord::descriptor()->FindFieldByName(name) == nullptr ||
          ekc::v1::EventRecord::descriptor()->FindFieldByName(name)->containing_oneof() ==
              nullptr) {
        return Fail(absl::InvalidArgumentError(fmt::format(
            "--type {}: no such event type (e.g. contact_received, contact_offered)", name)));
      }
      types.insert(name);
    }
  }
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.common.data_dir);
  if (!log.ok()) return Fail(log.status());

  const absl::Status kPastTheEnd = absl::CancelledError("past --to");
  absl::Status read = (*log)->ReadFrom(Sequence(options.from), [&](const ekc::v1::EventRecord& e) {
    if (options.to != 0 && e.sequence() > options.to) return kPastTheEnd;
    if (since != 0 && e.time_unix_ms() < since) return absl::OkStatus();
    if (until != 0 && e.time_unix_ms() > until) return absl::OkStatus();
    if (options.contact != 0 && e.contact_id() != options.contact) return absl::OkStatus();
    if (!options.operator_id.empty() && e.operator_id() != options.operator_id) {
      return absl::OkStatus();
    }
    if (!types.empty() && !types.contains(EventType(e))) return absl::OkStatus();
    const std::string line = EventLine(e).dump();
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    return absl::OkStatus();
  });
  std::fflush(stdout);
  if (!read.ok() && read != kPastTheEnd) return Fail(read);
  return kExitOk;
}

}  // namespace

void AddDumpCommand(CLI::App& log, int& exit_status) {
  auto options = std::make_shared<DumpOptions>();
  CLI::App* dump = log.add_subcommand(
      "dump",
      "print events as JSON lines: seq, time, time_unix_ms, type, contact_id, operator_id, actor, "
      "epoch, event");
  AddCommonOptions(*dump, options->common);
  dump->add_option("--from", options->from, "the first sequence to print");
  dump->add_option("--to", options->to, "the last sequence to print");
  dump->add_option("--since", options->since,
                   "events at or after this time (unix ms, or UTC 2026-11-25T11:09:51Z)");
  dump->add_option("--until", options->until, "events at or before this time");
  dump->add_option("--contact", options->contact, "events about this contact id");
  dump->add_option("--operator", options->operator_id, "events about this operator id");
  dump->add_option("--type", options->types,
                   "event types (field names: contact_received, …); repeat or comma-separate");
  dump->callback([options, &exit_status] { exit_status = RunDump(*options); });
}

}  // namespace ekc::utl::log
