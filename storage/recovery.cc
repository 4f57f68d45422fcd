#include "storage/recovery.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "base/absl_fmt.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "storage/event_log.h"

namespace ekc::storage {
namespace {

int64_t MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Tries the snapshots newest first; the sequence of the one restored, or 0.
absl::StatusOr<Sequence> RestoreNewestUsable(const EventLog& log, Sequence first, Sequence last,
                                             const RestoreFn& restore, RecoveryReport& report) {
  absl::StatusOr<std::vector<SnapshotInfo>> snapshots = log.ListSnapshots();
  if (!snapshots.ok()) {
    // A damaged snapshot index must not stop a recovery that the events alone can do.
    report.skipped.push_back(
        fmt::format("every snapshot: they cannot be listed: {}", snapshots.status()));
    return Sequence(0);
  }
  for (const SnapshotInfo& info : *snapshots) {
    const auto start = std::chrono::steady_clock::now();
    if (!info.header_status.ok()) {
      report.skipped.push_back(std::string(info.header_status.message()));
      continue;
    }
    if (info.sequence > last) {
      report.skipped.push_back(
          fmt::format("snapshot of event {}: the log ends at event {}", info.sequence, last));
      continue;
    }
    if (first.value() > 1 && info.sequence.value() + 1 < first.value()) {
      report.skipped.push_back(fmt::format(
          "snapshot of event {}: the events after it were removed (the log starts at {})",
          info.sequence, first));
      continue;
    }
    // On an arena: a state of millions of contacts parses and frees in large blocks rather than
    // one allocation per field.
    google::protobuf::Arena arena;
    auto* snapshot = google::protobuf::Arena::CreateMessage<ekc::v1::RouterSnapshot>(&arena);
    if (absl::Status read = log.ReadSnapshotInto(info.sequence, snapshot); !read.ok()) {
      report.skipped.push_back(std::string(read.message()));
      continue;
    }
    if (absl::Status restored = restore(*snapshot); !restored.ok()) {
      report.skipped.push_back(fmt::format("snapshot of event {}: {}", info.sequence, restored));
      continue;
    }
    report.snapshot_ms = MillisecondsSince(start);
    return info.sequence;
  }
  return Sequence(0);
}

}  // namespace

absl::StatusOr<RecoveryReport> Recover(const EventLog& log, const RestoreFn& restore,
                                       const ApplyFn& apply, const RecoveryOptions& options) {
  RecoveryReport report;
  absl::StatusOr<Sequence> first = log.FirstSequence();
  if (!first.ok()) return first.status();
  const Sequence last = log.last_sequence();
  Sequence from(0);
  if (options.use_snapshots) {
    absl::StatusOr<Sequence> restored = RestoreNewestUsable(log, *first, last, restore, report);
    if (!restored.ok()) return restored.status();
    from = *restored;
  }
  report.snapshot = from;
  if (from.value() == 0 && first->value() > 1) {
    return absl::DataLossError(fmt::format(
        "events 1..{} were removed by retention and no snapshot covering them is usable{}{}: "
        "restore from a backup",
        first->value() - 1, report.skipped.empty() ? "" : "; ", fmt::join(report.skipped, "; ")));
  }
  const auto start = std::chrono::steady_clock::now();
  const uint64_t total = last.value() - from.value();
  uint64_t applied = 0;
  EKC_RETURN_IF_ERROR(log.ReadAheadFrom(Next(from), [&](const ekc::v1::EventRecord& event) {
    if (options.on_progress && applied % kRecoveryProgressEvents == 0) {
      options.on_progress(applied, total);
    }
    EKC_RETURN_IF_ERROR(apply(event));
    ++applied;
    report.last = Sequence(event.sequence());
    return absl::OkStatus();
  }));
  if (options.on_progress) options.on_progress(applied, total);
  report.events_replayed = applied;
  report.replay_ms = MillisecondsSince(start);
  if (applied == 0) report.last = from;
  if (report.last != last) {
    return absl::DataLossError(
        fmt::format("recovery stopped at event {} but the log ends at {}", report.last, last));
  }
  return report;
}

}  // namespace ekc::storage
