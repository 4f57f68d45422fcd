#pragma once

// Helpers of the crash tests: an ekcd config with frequent snapshots, and the offline checks of a
// killed daemon's folder — read it with storage::EventLog and fold it with router::Router, once
// from the newest snapshot (as ekcd recovers) and once from event 1.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "router/state.h"

namespace ekc::crash {

// Writes a copy of deploy/ekcd.yaml into `folder` with snapshots every `every_events` events (and
// every second), keeping 2, and the rules path made absolute; returns its path.
std::string WriteConfig(const std::string& folder, uint64_t every_events);

// What a folder holds, read offline.
struct FolderState {
  router::RouterState recovered;  // newest usable snapshot + the events after it
  router::RouterState full;       // every event from 1
  uint64_t snapshot = 0;          // the snapshot the recovery used (0: none)
  uint64_t last_sequence = 0;
  std::vector<std::string> received_keys;  // idempotency keys of ContactReceived, in log order
};

// Opens the folder read-only and folds it both ways. Any read error (a gap, a bad checksum) is an
// error.
absl::StatusOr<FolderState> ReadFolder(const std::string& data_dir);

}  // namespace ekc::crash
