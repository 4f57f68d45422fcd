#include "tools/ekcutl/log_common.h"

#include <ctime>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "base/absl_fmt.h"
#include "router/config.h"
#include "router/state.h"
#include "tools/ekcutl/command_registry.h"

namespace ekc::utl::log {

void AddCommonOptions(CLI::App& command, CommonOptions& options) {
  command
      .add_option("--data-dir", options.data_dir, "the data folder of a stopped ekcd, or a backup")
      ->required();
  command.add_flag("--json", options.json, "print JSON (one object, or one object a line)");
}

namespace {

absl::StatusOr<std::unique_ptr<storage::EventLog>> Open(const std::string& data_dir,
                                                        bool read_only) {
  storage::EventLogOptions options;
  options.path = data_dir;
  options.read_only = read_only;
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(options);
  if (!log.ok() && log.status().message().find("lock") != absl::string_view::npos) {
    return absl::FailedPreconditionError(
        fmt::format("{} (is ekcd running on it? stop it first)", log.status().message()));
  }
  return log;
}

}  // namespace

absl::StatusOr<std::unique_ptr<storage::EventLog>> OpenForAudit(const std::string& data_dir) {
  return Open(data_dir, /*read_only=*/true);
}

absl::StatusOr<std::unique_ptr<storage::EventLog>> OpenForChange(const std::string& data_dir) {
  // A read-write open creates a missing database; refuse a folder that is not a log first.
  absl::StatusOr<std::unique_ptr<storage::EventLog>> audit = OpenForAudit(data_dir);
  if (!audit.ok()) return audit.status();
  audit->reset();
  return Open(data_dir, /*read_only=*/false);
}

int Fail(const absl::Status& status) {
  fmt::print(stderr, "ekcutl: {}\n", status.message());
  return kExitFailed;
}

std::string EventType(const ekc::v1::EventRecord& event) {
  if (event.event_case() == ekc::v1::EventRecord::EVENT_NOT_SET) return "";
  const google::protobuf::FieldDescriptor* field =
      ekc::v1::EventRecord::descriptor()->FindFieldByNumber(static_cast<int>(event.event_case()));
  return field == nullptr ? std::to_string(event.event_case()) : field->name();
}

std::string UtcTime(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", text, unix_ms % 1000);
}

nlohmann::json MessageJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a message that was parsed cannot fail; if protobuf says otherwise, say so in the JSON.
  if (auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
      !status.ok()) {
    return nlohmann::json{{"error", std::string(status.message())}};
  }
  return nlohmann::json::parse(out);
}

absl::StatusOr<Folded> Fold(const storage::EventLog& log, bool use_snapshots,
                            std::function<void(uint64_t, uint64_t)> on_progress) {
  // Apply never reads the config, so any valid one rebuilds the same state.
  const router::RouterConfig config = router::SingleQueueConfig();
  Folded folded;
  folded.router.emplace(config);
  storage::RecoveryOptions options;
  options.use_snapshots = use_snapshots;
  options.on_progress = std::move(on_progress);
  absl::StatusOr<storage::RecoveryReport> report = storage::Recover(
      log,
      [&](const ekc::v1::RouterSnapshot& snapshot) -> absl::Status {
        absl::StatusOr<router::RouterState> state = router::RouterState::FromSnapshot(snapshot);
        if (!state.ok()) return state.status();
        folded.router.emplace(config, std::move(*state));
        return absl::OkStatus();
      },
      [&](const ekc::v1::EventRecord& event) { return folded.router->Replay(event); }, options);
  if (!report.ok()) return report.status();
  folded.report = std::move(*report);
  return folded;
}

}  // namespace ekc::utl::log
