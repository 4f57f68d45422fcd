// The event log on a real RocksDB whose write-ahead log can be made to fail or wait on demand
// (fault_injection_fs.h): group commit, the bounded queue, durability levels and the sticky
// failure. Holding the writer inside a sync is what makes these tests deterministic without sleeps.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "base/ids.h"
#include "storage/event_log.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/testing/temp_dir.h"

namespace ekc::storage {
namespace {

using testing::AppendAndWait;
using testing::CallbackRecorder;
using testing::DurableNotice;
using testing::FaultInjectionFileSystem;
using testing::Iota;
using testing::kWaitMax;
using testing::MakeRecords;
using testing::ReadSequences;

class EventLogFaultTest : public ::testing::Test {
 protected:
  ~EventLogFaultTest() override {
    // A writer held inside a sync must be let go before the log's destructor joins it.
    fs_->ReleaseWalSyncs();
  }

  EventLogOptions Options() const {
    EventLogOptions options;
    options.path = dir_.Sub("log");
    options.env = env_.get();
    return options;
  }

  std::unique_ptr<EventLog> OpenLog(const EventLogOptions& options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<EventLog> OpenLog() { return OpenLog(Options()); }

  ekc::testing::TempDir dir_;
  // Declared before any log a test opens, so they outlive it.
  std::shared_ptr<FaultInjectionFileSystem> fs_ = std::make_shared<FaultInjectionFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
};

// While the writer is held inside the first group's sync, every later Append piles up behind it and
// goes out in the next group: 2000 appends, at most two writes.
TEST_F(EventLogFaultTest, GroupCommit_ManyAppendsShareFewerWrites) {
  constexpr uint64_t kAppends = 2000;
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  fs_->HoldWalSyncs();

  CallbackRecorder recorder;
  uint64_t appended = 0;
  while (appended < kAppends &&
         log->Append(MakeRecords(appended + 1, 1), recorder.Callback()).ok()) {
    ++appended;
  }
  fs_->ReleaseWalSyncs();
  ASSERT_EQ(appended, kAppends);
  ASSERT_TRUE(recorder.WaitFor(kAppends));

  const std::vector<DurableNotice> notices = recorder.notices();
  ASSERT_EQ(notices.size(), kAppends);
  for (uint64_t i = 0; i < kAppends; ++i) {
    ASSERT_TRUE(notices[i].status.ok()) << i << ": " << notices[i].status;
    ASSERT_EQ(notices[i].last.value(), i + 1);
  }
  const EventLogStats stats = log->stats();
  EXPECT_LT(stats.groups_written, kAppends);
  EXPECT_LE(stats.groups_written, 2u);
  EXPECT_EQ(stats.records_written, kAppends);
  EXPECT_GE(stats.largest_group_records, kAppends / 2);
  EXPECT_EQ(log->durable_sequence().value(), kAppends);
  // The histograms for metrics saw every group and every Append.
  EXPECT_EQ(stats.group_records.count, stats.groups_written);
  EXPECT_EQ(stats.group_records.sum, kAppends);
  EXPECT_EQ(stats.group_records.max, stats.largest_group_records);
  EXPECT_EQ(stats.group_write_us.count, stats.groups_written);
  EXPECT_EQ(stats.append_durable_us.count, kAppends);

  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(1));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(kAppends));
}

// Without holding anything: many appends, callbacks all OK and in order, whatever the grouping was.
TEST_F(EventLogFaultTest, GroupCommit_UnheldAppendsAreAcknowledgedInOrder) {
  constexpr uint64_t kAppends = 500;
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  CallbackRecorder recorder;
  uint64_t appended = 0;
  while (appended < kAppends &&
         log->Append(MakeRecords(appended + 1, 1), recorder.Callback()).ok()) {
    ++appended;
  }
  ASSERT_EQ(appended, kAppends);
  ASSERT_TRUE(recorder.WaitFor(kAppends));
  const std::vector<DurableNotice> notices = recorder.notices();
  for (uint64_t i = 0; i < kAppends; ++i) {
    ASSERT_TRUE(notices[i].status.ok()) << i << ": " << notices[i].status;
    ASSERT_EQ(notices[i].last.value(), i + 1);
  }
  const EventLogStats stats = log->stats();
  EXPECT_GE(stats.groups_written, 1u);
  EXPECT_LE(stats.groups_written, kAppends);
  EXPECT_EQ(stats.records_written, kAppends);
}

TEST_F(EventLogFaultTest, FailedSync_IsStickyAndRefusesLaterAppends) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  const absl::Status first = AppendAndWait(*log, MakeRecords(1, 3));
  ASSERT_TRUE(first.ok()) << first;
  const uint64_t groups_before = log->stats().groups_written;

  // Keep the writer inside the sync of the group holding 4 while 5 and 6..7 queue behind it; then
  // let that sync fail.
  fs_->HoldWalSyncs();
  CallbackRecorder recorder;
  ASSERT_TRUE(log->Append(MakeRecords(4, 1), recorder.Callback()).ok());
  ASSERT_TRUE(fs_->WaitForHeldWalSync(kWaitMax));
  ASSERT_TRUE(log->Append(MakeRecords(5, 1), recorder.Callback()).ok());
  ASSERT_TRUE(log->Append(MakeRecords(6, 2), recorder.Callback()).ok());
  fs_->FailWalSyncs(true);
  fs_->ReleaseWalSyncs();
  ASSERT_TRUE(recorder.WaitFor(3));

  // The failed group's callback and the queued ones all get the same error, in append order.
  const std::vector<DurableNotice> notices = recorder.notices();
  ASSERT_EQ(notices.size(), 3u);
  const absl::Status failure = notices[0].status;
  EXPECT_FALSE(failure.ok());
  EXPECT_NE(failure.message().find("event log " + Options().path + ": write sequences 4..4"),
            std::string::npos)
      << failure;
  EXPECT_NE(failure.message().find("injected fault"), std::string::npos) << failure;
  const uint64_t expected_last[] = {4, 5, 7};
  for (size_t i = 0; i < notices.size(); ++i) {
    EXPECT_EQ(notices[i].status, failure) << i;
    EXPECT_EQ(notices[i].last.value(), expected_last[i]);
  }

  // Terminal: health says so, later Appends are refused with it (no callback), nothing moves.
  EXPECT_EQ(log->health(), failure);
  CallbackRecorder refused;
  EXPECT_EQ(log->Append(MakeRecords(8, 1), refused.Callback()), failure);
  EXPECT_EQ(log->Append({}, refused.Callback()), failure);
  EXPECT_EQ(log->last_sequence().value(), 7u);
  EXPECT_EQ(log->durable_sequence().value(), 3u);
  EXPECT_EQ(log->stats().groups_written, groups_before);
  // Never retried: the one injected error is the only sync that failed, and none came after it.
  fs_->FailWalSyncs(false);
  EXPECT_EQ(fs_->injected_errors(), 1u);
  const uint64_t syncs_after_failure = fs_->wal_syncs();
  log.reset();
  EXPECT_TRUE(refused.notices().empty());
  EXPECT_EQ(fs_->wal_syncs(), syncs_after_failure);
}

// Recovery is restart and replay: every acknowledged record is there; the failed group may or may
// not be (its bytes reached the file before the sync failed), but what is there is a clean prefix.
TEST_F(EventLogFaultTest, FailedSync_ReopenKeepsAcknowledgedRecords) {
  {
    std::unique_ptr<EventLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    const absl::Status acknowledged = AppendAndWait(*log, MakeRecords(1, 5));
    ASSERT_TRUE(acknowledged.ok()) << acknowledged;
    fs_->FailWalSyncs(true);
    EXPECT_FALSE(AppendAndWait(*log, MakeRecords(6, 2)).ok());
    EXPECT_FALSE(log->health().ok());
  }
  fs_->FailWalSyncs(false);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->health().ok());
  EXPECT_GE(log->last_sequence().value(), 5u);
  EXPECT_LE(log->last_sequence().value(), 7u);
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(log->last_sequence().value()));
  const absl::Status next = AppendAndWait(*log, MakeRecords(log->last_sequence().value() + 1, 1));
  EXPECT_TRUE(next.ok()) << next;
}

TEST_F(EventLogFaultTest, FailedWalAppend_IsStickyToo) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, MakeRecords(1, 2)).ok());
  fs_->FailWalAppends(true);
  const absl::Status failure = AppendAndWait(*log, MakeRecords(3, 1));
  EXPECT_FALSE(failure.ok());
  fs_->FailWalAppends(false);  // the disk is back; the log stays failed until a restart
  EXPECT_EQ(log->health(), failure);
  EXPECT_EQ(log->Append(MakeRecords(4, 1), nullptr), failure);
  EXPECT_EQ(log->durable_sequence().value(), 2u);
}

TEST_F(EventLogFaultTest, FullQueue_AppendAnswersResourceExhausted) {
  EventLogOptions options = Options();
  options.pending_records_max = 4;
  std::unique_ptr<EventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  fs_->HoldWalSyncs();  // nothing leaves the queue until released

  CallbackRecorder recorder;
  ASSERT_TRUE(log->Append(MakeRecords(1, 1), recorder.Callback()).ok());
  EXPECT_TRUE(log->HasRoomFor(3));
  EXPECT_FALSE(log->HasRoomFor(4));  // record 1 counts until its write finishes, in flight or not
  ASSERT_TRUE(log->Append(MakeRecords(2, 3), recorder.Callback()).ok());
  EXPECT_FALSE(log->HasRoomFor(1));
  EXPECT_TRUE(log->HasRoomFor(0));

  CallbackRecorder refused;
  const absl::Status full = log->Append(MakeRecords(5, 1), refused.Callback());
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_NE(full.message().find(options.path), std::string::npos) << full;
  EXPECT_EQ(log->last_sequence().value(), 4u);  // the refused record took no sequence
  EXPECT_TRUE(log->health().ok());              // a full queue is not a failure

  fs_->ReleaseWalSyncs();
  ASSERT_TRUE(recorder.WaitFor(2));
  EXPECT_TRUE(log->HasRoomFor(4));
  // The refused sequence is free again: the caller retries it.
  const absl::Status retried = AppendAndWait(*log, MakeRecords(5, 4));
  EXPECT_TRUE(retried.ok()) << retried;
  EXPECT_TRUE(refused.notices().empty());
}

// Empty Appends carry no records but still take a queue slot, so they are bounded as well.
TEST_F(EventLogFaultTest, FullQueue_EmptyAppendsAreBoundedToo) {
  EventLogOptions options = Options();
  options.pending_records_max = 2;
  std::unique_ptr<EventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  fs_->HoldWalSyncs();
  CallbackRecorder recorder;
  ASSERT_TRUE(log->Append(MakeRecords(1, 1), recorder.Callback()).ok());
  ASSERT_TRUE(log->Append({}, recorder.Callback()).ok());
  EXPECT_EQ(log->Append({}, recorder.Callback()).code(), absl::StatusCode::kResourceExhausted);
  fs_->ReleaseWalSyncs();
  ASSERT_TRUE(recorder.WaitFor(2));
  for (const DurableNotice& notice : recorder.notices()) {
    EXPECT_TRUE(notice.status.ok()) << notice.status;
    EXPECT_EQ(notice.last.value(), 1u);
  }
}

TEST_F(EventLogFaultTest, FullQueue_AppendLargerThanTheQueueIsRefused) {
  EventLogOptions options = Options();
  options.pending_records_max = 3;
  std::unique_ptr<EventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(log->HasRoomFor(4));
  EXPECT_EQ(log->Append(MakeRecords(1, 4), nullptr).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(AppendAndWait(*log, MakeRecords(1, 3)).ok());
}

TEST_F(EventLogFaultTest, Durability_FsyncLevelSyncsEveryGroup) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  const uint64_t syncs_before = fs_->wal_syncs();
  for (uint64_t first = 1; first <= 10; first += 2) {
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(first, 2)).ok());
  }
  const EventLogStats stats = log->stats();
  EXPECT_EQ(stats.groups_written, 5u);  // each Append waited for: one group each
  EXPECT_GE(fs_->wal_syncs() - syncs_before, stats.groups_written);
}

TEST_F(EventLogFaultTest, Durability_OsLevelSyncsOnlyAtClose) {
  EventLogOptions options = Options();
  options.durability = Durability::kOs;
  std::unique_ptr<EventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  const uint64_t syncs_before = fs_->wal_syncs();
  for (uint64_t first = 1; first <= 10; first += 2) {
    ASSERT_TRUE(AppendAndWait(*log, MakeRecords(first, 2)).ok());
  }
  EXPECT_EQ(log->stats().groups_written, 5u);
  EXPECT_EQ(fs_->wal_syncs(), syncs_before);  // acknowledged without a sync
  log.reset();
  EXPECT_GT(fs_->wal_syncs(), syncs_before);  // the clean shutdown synced once

  log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(10));
}

}  // namespace
}  // namespace ekc::storage
