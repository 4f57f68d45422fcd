#pragma once

// What the `ekcutl log` commands share: opening a data folder for audit (read-only: the folder is
// never changed), folding it into a fresh routing core the way ekcd recovers, naming events, and
// printing errors and JSON.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "router/router.h"
#include "storage/event_log.h"
#include "storage/recovery.h"

namespace ekc::utl::log {

// Options every log command takes.
struct CommonOptions {
  std::string data_dir;
  bool json = false;
};

void AddCommonOptions(CLI::App& command, CommonOptions& options);

// Opens a data folder (a stopped ekcd's, or a backup) read-only. The error says which folder and
// why, e.g. "not an ekc data folder".
absl::StatusOr<std::unique_ptr<storage::EventLog>> OpenForAudit(const std::string& data_dir);
// Opens it read-write (prune). Fails while ekcd holds it.
absl::StatusOr<std::unique_ptr<storage::EventLog>> OpenForChange(const std::string& data_dir);

// Prints "ekcutl: <message>" on stderr and returns kExitFailed.
int Fail(const absl::Status& status);

// The event's type as its field name in ekc.v1.EventRecord ("contact_received"); "" when unset.
std::string EventType(const ekc::v1::EventRecord& event);
// UTC, milliseconds: "2026-11-25T11:09:51.123Z".
std::string UtcTime(int64_t unix_ms);
// The whole message in the proto3 JSON mapping with the .proto field names.
nlohmann::json MessageJson(const google::protobuf::Message& message);

// A routing core rebuilt from a folder, and how.
struct Folded {
  std::optional<router::Router> router;
  storage::RecoveryReport report;
};

// Rebuilds the state as ekcd would: the newest usable snapshot (unless `use_snapshots` is false)
// and the events after it. `on_progress` as in storage::RecoveryOptions.
absl::StatusOr<Folded> Fold(const storage::EventLog& log, bool use_snapshots,
                            std::function<void(uint64_t, uint64_t)> on_progress = nullptr);

}  // namespace ekc::utl::log
