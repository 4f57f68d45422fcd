// Retention: export files are written whole and read back strictly; Prune deletes only what a
// verified export holds, what the log holds identically, and what a good snapshot covers.

#include "storage/retention.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"
#include "storage/record_codec.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/testing/temp_dir.h"

namespace ekc::storage {
namespace {

using testing::AppendAndWait;
using testing::MakeRecords;
using testing::ReadSequences;

absl::Status AcceptAny(const ekc::v1::RouterSnapshot&) { return absl::OkStatus(); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventLogOptions options;
    options.path = dir_.Sub("log");
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    ASSERT_TRUE(AppendAndWait(*log_, MakeRecords(1, 20)).ok());
  }

  void Snapshot(uint64_t sequence) {
    ekc::v1::RouterSnapshot snapshot;
    snapshot.set_last_sequence(sequence);
    std::promise<absl::Status> written;
    ASSERT_TRUE(log_->WriteSnapshot(std::move(snapshot),
                                    [&](Sequence, const absl::Status& s) { written.set_value(s); })
                    .ok());
    ASSERT_TRUE(written.get_future().get().ok());
  }

  ekc::testing::TempDir dir_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(RetentionTest, Export_WritesTheRangeAndReadsBackEveryEvent) {
  const std::string file = dir_.Sub("a.export");
  absl::StatusOr<ExportSummary> written = ExportEvents(*log_, Sequence(12), file);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->first, Sequence(1));
  EXPECT_EQ(written->last, Sequence(12));
  EXPECT_EQ(written->records, 12u);
  std::vector<uint64_t> seen;
  absl::StatusOr<ExportSummary> read =
      ReadExport(file, [&](const ekc::v1::EventRecord& record, std::string_view value) {
        seen.push_back(record.sequence());
        EXPECT_EQ(value, EncodeValue(record).value());
        return absl::OkStatus();
      });
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(seen, testing::Iota(12));
  EXPECT_EQ(read->bytes, std::filesystem::file_size(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
  // Never over an existing file, never beyond the log.
  EXPECT_EQ(ExportEvents(*log_, Sequence(12), file).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ExportEvents(*log_, Sequence(21), dir_.Sub("b.export")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RetentionTest, ReadExport_TruncatedDamagedOrHugeFramesAreDataLoss) {
  const std::string file = dir_.Sub("a.export");
  ASSERT_TRUE(ExportEvents(*log_, Sequence(5), file).ok());
  const std::string good = ReadFile(file);
  const std::string bad = dir_.Sub("bad.export");
  WriteFile(bad, good.substr(0, good.size() - 3));
  EXPECT_EQ(ReadExport(bad).status().code(), absl::StatusCode::kDataLoss);
  std::string flipped = good;
  flipped[40] ^= 0x10;
  WriteFile(bad, flipped);
  EXPECT_EQ(ReadExport(bad).status().code(), absl::StatusCode::kDataLoss);
  WriteFile(bad, good + "x");
  EXPECT_EQ(ReadExport(bad).status().code(), absl::StatusCode::kDataLoss);
  // A length claiming 2 GiB must be refused before anything that large is allocated.
  WriteFile(bad, std::string(kExportMagic) + std::string("\xff\xff\xff\x7f", 4) + "abc");
  absl::Status huge = ReadExport(bad).status();
  EXPECT_EQ(huge.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(huge.message().find("bytes are left"), absl::string_view::npos) << huge;
  WriteFile(bad, "not an export");
  EXPECT_NE(ReadExport(bad).status().message().find("not an ekc export file"),
            absl::string_view::npos);
}

TEST_F(RetentionTest, Prune_DeletesExactlyTheExportedEventsOnceASnapshotCoversThem) {
  const std::string file = dir_.Sub("a.export");
  ASSERT_TRUE(ExportEvents(*log_, Sequence(10), file).ok());
  // No snapshot yet at or after event 10.
  Snapshot(8);
  absl::Status refused = Prune(*log_, file, AcceptAny).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(ReadSequences(*log_, Sequence(0)).value(), testing::Iota(20));
  // A snapshot the core refuses does not count either.
  Snapshot(12);
  EXPECT_EQ(
      Prune(*log_, file, [](const ekc::v1::RouterSnapshot&) { return absl::DataLossError("no"); })
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<ExportSummary> pruned = Prune(*log_, file, AcceptAny);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(log_->FirstSequence().value(), Sequence(11));
  // Pruning the same file again finds nothing of it left.
  EXPECT_EQ(Prune(*log_, file, AcceptAny).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RetentionTest, Prune_RefusesAFileThatDiffersFromTheLogOrHoldsTheNewestEvent) {
  const std::string all = dir_.Sub("all.export");
  ASSERT_TRUE(ExportEvents(*log_, Sequence(20), all).ok());
  Snapshot(20);
  EXPECT_EQ(Prune(*log_, all, AcceptAny).status().code(), absl::StatusCode::kFailedPrecondition);

  // An export of another log with the same sequences: well-formed, but not these events.
  EventLogOptions other_options;
  other_options.path = dir_.Sub("other");
  absl::StatusOr<std::unique_ptr<EventLog>> other = EventLog::Open(other_options);
  ASSERT_TRUE(other.ok());
  std::vector<ekc::v1::EventRecord> records = MakeRecords(1, 10);
  for (auto& r : records) r.set_operator_id("someone-else");
  ASSERT_TRUE(AppendAndWait(**other, records).ok());
  const std::string foreign = dir_.Sub("foreign.export");
  ASSERT_TRUE(ExportEvents(**other, Sequence(5), foreign).ok());
  absl::Status differs = Prune(*log_, foreign, AcceptAny).status();
  EXPECT_EQ(differs.code(), absl::StatusCode::kDataLoss) << differs;
  EXPECT_NE(differs.message().find("differs"), absl::string_view::npos) << differs;
  EXPECT_EQ(log_->FirstSequence().value(), Sequence(1));
}

}  // namespace
}  // namespace ekc::storage
