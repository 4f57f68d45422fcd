#pragma once

// Helpers shared by the event log tests: records with recognisable contents, a recorder for durable
// callbacks with a bounded wait, and direct RocksDB access to tamper with a closed log's folder.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"

namespace ekc::storage::testing {

// Every wait in these tests is bounded by this; none is expected to come near it.
inline constexpr std::chrono::seconds kWaitMax{30};

// A record for `sequence` whose other fields are derived from it, so that a read can check them.
ekc::v1::EventRecord MakeRecord(uint64_t sequence);
// Records first, first+1, …, first+count-1.
std::vector<ekc::v1::EventRecord> MakeRecords(uint64_t first, size_t count);
// True if `record` is what MakeRecord(record.sequence()) made.
bool IsMadeRecord(const ekc::v1::EventRecord& record);

// What one durable callback was called with.
struct DurableNotice {
  Sequence last;
  absl::Status status;
};

// Collects durable callbacks in the order they were called; thread-safe.
class CallbackRecorder {
 public:
  EventLog::DurableCallback Callback();
  // Waits until at least `count` callbacks have been called, at most kWaitMax. False on timeout.
  bool WaitFor(size_t count);
  std::vector<DurableNotice> notices() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable called_;
  std::vector<DurableNotice> notices_;
};

// Appends `records` in one Append and waits for its callback. The Append's error, or the
// callback's.
absl::Status AppendAndWait(EventLog& log, std::vector<ekc::v1::EventRecord> records);

// The sequences ReadFrom(from) visits, or its error.
absl::StatusOr<std::vector<uint64_t>> ReadSequences(const EventLog& log, Sequence from);

// 1, 2, …, n.
std::vector<uint64_t> Iota(uint64_t n);

// Direct writes into a log's folder while no EventLog has it open, to fake damage.
absl::Status RawPut(const std::string& path, const std::string& key, const std::string& value);
absl::Status RawDelete(const std::string& path, const std::string& key);
// The same in the "snapshots" column family (snapshot_codec.h keys).
absl::Status RawPutSnapshot(const std::string& path, const std::string& key,
                            const std::string& value);
absl::Status RawDeleteSnapshot(const std::string& path, const std::string& key);
absl::StatusOr<std::string> RawGetSnapshot(const std::string& path, const std::string& key);

}  // namespace ekc::storage::testing
