#pragma once

// Recovery: how a state is rebuilt from a log folder — the newest snapshot that reads back intact
// and is accepted by the caller, then every event after it. ekcd (at start), ekcutl (replay,
// verify) and the crash tests all call this one function, so there is one way to recover.
//
// The log knows nothing of the routing core (storage/ and router/ never include each other): the
// caller restores its state from a snapshot (`restore`, e.g. router::RouterState::FromSnapshot)
// and applies events (`apply`, e.g. router::Router::Replay).
//
// A snapshot is skipped, with the reason in RecoveryReport::skipped, when it covers more than the
// log holds, when the events right after it were removed by retention, when it fails its
// checksums, or when `restore` refuses it; the next older one is tried, and with none left the
// whole log is replayed from event 1. When retention removed the start of the log and no snapshot
// is usable, recovery fails with DATA_LOSS: the state can then only come from a backup.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"

namespace ekc::storage {

struct RecoveryReport {
  Sequence snapshot;  // the snapshot the state started from; 0: none (full replay)
  uint64_t events_replayed = 0;
  Sequence last;                     // the last event applied (= the log's last sequence)
  std::vector<std::string> skipped;  // one line per snapshot not used, saying why
  int64_t snapshot_ms = 0;           // reading, checking and restoring the snapshot (the used one)
  int64_t replay_ms = 0;             // reading and applying the events after it
};

inline constexpr uint64_t kRecoveryProgressEvents = 1 << 16;

struct RecoveryOptions {
  // Use snapshots at all (false: replay every event, as `ekcutl log verify` does to check them).
  bool use_snapshots = true;
  // Called (on the caller's thread) every kRecoveryProgressEvents events, with the count applied
  // so far and the count to apply; for progress bars. May be empty.
  std::function<void(uint64_t applied, uint64_t total)> on_progress;
};

// Restores the caller's state from `snapshot`; an error means "not usable" (the next older one is
// tried). Must leave the caller's state as it was when it fails.
using RestoreFn = std::function<absl::Status(const ekc::v1::RouterSnapshot& snapshot)>;
using ApplyFn = std::function<absl::Status(const ekc::v1::EventRecord& event)>;

// Rebuilds a state through `restore` and `apply`. Errors: the log cannot be read (DATA_LOSS naming
// the event), `apply` refused an event (its error), the start of the log was removed and no
// snapshot is usable (DATA_LOSS).
absl::StatusOr<RecoveryReport> Recover(const EventLog& log, const RestoreFn& restore,
                                       const ApplyFn& apply, const RecoveryOptions& options = {});

}  // namespace ekc::storage
