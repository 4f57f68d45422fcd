// Snapshots in the event log: their stored form (parts, checksums), when they are written (only
// once their events are durable), which are kept, recovery from the newest usable one with
// fallback, the read-only open that audits a folder without changing it, backups and retention's
// deletion.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"
#include "storage/record_codec.h"
#include "storage/recovery.h"
#include "storage/snapshot_codec.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/testing/temp_dir.h"

namespace ekc::storage {
namespace {

using testing::AppendAndWait;
using testing::FaultInjectionFileSystem;
using testing::Iota;
using testing::MakeRecords;
using testing::ReadSequences;

// A state that says which event it covers; `filler_bytes` of notes make it as large as a test
// needs.
ekc::v1::RouterSnapshot MakeSnapshot(uint64_t sequence, size_t filler_bytes = 0) {
  ekc::v1::RouterSnapshot snapshot;
  snapshot.set_last_sequence(sequence);
  snapshot.set_last_time_unix_ms(1'700'000'000'000 + static_cast<int64_t>(sequence));
  snapshot.set_next_contact_id(sequence + 1);
  ekc::v1::ContactSnapshot* contact = snapshot.add_contacts();
  contact->set_notes(std::string(filler_bytes, 'x'));
  contact->set_outcome_code(std::to_string(sequence));
  return snapshot;
}

// Waits for a WriteSnapshot's callback, bounded.
class SnapshotWaiter {
 public:
  EventLog::SnapshotCallback Callback() {
    return [this](Sequence sequence, const absl::Status& status) {
      std::lock_guard<std::mutex> lock(mu_);
      sequence_ = sequence;
      status_ = status;
      done_ = true;
      cv_.notify_all();
    };
  }
  // The callback's status, or DEADLINE_EXCEEDED after `timeout`.
  absl::Status Wait(std::chrono::milliseconds timeout = testing::kWaitMax) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return done_; })) {
      return absl::DeadlineExceededError("the snapshot callback never came");
    }
    return status_;
  }
  bool done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  Sequence sequence_;
  absl::Status status_;
};

absl::Status WriteSnapshotAndWait(EventLog& log, ekc::v1::RouterSnapshot snapshot) {
  SnapshotWaiter waiter;
  if (absl::Status s = log.WriteSnapshot(std::move(snapshot), waiter.Callback()); !s.ok()) return s;
  return waiter.Wait();
}

std::vector<uint64_t> ListedSequences(const EventLog& log) {
  std::vector<uint64_t> sequences;
  absl::StatusOr<std::vector<SnapshotInfo>> infos = log.ListSnapshots();
  EXPECT_TRUE(infos.ok()) << infos.status();
  if (!infos.ok()) return sequences;
  for (const SnapshotInfo& info : *infos) sequences.push_back(info.sequence.value());
  return sequences;
}

// A recovery into a "state" that is just the snapshot restored and the events applied after it.
struct FoldedState {
  uint64_t restored_from = 0;
  std::vector<uint64_t> applied;
};

absl::StatusOr<RecoveryReport> RecoverInto(const EventLog& log, FoldedState& state,
                                           RecoveryOptions options = {}) {
  return Recover(
      log,
      [&](const ekc::v1::RouterSnapshot& snapshot) {
        state.restored_from = snapshot.last_sequence();
        return absl::OkStatus();
      },
      [&](const ekc::v1::EventRecord& event) {
        state.applied.push_back(event.sequence());
        return absl::OkStatus();
      },
      options);
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> values;
  for (uint64_t i = first; i <= last; ++i) values.push_back(i);
  return values;
}

// --- The stored form ---

TEST(SnapshotCodecTest, RoundTrip_SplitsIntoPartsAndReassemblesTheSameState) {
  const ekc::v1::RouterSnapshot snapshot = MakeSnapshot(42, 1000);
  absl::StatusOr<EncodedSnapshot> encoded = EncodeSnapshot(snapshot, 5, /*part_bytes=*/100);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->header.sequence(), 42u);
  EXPECT_GT(encoded->header.parts(), 10u);
  std::vector<std::string> parts;
  for (uint32_t part = 1; part <= encoded->header.parts(); ++part) {
    parts.push_back(EncodeSnapshotPart(*encoded, part, 100));
  }
  absl::StatusOr<ekc::v1::SnapshotHeader> header =
      DecodeSnapshotHeader(EncodeSnapshotHeader(encoded->header));
  ASSERT_TRUE(header.ok()) << header.status();
  std::vector<std::string_view> views(parts.begin(), parts.end());
  ekc::v1::RouterSnapshot decoded;
  ASSERT_TRUE(DecodeSnapshotParts(*header, views, &decoded).ok());
  EXPECT_EQ(decoded.SerializeAsString(), snapshot.SerializeAsString());
}

TEST(SnapshotCodecTest, DamagedPartMissingPartOrWrongSequenceIsDataLoss) {
  absl::StatusOr<EncodedSnapshot> encoded = EncodeSnapshot(MakeSnapshot(7, 300), 5, 100);
  ASSERT_TRUE(encoded.ok());
  std::vector<std::string> parts;
  for (uint32_t part = 1; part <= encoded->header.parts(); ++part) {
    parts.push_back(EncodeSnapshotPart(*encoded, part, 100));
  }
  ekc::v1::RouterSnapshot decoded;
  {
    std::vector<std::string> damaged = parts;
    damaged[1][10] ^= 0x01;
    std::vector<std::string_view> views(damaged.begin(), damaged.end());
    absl::Status s = DecodeSnapshotParts(encoded->header, views, &decoded);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("part 2"), absl::string_view::npos) << s;
  }
  {
    std::vector<std::string_view> views(parts.begin(), parts.end() - 1);
    EXPECT_EQ(DecodeSnapshotParts(encoded->header, views, &decoded).code(),
              absl::StatusCode::kDataLoss);
  }
  {
    ekc::v1::SnapshotHeader other = encoded->header;
    other.set_sequence(8);
    std::vector<std::string_view> views(parts.begin(), parts.end());
    EXPECT_EQ(DecodeSnapshotParts(other, views, &decoded).code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeSnapshotHeader("junk").status().code(), absl::StatusCode::kDataLoss);
  ekc::v1::SnapshotHeader too_many = encoded->header;
  too_many.set_parts(kSnapshotPartsMax + 1);
  EXPECT_EQ(DecodeSnapshotHeader(EncodeSnapshotHeader(too_many)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SnapshotCodecTest, KeysSortBySequenceThenPart) {
  EXPECT_LT(EncodeSnapshotKey(Sequence(1), 7), EncodeSnapshotKey(Sequence(2), 0));
  EXPECT_LT(EncodeSnapshotKey(Sequence(256), 0), EncodeSnapshotKey(Sequence(256), 1));
  absl::StatusOr<SnapshotKey> key = DecodeSnapshotKey(EncodeSnapshotKey(Sequence(300), 9));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->sequence, Sequence(300));
  EXPECT_EQ(key->part, 9u);
  EXPECT_FALSE(DecodeSnapshotKey("12345678").ok());
}

// --- In the log ---

class SnapshotLogTest : public ::testing::Test {
 protected:
  ~SnapshotLogTest() override { fs_->ReleaseWalSyncs(); }

  EventLogOptions Options() const {
    EventLogOptions options;
    options.path = dir_.Sub("log");
    options.env = env_.get();
    options.snapshots_keep = 2;
    return options;
  }
  std::unique_ptr<EventLog> Open(EventLogOptions options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<EventLog> Open() { return Open(Options()); }
  std::unique_ptr<EventLog> OpenReadOnly() {
    EventLogOptions options = Options();
    options.read_only = true;
    options.env = nullptr;
    return Open(options);
  }

  ekc::testing::TempDir dir_;
  std::shared_ptr<FaultInjectionFileSystem> fs_ = std::make_shared<FaultInjectionFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
};

TEST_F(SnapshotLogTest, Snapshot_IsStoredOnlyOnceTheEventsItCoversAreDurable) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 5)).ok());
  fs_->HoldWalSyncs();
  ASSERT_TRUE(log->Append(MakeRecords(6, 5), nullptr).ok());
  ASSERT_TRUE(fs_->WaitForHeldWalSync(std::chrono::seconds(10)));
  SnapshotWaiter waiter;
  ASSERT_TRUE(log->WriteSnapshot(MakeSnapshot(10), waiter.Callback()).ok());
  EXPECT_TRUE(log->snapshot_pending());
  // Events 6..10 are held inside their sync: the snapshot waits for them.
  EXPECT_EQ(waiter.Wait(std::chrono::milliseconds(300)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(ListedSequences(*log).empty());
  fs_->ReleaseWalSyncs();
  ASSERT_TRUE(waiter.Wait().ok());
  EXPECT_EQ(ListedSequences(*log), std::vector<uint64_t>{10});
  EXPECT_EQ(log->stats().snapshots_written, 1u);
  EXPECT_EQ(log->stats().last_snapshot, Sequence(10));
}

TEST_F(SnapshotLogTest, Snapshot_OfEventsThatNeverBecomeDurableIsNotStoredAndFailsTheLog) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 3)).ok());
  // The sync of events 4..5 is held until the snapshot is queued, then fails.
  fs_->HoldWalSyncs();
  ASSERT_TRUE(log->Append(MakeRecords(4, 2), nullptr).ok());
  ASSERT_TRUE(fs_->WaitForHeldWalSync(std::chrono::seconds(10)));
  SnapshotWaiter waiter;
  ASSERT_TRUE(log->WriteSnapshot(MakeSnapshot(5), waiter.Callback()).ok());
  fs_->FailWalSyncs(true);
  fs_->ReleaseWalSyncs();
  EXPECT_FALSE(waiter.Wait().ok());
  EXPECT_FALSE(log->health().ok());
  EXPECT_FALSE(log->WriteSnapshot(MakeSnapshot(5), nullptr).ok());
  fs_->FailWalSyncs(false);
  log.reset();
  log = OpenReadOnly();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(ListedSequences(*log).empty());
}

TEST_F(SnapshotLogTest, Snapshot_BeyondWhatWasAppendedOrOfNothingIsRefused) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 3)).ok());
  EXPECT_EQ(log->WriteSnapshot(MakeSnapshot(4), nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->WriteSnapshot(MakeSnapshot(0), nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SnapshotLogTest, Snapshots_OnlyTheNewestKeepAreKept) {
  std::unique_ptr<EventLog> log = Open();  // keeps 2
  ASSERT_NE(log, nullptr);
  for (uint64_t s = 1; s <= 4; ++s) {
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(s, 1)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(s)).ok());
  }
  EXPECT_EQ(ListedSequences(*log), (std::vector<uint64_t>{4, 3}));
}

TEST_F(SnapshotLogTest, LargeSnapshot_IsStoredInPartsAndReadsBackEqual) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 2)).ok());
  const ekc::v1::RouterSnapshot snapshot = MakeSnapshot(2, kSnapshotPartBytes + 1000);
  ASSERT_TRUE(WriteSnapshotAndWait(*log, snapshot).ok());
  absl::StatusOr<std::vector<SnapshotInfo>> infos = log->ListSnapshots();
  ASSERT_TRUE(infos.ok());
  ASSERT_EQ(infos->size(), 1u);
  EXPECT_EQ((*infos)[0].parts, 2u);
  absl::StatusOr<ekc::v1::RouterSnapshot> read = log->ReadSnapshot(Sequence(2));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), snapshot.SerializeAsString());
}

TEST_F(SnapshotLogTest, Recover_StartsFromTheNewestSnapshotAndAppliesOnlyTheEventsAfterIt) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 10)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(4)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(7)).ok());
  }
  std::unique_ptr<EventLog> log = OpenReadOnly();
  ASSERT_NE(log, nullptr);
  FoldedState state;
  absl::StatusOr<RecoveryReport> report = RecoverInto(*log, state);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->snapshot, Sequence(7));
  EXPECT_EQ(state.restored_from, 7u);
  EXPECT_EQ(state.applied, Range(8, 10));
  EXPECT_EQ(report->events_replayed, 3u);
  EXPECT_EQ(report->last, Sequence(10));
  EXPECT_TRUE(report->skipped.empty());
}

TEST_F(SnapshotLogTest, Recover_CorruptNewestSnapshotFallsBackToTheOlderOneAndSaysWhy) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 10)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(4)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(7)).ok());
  }
  absl::StatusOr<std::string> part =
      testing::RawGetSnapshot(dir_.Sub("log"), EncodeSnapshotKey(Sequence(7), 1));
  ASSERT_TRUE(part.ok()) << part.status();
  std::string damaged = *part;
  damaged.back() ^= 0x20;
  ASSERT_TRUE(
      testing::RawPutSnapshot(dir_.Sub("log"), EncodeSnapshotKey(Sequence(7), 1), damaged).ok());

  std::unique_ptr<EventLog> log = OpenReadOnly();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->ReadSnapshot(Sequence(7)).status().code(), absl::StatusCode::kDataLoss);
  FoldedState state;
  absl::StatusOr<RecoveryReport> report = RecoverInto(*log, state);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->snapshot, Sequence(4));
  EXPECT_EQ(state.applied, Range(5, 10));
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("snapshot of event 7"), std::string::npos)
      << report->skipped[0];
  EXPECT_NE(report->skipped[0].find("checksum"), std::string::npos) << report->skipped[0];
}

TEST_F(SnapshotLogTest, Recover_EverySnapshotUnusableReplaysTheWholeLog) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 6)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(3)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(5)).ok());
  }
  // The header of one is gone (an interrupted write); the other is refused by the caller.
  ASSERT_TRUE(testing::RawDeleteSnapshot(dir_.Sub("log"), EncodeSnapshotKey(Sequence(5), 0)).ok());
  std::unique_ptr<EventLog> log = OpenReadOnly();
  ASSERT_NE(log, nullptr);
  std::vector<uint64_t> applied;
  absl::StatusOr<RecoveryReport> report = Recover(
      *log,
      [](const ekc::v1::RouterSnapshot&) {
        return absl::DataLossError("snapshot: contact 1 is in no queue");
      },
      [&](const ekc::v1::EventRecord& e) {
        applied.push_back(e.sequence());
        return absl::OkStatus();
      });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->snapshot, Sequence(0));
  EXPECT_EQ(applied, Iota(6));
  ASSERT_EQ(report->skipped.size(), 2u);
  EXPECT_NE(report->skipped[0].find("interrupted"), std::string::npos) << report->skipped[0];
  EXPECT_NE(report->skipped[1].find("contact 1 is in no queue"), std::string::npos)
      << report->skipped[1];
}

TEST_F(SnapshotLogTest, Recover_SnapshotBeyondTheEndOfTheLogIsSkipped) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 4)).ok());
  }
  // A snapshot whose events are not in the log (as if they had been lost): never trusted.
  absl::StatusOr<EncodedSnapshot> encoded = EncodeSnapshot(MakeSnapshot(9), 1);
  ASSERT_TRUE(encoded.ok());
  ASSERT_TRUE(testing::RawPutSnapshot(dir_.Sub("log"), EncodeSnapshotKey(Sequence(9), 1),
                                      EncodeSnapshotPart(*encoded, 1))
                  .ok());
  ASSERT_TRUE(testing::RawPutSnapshot(dir_.Sub("log"), EncodeSnapshotKey(Sequence(9), 0),
                                      EncodeSnapshotHeader(encoded->header))
                  .ok());
  std::unique_ptr<EventLog> log = OpenReadOnly();
  ASSERT_NE(log, nullptr);
  FoldedState state;
  absl::StatusOr<RecoveryReport> report = RecoverInto(*log, state);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->snapshot, Sequence(0));
  EXPECT_EQ(state.applied, Iota(4));
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("the log ends at event 4"), std::string::npos);
}

TEST_F(SnapshotLogTest, ReadOnlyOpen_ReadsEverythingChangesNothingAndRefusesWrites) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 5)).ok());
    ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(5)).ok());
  }
  auto listing = [&] {
    std::vector<std::pair<std::string, uintmax_t>> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.Sub("log"))) {
      files.emplace_back(entry.path().filename().string(), entry.file_size());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  const auto before = listing();
  {
    std::unique_ptr<EventLog> log = OpenReadOnly();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(ReadSequences(*log, Sequence(0)).value(), Iota(5));
    EXPECT_EQ(ListedSequences(*log), std::vector<uint64_t>{5});
    EXPECT_EQ(log->Append(MakeRecords(6, 1), nullptr).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(log->WriteSnapshot(MakeSnapshot(5), nullptr).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(log->Backup(dir_.Sub("b"), nullptr).code(), absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(listing(), before);
}

TEST_F(SnapshotLogTest, ReadOnlyOpen_OfAFolderWithoutALogSaysSo) {
  EventLogOptions options = Options();
  options.read_only = true;
  options.path = dir_.Sub("nothing-here");
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(log.status().message().find("not an ekc data folder"), absl::string_view::npos);
  EXPECT_FALSE(std::filesystem::exists(options.path));
}

TEST_F(SnapshotLogTest, Backup_IsALogFolderWithTheEventsAndSnapshots) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 8)).ok());
  ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(6)).ok());
  std::mutex mu;
  std::condition_variable cv;
  std::optional<absl::StatusOr<BackupResult>> result;
  ASSERT_TRUE(log->Backup(dir_.Sub("backup"),
                          [&](const absl::StatusOr<BackupResult>& r) {
                            std::lock_guard<std::mutex> lock(mu);
                            result = r;
                            cv.notify_all();
                          })
                  .ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, testing::kWaitMax, [&] { return result.has_value(); }));
  }
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->durable_at_start, Sequence(8));
  // The live log goes on; the backup is a folder of its own.
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(9, 1)).ok());
  EventLogOptions options;
  options.path = dir_.Sub("backup");
  options.read_only = true;
  std::unique_ptr<EventLog> backup = Open(options);
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(ReadSequences(*backup, Sequence(0)).value(), Iota(8));
  EXPECT_EQ(ListedSequences(*backup), std::vector<uint64_t>{6});
}

TEST_F(SnapshotLogTest, DeleteEventsThrough_RemovesTheOldEventsAndTheSnapshotsBeforeThem) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 10)).ok());
  ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(3)).ok());
  ASSERT_TRUE(WriteSnapshotAndWait(*log, MakeSnapshot(6)).ok());
  EXPECT_EQ(log->DeleteEventsThrough(Sequence(10)).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(log->DeleteEventsThrough(Sequence(6)).ok());
  EXPECT_EQ(log->FirstSequence().value(), Sequence(7));
  EXPECT_EQ(ReadSequences(*log, Sequence(0)).value(), Range(7, 10));
  EXPECT_EQ(ListedSequences(*log), std::vector<uint64_t>{6});
  FoldedState state;
  absl::StatusOr<RecoveryReport> report = RecoverInto(*log, state);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->snapshot, Sequence(6));
  EXPECT_EQ(state.applied, Range(7, 10));
  // Without snapshots, a pruned log cannot be recovered.
  RecoveryOptions no_snapshots;
  no_snapshots.use_snapshots = false;
  FoldedState full;
  EXPECT_EQ(RecoverInto(*log, full, no_snapshots).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ekc::storage
