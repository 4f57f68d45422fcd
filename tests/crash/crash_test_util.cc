#include "tests/crash/crash_test_util.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "base/status_macros.h"
#include "router/config.h"
#include "router/router.h"
#include "storage/event_log.h"
#include "storage/recovery.h"

namespace ekc::crash {

std::string WriteConfig(const std::string& folder, uint64_t every_events) {
  std::ifstream in(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = yaml.find(from);
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
  };
  replace("rules: rules/default.yaml",
          fmt::format("rules: {}/deploy/rules/default.yaml", EKC_SOURCE_DIR));
  replace("every_events: 100000", fmt::format("every_events: {}", every_events));
  replace("every_s: 300", "every_s: 1");
  replace("keep: 3", "keep: 2");
  const std::string path = folder + "/ekcd.yaml";
  std::ofstream(path) << yaml;
  return path;
}

absl::StatusOr<FolderState> ReadFolder(const std::string& data_dir) {
  storage::EventLogOptions options;
  options.path = data_dir;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(options);
  if (!log.ok()) return log.status();
  const router::RouterConfig config = router::SingleQueueConfig();
  FolderState folder;
  folder.last_sequence = (*log)->last_sequence().value();

  router::Router recovered(config);
  absl::StatusOr<storage::RecoveryReport> report = storage::Recover(
      **log,
      [&](const ekc::v1::RouterSnapshot& snapshot) -> absl::Status {
        absl::StatusOr<router::RouterState> state = router::RouterState::FromSnapshot(snapshot);
        if (!state.ok()) return state.status();
        recovered = router::Router(config, std::move(*state));
        return absl::OkStatus();
      },
      [&](const ekc::v1::EventRecord& e) { return recovered.Replay(e); });
  if (!report.ok()) return report.status();
  folder.snapshot = report->snapshot.value();

  router::Router full(config);
  storage::RecoveryOptions no_snapshots;
  no_snapshots.use_snapshots = false;
  absl::StatusOr<storage::RecoveryReport> full_report = storage::Recover(
      **log, [](const ekc::v1::RouterSnapshot&) { return absl::OkStatus(); },
      [&](const ekc::v1::EventRecord& e) {
        if (e.has_contact_received()) {
          folder.received_keys.push_back(e.contact_received().idempotency_key());
        }
        return full.Replay(e);
      },
      no_snapshots);
  if (!full_report.ok()) return full_report.status();
  folder.recovered = recovered.state();
  folder.full = full.state();
  return folder;
}

}  // namespace ekc::crash
