// `ekcutl log verify`: the log is continuous, every record decodes and passes its checksum, and
// every snapshot reads back intact and equals the replay of the events it covers.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "router/config.h"
#include "router/router.h"
#include "router/state.h"
#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_commands.h"
#include "tools/ekcutl/log_common.h"

namespace ekc::utl::log {
namespace {

struct SnapshotCheck {
  uint64_t sequence = 0;
  std::optional<uint64_t> hash;  // of the state it holds, once it loaded
  std::string problem;           // empty: good (so far)
  bool compared = false;         // the replay reached it and the states were equal
};

struct VerifyReport {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t events_checked = 0;
  bool folded = false;  // the events were applied to a state (not only decoded)
  std::vector<SnapshotCheck> snapshots;
  std::vector<std::string> problems;
  std::vector<std::string> notes;
};

VerifyReport Verify(const storage::EventLog& log) {
  VerifyReport report;
  absl::StatusOr<Sequence> first = log.FirstSequence();
  if (!first.ok()) {
    report.problems.push_back(std::string(first.status().message()));
    return report;
  }
  report.first = first->value();
  report.last = log.last_sequence().value();

  std::map<uint64_t, SnapshotCheck*> by_sequence;
  absl::StatusOr<std::vector<storage::SnapshotInfo>> infos = log.ListSnapshots();
  if (!infos.ok()) report.problems.push_back(std::string(infos.status().message()));
  const router::RouterConfig config = router::SingleQueueConfig();
  std::optional<router::RouterState> start_state;  // the snapshot right before a pruned log
  if (infos.ok()) {
    report.snapshots.reserve(infos->size());
    for (auto it = infos->rbegin(); it != infos->rend(); ++it) {
      SnapshotCheck& check = report.snapshots.emplace_back();
      check.sequence = it->sequence.value();
      if (!it->header_status.ok()) {
        check.problem = std::string(it->header_status.message());
        continue;
      }
      absl::StatusOr<ekc::v1::RouterSnapshot> snapshot = log.ReadSnapshot(it->sequence);
      if (!snapshot.ok()) {
        check.problem = std::string(snapshot.status().message());
        continue;
      }
      absl::StatusOr<router::RouterState> state = router::RouterState::FromSnapshot(*snapshot);
      if (!state.ok()) {
        check.problem = fmt::format("snapshot of event {}: {}", check.sequence,
                                    std::string(state.status().message()));
        continue;
      }
      check.hash = state->StateHash();
      if (check.sequence > report.last) {
        check.problem = fmt::format("snapshot of event {}: the log ends at event {}",
                                    check.sequence, report.last);
      } else if (report.first > 1 && check.sequence + 1 == report.first) {
        start_state = std::move(*state);
      }
    }
    for (SnapshotCheck& check : report.snapshots) by_sequence[check.sequence] = &check;
  }

  // The fold: from event 1, or from the snapshot just before a pruned log's first event.
  std::optional<router::Router> router;
  if (report.first <= 1) {
    router.emplace(config);
  } else if (start_state) {
    router.emplace(config, std::move(*start_state));
  } else if (report.last > 0) {
    report.notes.push_back(fmt::format(
        "events 1..{} were pruned and no good snapshot of event {} is left: the events are checked "
        "for continuity, decoding and checksums, not folded",
        report.first - 1, report.first - 1));
  }
  report.folded = router.has_value();
  absl::Status read = log.ReadFrom(Sequence(0), [&](const ekc::v1::EventRecord& event) {
    ++report.events_checked;
    if (!router) return absl::OkStatus();
    if (absl::Status applied = router->Replay(event); !applied.ok()) return applied;
    auto it = by_sequence.find(event.sequence());
    if (it != by_sequence.end() && it->second->hash) {
      SnapshotCheck& check = *it->second;
      check.compared = true;
      const uint64_t replayed = router->state().StateHash();
      if (replayed != *check.hash) {
        check.problem = fmt::format(
            "snapshot of event {}: its state (hash {:016x}) differs from the replay of events "
            "1..{} (hash {:016x})",
            check.sequence, *check.hash, check.sequence, replayed);
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) report.problems.push_back(std::string(read.message()));
  for (SnapshotCheck& check : report.snapshots) {
    if (!check.problem.empty()) {
      report.problems.push_back(check.problem);
    } else if (!check.compared && read.ok() && report.folded &&
               check.sequence + 1 != report.first) {
      // Older than what is left of a pruned log: it cannot be compared (recovery skips it).
      report.notes.push_back(
          fmt::format("snapshot of event {}: older than the first stored event {}: not compared",
                      check.sequence, report.first));
    }
  }
  return report;
}

int RunVerify(const CommonOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  const VerifyReport report = Verify(**log);
  const bool ok = report.problems.empty();
  if (options.json) {
    nlohmann::json out;
    out["data_dir"] = options.data_dir;
    out["ok"] = ok;
    out["first"] = report.first;
    out["last"] = report.last;
    out["events_checked"] = report.events_checked;
    out["folded"] = report.folded;
    out["snapshots"] = nlohmann::json::array();
    for (const SnapshotCheck& check : report.snapshots) {
      out["snapshots"].push_back({{"sequence", check.sequence},
                                  {"ok", check.problem.empty()},
                                  {"equals_replay", check.compared && check.problem.empty()},
                                  {"problem", check.problem}});
    }
    out["problems"] = report.problems;
    out["notes"] = report.notes;
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{}: events {}..{} ({} checked)\n", options.data_dir, report.first, report.last,
               report.events_checked);
    for (const SnapshotCheck& check : report.snapshots) {
      fmt::print("  snapshot of event {}: {}\n", check.sequence,
                 !check.problem.empty() ? "BAD"
                 : check.compared       ? "good, equals the replay of the events it covers"
                                        : "good (not compared)");
    }
    for (const std::string& note : report.notes) fmt::print("note: {}\n", note);
    for (const std::string& problem : report.problems) fmt::print("PROBLEM: {}\n", problem);
    fmt::print("{}\n", ok ? "OK: continuous, every record and checksum good, snapshots equal the "
                            "replay"
                          : fmt::format("FAILED: {} problem(s)", report.problems.size()));
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

void AddVerifyCommand(CLI::App& log, int& exit_status) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* verify = log.add_subcommand(
      "verify",
      "check continuity, decoding and checksums of every event, and that every snapshot equals "
      "the replay of the events it covers; exit 1 on any problem");
  AddCommonOptions(*verify, *options);
  verify->callback([options, &exit_status] { exit_status = RunVerify(*options); });
}

}  // namespace ekc::utl::log
