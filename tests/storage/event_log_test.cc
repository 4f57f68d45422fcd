// The event log on a real RocksDB in a temporary folder: appending, reading back, reopening, and
// what a reader does with damaged contents. Faults of the disk itself are in
// event_log_fault_test.cc.

#include "storage/event_log.h"

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "storage/record_codec.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/testing/temp_dir.h"

namespace ekc::storage {
namespace {

using testing::AppendAndWait;
using testing::CallbackRecorder;
using testing::DurableNotice;
using testing::Iota;
using testing::MakeRecord;
using testing::MakeRecords;
using testing::RawDelete;
using testing::RawPut;
using testing::ReadSequences;

class EventLogTest : public ::testing::Test {
 protected:
  EventLogOptions Options() const {
    EventLogOptions options;
    options.path = path_;
    return options;
  }

  // Opens the log or fails the test (the caller then stops at its ASSERT on the pointer).
  std::unique_ptr<EventLog> OpenLog(const EventLogOptions& options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<EventLog> OpenLog() { return OpenLog(Options()); }

  // A log holding records 1..n, closed again.
  void WriteClosedLog(uint64_t n) {
    std::unique_ptr<EventLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    const absl::Status status = AppendAndWait(*log, MakeRecords(1, n));
    ASSERT_TRUE(status.ok()) << status;
  }

  // ReadAheadFrom(1) with a fresh log, the visitor answering CANCELLED "enough" at `stop_at` (0:
  // never); the read's status, and the sequences visited.
  absl::Status ReadAheadAfterReopen(uint64_t stop_at, std::vector<uint64_t>* visited) {
    std::unique_ptr<EventLog> log = OpenLog();
    if (log == nullptr) return absl::InternalError("reopen failed");
    return log->ReadAheadFrom(Sequence(1), [&](const ekc::v1::EventRecord& record) {
      visited->push_back(record.sequence());
      if (record.sequence() == stop_at) return absl::CancelledError("enough");
      return absl::OkStatus();
    });
  }

  // Reads from `from` with a fresh log; the read's status, and the sequences visited before it
  // ended.
  absl::Status ReadAfterReopen(Sequence from, std::vector<uint64_t>* visited) {
    std::unique_ptr<EventLog> log = OpenLog();
    if (log == nullptr) return absl::InternalError("reopen failed");
    return log->ReadFrom(from, [&](const ekc::v1::EventRecord& record) {
      visited->push_back(record.sequence());
      return absl::OkStatus();
    });
  }

  ekc::testing::TempDir dir_;
  const std::string path_ = dir_.Sub("log");
};

TEST_F(EventLogTest, Open_NewFolderStartsEmpty) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_sequence().value(), 0u);
  EXPECT_EQ(log->durable_sequence().value(), 0u);
  EXPECT_TRUE(log->health().ok());
  EXPECT_TRUE(log->HasRoomFor(Options().pending_records_max));
  EXPECT_FALSE(log->HasRoomFor(Options().pending_records_max + 1));
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->empty());
  const EventLogStats stats = log->stats();
  EXPECT_EQ(stats.groups_written, 0u);
  EXPECT_EQ(stats.records_written, 0u);
}

TEST_F(EventLogTest, Open_RejectsInvalidOptions) {
  EventLogOptions no_path = Options();
  no_path.path.clear();
  EXPECT_EQ(EventLog::Open(no_path).status().code(), absl::StatusCode::kInvalidArgument);

  EventLogOptions no_room = Options();
  no_room.pending_records_max = 0;
  EXPECT_EQ(EventLog::Open(no_room).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, Open_FolderThatIsAFileFailsNamingThePath) {
  const std::string file = dir_.Sub("not-a-folder");
  std::ofstream(file) << "x";
  EventLogOptions options = Options();
  options.path = file;
  const absl::Status status = EventLog::Open(options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("event log " + file + ": open: "), std::string::npos) << status;
}

// RocksDB's LOCK file keeps a second writer out, in this process as in another.
TEST_F(EventLogTest, Open_FolderAlreadyOpenIsRefused) {
  std::unique_ptr<EventLog> first = OpenLog();
  ASSERT_NE(first, nullptr);
  const absl::Status second = EventLog::Open(Options()).status();
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.message().find(path_), std::string::npos) << second;
}

TEST_F(EventLogTest, Append_RecordsReadBackInOrder) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (uint64_t first = 1; first <= 10; first += 5) {
    const absl::Status status = AppendAndWait(*log, MakeRecords(first, 5));
    ASSERT_TRUE(status.ok()) << status;
  }
  EXPECT_EQ(log->last_sequence().value(), 10u);
  EXPECT_EQ(log->durable_sequence().value(), 10u);

  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(10));  // ReadSequences also checks each record's contents
  EXPECT_EQ(log->stats().records_written, 10u);
}

TEST_F(EventLogTest, Append_CallbacksFireInAppendOrderWithTheirLastSequence) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  CallbackRecorder recorder;
  ASSERT_TRUE(log->Append(MakeRecords(1, 3), recorder.Callback()).ok());
  ASSERT_TRUE(log->Append(MakeRecords(4, 1), recorder.Callback()).ok());
  ASSERT_TRUE(log->Append(MakeRecords(5, 2), recorder.Callback()).ok());
  EXPECT_EQ(log->last_sequence().value(), 6u);  // at once: appended, maybe not yet durable
  ASSERT_TRUE(recorder.WaitFor(3));

  const std::vector<DurableNotice> notices = recorder.notices();
  ASSERT_EQ(notices.size(), 3u);
  const uint64_t expected_last[] = {3, 4, 6};
  for (size_t i = 0; i < notices.size(); ++i) {
    EXPECT_TRUE(notices[i].status.ok()) << notices[i].status;
    EXPECT_EQ(notices[i].last.value(), expected_last[i]);
  }
  EXPECT_EQ(log->durable_sequence().value(), 6u);
}

TEST_F(EventLogTest, Append_EmptyFiresAfterEarlierRecordsAreDurable) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  CallbackRecorder recorder;
  ASSERT_TRUE(log->Append(MakeRecords(1, 4), recorder.Callback()).ok());
  Sequence durable_when_called(0);
  CallbackRecorder empty_recorder;
  EventLog::DurableCallback on_empty = empty_recorder.Callback();
  ASSERT_TRUE(log->Append({},
                          [&, on_empty](Sequence last, const absl::Status& status) {
                            durable_when_called = log->durable_sequence();
                            on_empty(last, status);
                          })
                  .ok());
  ASSERT_TRUE(empty_recorder.WaitFor(1));
  ASSERT_TRUE(recorder.WaitFor(1));  // already called: callbacks run in append order

  const DurableNotice notice = empty_recorder.notices().front();
  EXPECT_TRUE(notice.status.ok()) << notice.status;
  EXPECT_EQ(notice.last.value(), 4u);
  EXPECT_EQ(durable_when_called.value(), 4u);
  EXPECT_EQ(log->last_sequence().value(), 4u);  // an empty Append takes no sequence
}

TEST_F(EventLogTest, Append_EmptyOnAnIdleLogFires) {
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  const absl::Status status = AppendAndWait(*log, {});
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(log->stats().groups_written, 0u);  // nothing to write, no write
}

TEST_F(EventLogTest, Append_GapInSequencesIsACallerBug) {
  // Everything inside the statement so that the forked child opens its own log and the parent holds
  // no RocksDB handle while it forks.
  EXPECT_DEATH(
      {
        absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(Options());
        if (log.ok()) (*log)->Append(MakeRecords(2, 1), nullptr).IgnoreError();
      },
      "appended sequence 2 does not continue the log: expected 1");
}

TEST_F(EventLogTest, Append_RepeatedSequenceIsACallerBug) {
  EXPECT_DEATH(
      {
        absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(Options());
        if (log.ok()) {
          (*log)->Append(MakeRecords(1, 2), nullptr).IgnoreError();
          (*log)->Append(MakeRecords(2, 1), nullptr).IgnoreError();
        }
      },
      "appended sequence 2 does not continue the log: expected 3");
}

TEST_F(EventLogTest, Reopen_RecoversLastSequence) {
  WriteClosedLog(7);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_sequence().value(), 7u);
  EXPECT_EQ(log->durable_sequence().value(), 7u);

  const absl::Status status = AppendAndWait(*log, MakeRecords(8, 2));
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(1));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(9));
}

TEST_F(EventLogTest, Destructor_WritesEverythingAlreadyAppended) {
  CallbackRecorder recorder;
  {
    std::unique_ptr<EventLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    for (uint64_t sequence = 1; sequence <= 50; ++sequence) {
      ASSERT_TRUE(log->Append(MakeRecords(sequence, 1), recorder.Callback()).ok());
    }
  }  // no wait: the destructor drains
  const std::vector<DurableNotice> notices = recorder.notices();
  ASSERT_EQ(notices.size(), 50u);
  for (size_t i = 0; i < notices.size(); ++i) {
    EXPECT_TRUE(notices[i].status.ok()) << notices[i].status;
    EXPECT_EQ(notices[i].last.value(), i + 1);
  }
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_sequence().value(), 50u);
}

TEST_F(EventLogTest, ReadFrom_StartsAtTheGivenSequence) {
  WriteClosedLog(10);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(7));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, (std::vector<uint64_t>{7, 8, 9, 10}));
  read = ReadSequences(*log, Sequence(10));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, (std::vector<uint64_t>{10}));
}

TEST_F(EventLogTest, ReadFrom_PastTheEndVisitsNothing) {
  WriteClosedLog(3);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(4));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->empty());
}

TEST_F(EventLogTest, ReadFrom_StopsAtTheVisitorsError) {
  WriteClosedLog(5);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  std::vector<uint64_t> visited;
  const absl::Status status = log->ReadFrom(Sequence(1), [&](const ekc::v1::EventRecord& record) {
    visited.push_back(record.sequence());
    if (record.sequence() == 3) return absl::CancelledError("enough");
    return absl::OkStatus();
  });
  EXPECT_EQ(status, absl::CancelledError("enough"));  // returned as it is
  EXPECT_EQ(visited, (std::vector<uint64_t>{1, 2, 3}));
}

// Read-ahead: the same records, in order, across many of its batches, each one whole.
TEST_F(EventLogTest, ReadAheadFrom_VisitsWhatReadFromVisitsInOrder) {
  constexpr uint64_t kRecords = 5000;  // about ten batches
  WriteClosedLog(kRecords);
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (uint64_t from : {uint64_t{1}, uint64_t{1234}}) {
    std::vector<uint64_t> visited;
    bool all_whole = true;
    const absl::Status status =
        log->ReadAheadFrom(Sequence(from), [&](const ekc::v1::EventRecord& record) {
          visited.push_back(record.sequence());
          all_whole = all_whole && testing::IsMadeRecord(record);
          return absl::OkStatus();
        });
    ASSERT_TRUE(status.ok()) << status;
    std::vector<uint64_t> expected;
    for (uint64_t s = from; s <= kRecords; ++s) expected.push_back(s);
    EXPECT_EQ(visited, expected);
    EXPECT_TRUE(all_whole);
  }
}

TEST_F(EventLogTest, ReadAheadFrom_StopsAtTheVisitorsError) {
  WriteClosedLog(3000);
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAheadAfterReopen(/*stop_at=*/700, &visited);
  EXPECT_EQ(status, absl::CancelledError("enough"));
  EXPECT_EQ(visited, Iota(700));
}

TEST_F(EventLogTest, ReadAheadFrom_CorruptValueIsDataLossAfterTheRecordsBeforeIt) {
  WriteClosedLog(2000);
  std::string damaged = *EncodeValue(MakeRecord(1500));
  damaged.back() = static_cast<char>(damaged.back() ^ 0x01);
  ASSERT_TRUE(RawPut(path_, EncodeKey(Sequence(1500)), damaged).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAheadAfterReopen(/*stop_at=*/0, &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 1500: checksum mismatch"), std::string::npos) << status;
  EXPECT_EQ(visited, Iota(1499));
}

// A reader running alongside the writer sees, each time, records 1..k for some k that never
// shrinks.
TEST_F(EventLogTest, ReadFrom_WhileAppendingSeesAContiguousPrefix) {
  constexpr uint64_t kRecords = 300;
  constexpr int kReadsMax = 1000;
  std::unique_ptr<EventLog> log = OpenLog();
  ASSERT_NE(log, nullptr);

  std::atomic<bool> appending_done{false};
  std::vector<std::string> problems;  // the reader's findings, checked after join
  std::thread reader([&] {
    uint64_t previous = 0;
    for (int read = 0; read < kReadsMax; ++read) {
      const bool last_read = appending_done.load();
      absl::StatusOr<std::vector<uint64_t>> sequences = ReadSequences(*log, Sequence(0));
      if (!sequences.ok()) {
        problems.push_back(sequences.status().ToString());
        return;
      }
      if (*sequences != Iota(sequences->size())) problems.push_back("not a prefix");
      if (sequences->size() < previous) problems.push_back("the prefix shrank");
      previous = sequences->size();
      if (last_read) return;
    }
  });

  CallbackRecorder recorder;
  uint64_t appended = 0;
  while (appended < kRecords &&
         log->Append(MakeRecords(appended + 1, 1), recorder.Callback()).ok()) {
    ++appended;
  }
  const bool all_called = recorder.WaitFor(appended);
  appending_done.store(true);
  reader.join();  // before any ASSERT can leave the test with the thread running
  ASSERT_EQ(appended, kRecords);
  ASSERT_TRUE(all_called);
  for (const std::string& problem : problems) ADD_FAILURE() << problem;

  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(kRecords));
}

TEST_F(EventLogTest, Durability_OsLevelStillReadsBack) {
  EventLogOptions options = Options();
  options.durability = Durability::kOs;
  {
    std::unique_ptr<EventLog> log = OpenLog(options);
    ASSERT_NE(log, nullptr);
    CallbackRecorder recorder;
    for (uint64_t first = 1; first <= 20; first += 4) {
      ASSERT_TRUE(log->Append(MakeRecords(first, 4), recorder.Callback()).ok());
    }
    ASSERT_TRUE(recorder.WaitFor(5));
    for (const DurableNotice& notice : recorder.notices()) EXPECT_TRUE(notice.status.ok());
    EXPECT_EQ(log->durable_sequence().value(), 20u);
    absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, Iota(20));
  }
  std::unique_ptr<EventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_sequence().value(), 20u);
  absl::StatusOr<std::vector<uint64_t>> read = ReadSequences(*log, Sequence(0));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Iota(20));
}

TEST_F(EventLogTest, CorruptValue_ReadReportsDataLoss) {
  WriteClosedLog(3);
  std::string damaged = *EncodeValue(MakeRecord(2));
  damaged.back() = static_cast<char>(damaged.back() ^ 0x01);
  ASSERT_TRUE(RawPut(path_, EncodeKey(Sequence(2)), damaged).ok());

  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(1), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("event log " + path_ + ": read: sequence 2: checksum mismatch"),
            std::string::npos)
      << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{1}));
}

TEST_F(EventLogTest, TruncatedValue_ReadReportsDataLoss) {
  WriteClosedLog(3);
  ASSERT_TRUE(RawPut(path_, EncodeKey(Sequence(3)), std::string("\x01\x02", 2)).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(0), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 3: value of 2 bytes"), std::string::npos) << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{1, 2}));
}

TEST_F(EventLogTest, RecordUnderAnotherKey_ReadReportsDataLoss) {
  WriteClosedLog(3);
  ASSERT_TRUE(RawPut(path_, EncodeKey(Sequence(2)), *EncodeValue(MakeRecord(7))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(1), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 2: the record stored there says it is sequence 7"),
            std::string::npos)
      << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{1}));
}

TEST_F(EventLogTest, MissingRecord_ReadReportsDataLoss) {
  WriteClosedLog(4);
  ASSERT_TRUE(RawDelete(path_, EncodeKey(Sequence(3))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(0), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 3 is missing (the next stored is 4)"),
            std::string::npos)
      << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{1, 2}));
}

// Asked to start at a sequence the log should hold, the reader must not silently start later.
TEST_F(EventLogTest, MissingFirstRecord_ReadFromReportsDataLoss) {
  WriteClosedLog(4);
  ASSERT_TRUE(RawDelete(path_, EncodeKey(Sequence(2))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(2), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 2 is missing (the next stored is 3)"),
            std::string::npos)
      << status;
  EXPECT_TRUE(visited.empty());
}

// From 0 the first stored record may be any sequence: older records may have gone to retention.
TEST_F(EventLogTest, MissingPrefix_ReadFromZeroStartsAtTheFirstStored) {
  WriteClosedLog(4);
  ASSERT_TRUE(RawDelete(path_, EncodeKey(Sequence(1))).ok());
  ASSERT_TRUE(RawDelete(path_, EncodeKey(Sequence(2))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(0), &visited);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{3, 4}));
}

TEST_F(EventLogTest, MalformedKey_ReadReportsDataLoss) {
  WriteClosedLog(3);
  // Nine bytes: sorts right after sequence 2's key.
  ASSERT_TRUE(RawPut(path_, EncodeKey(Sequence(2)) + "x", *EncodeValue(MakeRecord(3))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(0), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("the key where sequence 3 belongs: key of 9 bytes"),
            std::string::npos)
      << status;
  EXPECT_EQ(visited, (std::vector<uint64_t>{1, 2}));
}

// A short key sorts before every sequence; a read of everything must still see it.
TEST_F(EventLogTest, MalformedKeyBeforeTheFirst_ReadFromZeroReportsDataLoss) {
  WriteClosedLog(2);
  ASSERT_TRUE(RawPut(path_, std::string(1, '\0'), *EncodeValue(MakeRecord(1))).ok());
  std::vector<uint64_t> visited;
  const absl::Status status = ReadAfterReopen(Sequence(0), &visited);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("the first key: key of 1 bytes"), std::string::npos) << status;
  EXPECT_TRUE(visited.empty());
}

TEST_F(EventLogTest, MalformedLastKey_OpenReportsDataLoss) {
  WriteClosedLog(3);
  ASSERT_TRUE(RawPut(path_, std::string(12, '\xff'), "junk").ok());
  const absl::Status status = EventLog::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(path_), std::string::npos) << status;
}

TEST(HistogramTest, BucketsByPowersOfTwoAndQuantilesAreUpperBounds) {
  Histogram h;
  EXPECT_EQ(h.Quantile(0.5), 0u);
  for (uint64_t v : {0, 1, 2, 3, 100, 1000}) h.Add(v);
  EXPECT_EQ(h.count, 6u);
  EXPECT_EQ(h.sum, 1106u);
  EXPECT_EQ(h.max, 1000u);
  EXPECT_EQ(h.counts[0], 1u);  // 0
  EXPECT_EQ(h.counts[1], 1u);  // 1
  EXPECT_EQ(h.counts[2], 2u);  // 2, 3
  EXPECT_EQ(h.counts[7], 1u);  // 64..127
  EXPECT_EQ(h.Quantile(0.5), 3u);
  EXPECT_EQ(h.Quantile(1.0), 1000u);
  h.Add(~uint64_t{0});
  EXPECT_EQ(h.counts[Histogram::kBuckets - 1], 1u);
}

}  // namespace
}  // namespace ekc::storage
