// ekcutl log against folders written by the real ekcd: dump, verify, replay, snapshots, export and
// prune, and clear failures on a bad folder. Also Admin.TakeSnapshot (recovery starts from it) and
// Admin.Backup (ekcd starts on the backup).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"

#include "storage/record_codec.h"
#include "storage/snapshot_codec.h"
#include "tests/storage/event_log_test_util.h"
#include "tests/tools/ekcutl_test_support.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;

class EkcutlLogTest : public EkcdFolderTest {
 protected:
  uint64_t TakeSnapshot() {
    v1::TakeSnapshotResponse out;
    grpc::Status s = admin_->TakeSnapshot(Context().get(), v1::TakeSnapshotRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.sequence();
  }
};

TEST_F(EkcutlLogTest, Dump_PrintsOneJsonObjectPerEventWithSeqTimeTypeAndContactId) {
  StartDaemon();
  const std::vector<uint64_t> ids = Submit(3);
  StopDaemon();
  RunResult dump = Ekcutl({"log", "dump", "--data-dir", data_});
  ASSERT_EQ(dump.exit_status, 0) << dump.output;
  const std::vector<nlohmann::json> lines = JsonLines(dump.output);
  ASSERT_GE(lines.size(), 3u);
  std::vector<uint64_t> received;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["seq"].get<uint64_t>(), i + 1);
    EXPECT_TRUE(lines[i]["time"].is_string());
    EXPECT_TRUE(lines[i]["type"].is_string());
    if (lines[i]["type"] == "contact_received") {
      received.push_back(lines[i]["contact_id"].get<uint64_t>());
      EXPECT_EQ(lines[i]["event"]["idempotency_key"], "k-" + std::to_string(received.size() - 1));
    }
  }
  EXPECT_EQ(received, ids);
}

TEST_F(EkcutlLogTest, Dump_FiltersByContactTypeAndSequenceRange) {
  StartDaemon();
  const std::vector<uint64_t> ids = Submit(4);
  v1::CancelContactRequest cancel;
  cancel.set_contact_id(ids[2]);
  v1::CancelContactResponse cancelled;
  ASSERT_TRUE(intake_->CancelContact(Context().get(), cancel, &cancelled).ok());
  StopDaemon();

  const std::string contact = std::to_string(ids[2]);
  std::vector<nlohmann::json> lines =
      JsonLines(Ekcutl({"log", "dump", "--data-dir", data_, "--contact", contact}).output);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["type"], "contact_received");
  EXPECT_EQ(lines[1]["type"], "contact_abandoned");
  for (const auto& line : lines) EXPECT_EQ(line["contact_id"].get<uint64_t>(), ids[2]);

  lines =
      JsonLines(Ekcutl({"log", "dump", "--data-dir", data_, "--type", "contact_abandoned"}).output);
  ASSERT_EQ(lines.size(), 1u);
  lines =
      JsonLines(Ekcutl({"log", "dump", "--data-dir", data_, "--from", "2", "--to", "3"}).output);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["seq"], 2);
  EXPECT_EQ(lines[1]["seq"], 3);
  lines = JsonLines(Ekcutl({"log", "dump", "--data-dir", data_, "--since", "2000-01-01T00:00:00Z",
                            "--until", "2000-01-02T00:00:00Z"})
                        .output);
  EXPECT_TRUE(lines.empty());
  RunResult bad = Ekcutl({"log", "dump", "--data-dir", data_, "--type", "no_such_event"});
  EXPECT_EQ(bad.exit_status, 1);
  EXPECT_NE(bad.output.find("no such event type"), std::string::npos) << bad.output;
}

TEST_F(EkcutlLogTest, Verify_GoodLogWithSnapshotsIsOkAndTheSnapshotEqualsTheReplay) {
  StartDaemon();
  Submit(5);
  const uint64_t snapshot = TakeSnapshot();
  EXPECT_GE(snapshot, 5u);
  Submit(3, "later");
  StopDaemon();
  RunResult verify = Ekcutl({"log", "verify", "--data-dir", data_, "--json"});
  ASSERT_EQ(verify.exit_status, 0) << verify.output;
  const nlohmann::json report = nlohmann::json::parse(verify.output);
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_EQ(report["first"], 1);
  // The one taken, and the final one of the stop, which covers the last event.
  ASSERT_EQ(report["snapshots"].size(), 2u) << report.dump();
  std::vector<uint64_t> sequences;
  for (const auto& s : report["snapshots"]) {
    sequences.push_back(s["sequence"].get<uint64_t>());
    EXPECT_TRUE(s["equals_replay"].get<bool>()) << s.dump();
  }
  std::sort(sequences.begin(), sequences.end());
  EXPECT_EQ(sequences.front(), snapshot);
  EXPECT_EQ(sequences.back(), report["last"].get<uint64_t>()) << report.dump();
}

TEST_F(EkcutlLogTest, Verify_DamagedRecordFailsNamingTheSequence) {
  StartDaemon();
  Submit(3);
  StopDaemon();
  std::string damaged = "\x01garbage";
  ASSERT_TRUE(storage::testing::RawPut(data_, storage::EncodeKey(Sequence(2)), damaged).ok());
  RunResult verify = Ekcutl({"log", "verify", "--data-dir", data_});
  EXPECT_EQ(verify.exit_status, 1);
  EXPECT_NE(verify.output.find("sequence 2"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("FAILED"), std::string::npos) << verify.output;
}

TEST_F(EkcutlLogTest, Replay_FromTheSnapshotEqualsTheFullFoldAndReportsEventsPerSecond) {
  StartDaemon();
  Submit(6);
  const uint64_t snapshot = TakeSnapshot();
  Submit(2, "later");
  CrashDaemon();
  RunResult from_snapshot = Ekcutl({"log", "replay", "--data-dir", data_, "--json"});
  RunResult full = Ekcutl({"log", "replay", "--data-dir", data_, "--json", "--full"});
  ASSERT_EQ(from_snapshot.exit_status, 0) << from_snapshot.output;
  ASSERT_EQ(full.exit_status, 0) << full.output;
  const nlohmann::json a = nlohmann::json::parse(from_snapshot.output);
  const nlohmann::json b = nlohmann::json::parse(full.output);
  EXPECT_EQ(a["snapshot"].get<uint64_t>(), snapshot);
  EXPECT_EQ(b["snapshot"].get<uint64_t>(), 0u);
  EXPECT_EQ(a["state_hash"], b["state_hash"]);
  EXPECT_EQ(a["last_sequence"], b["last_sequence"]);
  EXPECT_EQ(a["contacts"]["total"].get<uint64_t>(), 8u);
  EXPECT_TRUE(b.contains("events_per_s"));

  RunResult text = Ekcutl({"log", "replay", "--data-dir", data_});
  ASSERT_EQ(text.exit_status, 0) << text.output;
  EXPECT_NE(text.output.find("events/s"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("queue family"), std::string::npos) << text.output;
}

TEST_F(EkcutlLogTest, EveryCommand_BadFolderExitsNonZeroWithAClearMessage) {
  const std::string missing = dir_.Sub("no-such-folder");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dump"},
        {"verify"},
        {"replay"},
        {"snapshots"},
        {"export", "--to", "1", "--out", dir_.Sub("x.export")},
        {"prune", "--exported", dir_.Sub("x.export")}}) {
    std::vector<std::string> command = {"log"};
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(), {"--data-dir", missing});
    RunResult r = Ekcutl(command);
    EXPECT_EQ(r.exit_status, 1) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find("not an ekc data folder"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(EkcutlLogTest, ExportThenPrune_RemovesOnlyExportedEventsCoveredByASnapshot) {
  StartDaemon();
  Submit(5);
  const uint64_t snapshot = TakeSnapshot();
  Submit(3, "later");
  CrashDaemon();
  const std::string exported = dir_.Sub("upto-snapshot.export");
  RunResult e = Ekcutl({"log", "export", "--data-dir", data_, "--to", std::to_string(snapshot),
                        "--out", exported, "--json"});
  ASSERT_EQ(e.exit_status, 0) << e.output;
  EXPECT_EQ(nlohmann::json::parse(e.output)["records"].get<uint64_t>(), snapshot);

  // An export beyond the newest snapshot cannot be pruned: no start could recover.
  const std::string too_far = dir_.Sub("too-far.export");
  ASSERT_EQ(Ekcutl({"log", "export", "--data-dir", data_, "--to", std::to_string(snapshot + 1),
                    "--out", too_far})
                .exit_status,
            0);
  RunResult refused = Ekcutl({"log", "prune", "--data-dir", data_, "--exported", too_far});
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_NE(refused.output.find("no usable snapshot covers"), std::string::npos) << refused.output;

  RunResult pruned = Ekcutl({"log", "prune", "--data-dir", data_, "--exported", exported});
  ASSERT_EQ(pruned.exit_status, 0) << pruned.output;
  RunResult verify = Ekcutl({"log", "verify", "--data-dir", data_, "--json"});
  ASSERT_EQ(verify.exit_status, 0) << verify.output;
  EXPECT_EQ(nlohmann::json::parse(verify.output)["first"].get<uint64_t>(), snapshot + 1);
  // Pruning again the same file: nothing of it is left to delete.
  EXPECT_EQ(Ekcutl({"log", "prune", "--data-dir", data_, "--exported", exported}).exit_status, 1);

  // ekcd starts on the pruned folder from the snapshot, with every contact.
  StartDaemon();
  EXPECT_NE(daemon_->ready_line().find("snapshot of event " + std::to_string(snapshot)),
            std::string::npos)
      << daemon_->ready_line();
  v1::SubmitContactResponse out;
  ASSERT_TRUE(intake_->SubmitContact(Context().get(), SubmitRequest("k-0"), &out).ok());
  EXPECT_TRUE(out.duplicate());
  EXPECT_EQ(out.contact_id(), 1u);
  StopDaemon();
}

TEST_F(EkcutlLogTest, Prune_WhileEkcdRunsIsRefusedAndSaysWhy) {
  StartDaemon();
  Submit(3);
  TakeSnapshot();
  Submit(1, "later");
  RunResult r = Ekcutl({"log", "prune", "--data-dir", data_, "--exported", dir_.Sub("none")});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("stop it first"), std::string::npos) << r.output;
  StopDaemon();
}

TEST_F(EkcutlLogTest, TakeSnapshot_OfAnEmptyLogIsFailedPrecondition) {
  StartDaemon();
  // A fresh ekcd has logged nothing: there is no state worth a snapshot.
  v1::TakeSnapshotResponse out;
  grpc::Status s = admin_->TakeSnapshot(Context().get(), v1::TakeSnapshotRequest(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  Submit(1);
  EXPECT_GT(TakeSnapshot(), 0u);
  StopDaemon();
}

TEST_F(EkcutlLogTest, Start_CorruptNewestSnapshotFallsBackToTheOlderOneAndSaysSo) {
  StartDaemon();
  Submit(3);
  const uint64_t older = TakeSnapshot();
  Submit(2, "later");
  const uint64_t newer = TakeSnapshot();
  ASSERT_GT(newer, older);
  StopDaemon();
  const std::string key = storage::EncodeSnapshotKey(Sequence(newer), 1);
  absl::StatusOr<std::string> part = storage::testing::RawGetSnapshot(data_, key);
  ASSERT_TRUE(part.ok()) << part.status();
  std::string damaged = *part;
  damaged.back() ^= 0x01;
  ASSERT_TRUE(storage::testing::RawPutSnapshot(data_, key, damaged).ok());

  RunResult verify = Ekcutl({"log", "verify", "--data-dir", data_});
  EXPECT_EQ(verify.exit_status, 1);
  EXPECT_NE(verify.output.find("checksum mismatch"), std::string::npos) << verify.output;

  StartDaemon();
  EXPECT_NE(daemon_->ready_line().find("snapshot of event " + std::to_string(older) + " +"),
            std::string::npos)
      << daemon_->ready_line();
  const std::string log = daemon_->StderrText();
  EXPECT_NE(log.find("snapshot not used"), std::string::npos) << log;
  EXPECT_NE(log.find("snapshot of event " + std::to_string(newer)), std::string::npos) << log;
  // Nothing was lost: the contacts after the older snapshot came from the events.
  v1::SubmitContactResponse out;
  ASSERT_TRUE(intake_->SubmitContact(Context().get(), SubmitRequest("later-1"), &out).ok());
  EXPECT_TRUE(out.duplicate());
  StopDaemon();
}

TEST_F(EkcutlLogTest, Backup_FolderStartsAnEkcdThatKnowsEveryAcknowledgedContact) {
  StartDaemon();
  const std::vector<uint64_t> ids = Submit(4);
  TakeSnapshot();
  const std::string backup = dir_.Sub("backup");
  v1::BackupRequest request;
  request.set_directory(backup);
  v1::BackupResponse response;
  grpc::Status s = admin_->Backup(Context().get(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.directory(), backup);
  EXPECT_GE(response.sequence(), 4u);
  // A second backup into the same folder, or a relative one, is refused.
  EXPECT_EQ(admin_->Backup(Context().get(), request, &response).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  request.set_directory("relative/backup");
  EXPECT_EQ(admin_->Backup(Context().get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  Submit(2, "after-backup");
  StopDaemon();

  RunResult verify = Ekcutl({"log", "verify", "--data-dir", backup});
  EXPECT_EQ(verify.exit_status, 0) << verify.output;
  StartDaemon(backup);
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::SubmitContactResponse out;
    ASSERT_TRUE(
        intake_->SubmitContact(Context().get(), SubmitRequest("k-" + std::to_string(i)), &out)
            .ok());
    EXPECT_TRUE(out.duplicate());
    EXPECT_EQ(out.contact_id(), ids[i]);
  }
  StopDaemon();
}

}  // namespace
}  // namespace ekc::testing

namespace ekc::testing {
namespace {

TEST_F(EkcutlLogTest, Reclassify_SameRulesChangeNothingAndOtherRulesShowEveryMove) {
  StartDaemon();
  Submit(4);
  StopDaemon();
  const std::string default_rules = std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml";
  RunResult same =
      Ekcutl({"log", "reclassify", "--data-dir", data_, "--rules", default_rules, "--json"});
  ASSERT_EQ(same.exit_status, 0) << same.output;
  const nlohmann::json a = nlohmann::json::parse(same.output);
  EXPECT_EQ(a["contacts"].get<uint64_t>(), 4u);
  EXPECT_EQ(a["top_changed"].get<uint64_t>(), 0u);
  EXPECT_EQ(a["situations_changed"].get<uint64_t>(), 0u);
  EXPECT_TRUE(a["examples"].empty());

  // Rules that know only pregnancy: every birth contact loses its situation.
  const std::string narrow = dir_.Sub("narrow.yaml");
  std::ofstream(narrow) << "version: 1\nsituations:\n  - {code: pregnancy, title: Беременность, "
                           "words: [беремен]}\n";
  RunResult other = Ekcutl({"log", "reclassify", "--data-dir", data_, "--rules", narrow, "--json"});
  ASSERT_EQ(other.exit_status, 0) << other.output;
  const nlohmann::json b = nlohmann::json::parse(other.output);
  EXPECT_EQ(b["top_changed"].get<uint64_t>(), 4u);
  ASSERT_EQ(b["moves"].size(), 1u);
  EXPECT_EQ(b["moves"][0]["to"], "none");
  EXPECT_EQ(b["moves"][0]["contacts"].get<uint64_t>(), 4u);
  EXPECT_EQ(b["examples"].size(), 4u);
  EXPECT_EQ(other.output.find("Родила"), std::string::npos) << "citizens' texts are never printed";

  RunResult bad = Ekcutl({"log", "reclassify", "--data-dir", data_, "--rules", dir_.Sub("none")});
  EXPECT_EQ(bad.exit_status, 1) << bad.output;
}

}  // namespace
}  // namespace ekc::testing
