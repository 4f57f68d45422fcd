// Power loss, simulated 100 times: the event log writes through a file system that keeps unsynced
// data in memory (fault_injection_fs.h); at a random moment the power goes off mid-write, the log
// is closed, everything not durable is dropped, and the log is opened again. Every acknowledged
// event must be there, the log must read back as one gapless prefix of what was appended, and
// every snapshot found must cover only events that survived.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"
#include "storage/recovery.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/testing/temp_dir.h"

namespace ekc::storage {
namespace {

using testing::FaultInjectionFileSystem;
using testing::Iota;
using testing::MakeRecords;
using testing::ReadSequences;

constexpr int kCycles = 100;
constexpr int kAppendsPerCycleMax = 60;
constexpr size_t kRecordsPerAppendMax = 20;

// The highest sequence whose Append was acknowledged; thread-safe.
class AckedMax {
 public:
  EventLog::DurableCallback Callback() {
    return [this](Sequence last, const absl::Status& status) {
      if (!status.ok()) return;
      uint64_t seen = max_.load();
      while (last.value() > seen && !max_.compare_exchange_weak(seen, last.value())) {
      }
    };
  }
  uint64_t value() const { return max_.load(); }

 private:
  std::atomic<uint64_t> max_{0};
};

void RunPowerLossCycles(Durability durability, uint64_t seed) {
  ekc::testing::TempDir dir;
  auto fs = std::make_shared<FaultInjectionFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  std::mt19937_64 random(seed);
  uint64_t acknowledged = 0;  // every cycle: this much must survive (fsync durability)
  uint64_t survived = 0;      // the log's length after the last power loss
  int snapshots_recovered = 0;

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE(::testing::Message() << "cycle " << cycle << ", seed " << seed);
    EventLogOptions options;
    options.path = dir.Sub("log");
    options.env = env.get();
    options.durability = durability;
    options.snapshots_keep = 2;
    absl::StatusOr<std::unique_ptr<EventLog>> opened = EventLog::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    std::unique_ptr<EventLog> log = std::move(*opened);

    // What survived the previous power loss is one gapless prefix, holding every acknowledged
    // event, and recovery from its snapshots gets exactly to its end.
    absl::StatusOr<std::vector<uint64_t>> stored = ReadSequences(*log, Sequence(0));
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(*stored, Iota(stored->size()));
    if (durability == Durability::kFsync) {
      ASSERT_GE(stored->size(), acknowledged) << "acknowledged events were lost";
    }
    ASSERT_GE(stored->size(), survived) << "events that survived one power loss were lost";
    survived = stored->size();
    uint64_t restored = 0;
    absl::StatusOr<RecoveryReport> report = Recover(
        *log,
        [&](const ekc::v1::RouterSnapshot& snapshot) {
          restored = snapshot.last_sequence();
          return absl::OkStatus();
        },
        [](const ekc::v1::EventRecord&) { return absl::OkStatus(); });
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_LE(restored, survived);
    if (restored > 0) ++snapshots_recovered;

    // Appends (some waited for), a snapshot now and then, and the power goes off in the middle.
    AckedMax acked;
    const int appends = 1 + static_cast<int>(random() % kAppendsPerCycleMax);
    const int power_off_at = static_cast<int>(random() % static_cast<uint64_t>(appends));
    uint64_t next = survived + 1;
    for (int a = 0; a < appends; ++a) {
      if (a == power_off_at) fs->PowerOff();
      const size_t count = 1 + random() % kRecordsPerAppendMax;
      if (!log->Append(MakeRecords(next, count), acked.Callback()).ok()) break;  // failed: off
      next += count;
      if (random() % 4 == 0) {
        // Wait for everything so far, as a client waiting for its answer would.
        ASSERT_TRUE(testing::AppendAndWait(*log, {}).ok() || !fs->powered());
      }
      if (random() % 10 == 0) {
        ekc::v1::RouterSnapshot snapshot;
        snapshot.set_last_sequence(next - 1);
        log->WriteSnapshot(std::move(snapshot), nullptr).IgnoreError();  // may be refused: off
      }
    }
    fs->PowerOff();
    log.reset();  // what was still queued fails: not acknowledged
    acknowledged = std::max(acknowledged, acked.value());
    fs->DropUnsyncedData();
    fs->PowerOn();
  }
  EXPECT_GT(survived, 0u);
  std::printf("power loss (%s): %d cycles, %llu events survived, %d recoveries from a snapshot\n",
              durability == Durability::kFsync ? "fsync" : "os", kCycles,
              static_cast<unsigned long long>(survived), snapshots_recovered);
}

TEST(PowerLossTest, Fsync_AcknowledgedEventsSurviveAHundredPowerLosses) {
  RunPowerLossCycles(Durability::kFsync, 6);
}

// At `os` durability a power loss may take acknowledged events, but never breaks the log: what
// remains is a gapless prefix, and no snapshot outlives the events it covers.
TEST(PowerLossTest, Os_WhatSurvivesIsAGaplessPrefixAndSnapshotsNeverOutliveTheirEvents) {
  RunPowerLossCycles(Durability::kOs, 7);
}

// The file system itself: unsynced appends and files whose folder was never synced do not survive.
TEST(PowerLossTest, FileSystem_DropsUnsyncedTailsAndFilesCreatedAfterTheFolderSync) {
  ekc::testing::TempDir dir;
  FaultInjectionFileSystem fs;
  rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSDirectory> folder;
  ASSERT_TRUE(fs.NewDirectory(dir.path().string(), io, &folder, nullptr).ok());
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const std::string synced_path = dir.Sub("synced");
  ASSERT_TRUE(fs.NewWritableFile(synced_path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append("durable", io, nullptr).ok());
  ASSERT_TRUE(file->Sync(io, nullptr).ok());
  ASSERT_TRUE(folder->Fsync(io, nullptr).ok());
  ASSERT_TRUE(file->Append(" and lost", io, nullptr).ok());
  ASSERT_TRUE(file->Close(io, nullptr).ok());
  std::unique_ptr<rocksdb::FSWritableFile> late;
  const std::string late_path = dir.Sub("late");
  ASSERT_TRUE(fs.NewWritableFile(late_path, rocksdb::FileOptions(), &late, nullptr).ok());
  ASSERT_TRUE(late->Append("synced, but its folder was not", io, nullptr).ok());
  ASSERT_TRUE(late->Sync(io, nullptr).ok());
  ASSERT_TRUE(late->Close(io, nullptr).ok());
  EXPECT_EQ(std::filesystem::file_size(synced_path), std::string("durable and lost").size());

  fs.PowerOff();
  EXPECT_FALSE(folder->Fsync(io, nullptr).ok());
  fs.DropUnsyncedData();
  fs.PowerOn();
  EXPECT_EQ(std::filesystem::file_size(synced_path), std::string("durable").size());
  EXPECT_FALSE(std::filesystem::exists(late_path));
}

}  // namespace
}  // namespace ekc::storage
