#pragma once

// What the ekcutl tests share: running ekcutl, calls with deadlines, a contact to submit, and a
// fixture that runs the real ekcd on a temporary data folder for ekcutl to read once it stops.
// A test target that includes this defines EKCUTL_PATH and links ekc_test_process and
// ekc_proto_grpc.

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {

inline constexpr auto kCallTimeout = std::chrono::seconds(10);

inline std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return c;
}

inline RunResult Ekcutl(std::vector<std::string> args,
                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
  args.insert(args.begin(), EKCUTL_PATH);
  return RunProgram(args, timeout);
}

inline std::vector<nlohmann::json> JsonLines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

// The same request for the same key, so that a retry is recognised as one. The default rules put
// it in the family queue (child_birth).
inline ekc::v1::SubmitContactRequest SubmitRequest(const std::string& key) {
  ekc::v1::SubmitContactRequest r;
  r.set_idempotency_key(key);
  r.set_channel(ekc::v1::CHANNEL_CHAT);
  r.set_text("Родила ребёнка, как оформить пособие?");
  r.set_region("77");
  return r;
}

// The real ekcd on a data folder of the test's own (`data_`), with intake and admin stubs.
class EkcdFolderTest : public ::testing::Test {
 protected:
  void StartDaemon(const std::string& data_dir, const std::string& config) {
    EkcdProcess::Options options{.data_dir = data_dir};
    if (!config.empty()) options.config = config;
    daemon_ = std::make_unique<EkcdProcess>(options);
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    intake_ = ekc::v1::ContactIntake::NewStub(daemon_->Channel());
    admin_ = ekc::v1::Admin::NewStub(daemon_->Channel());
  }
  void StartDaemon(const std::string& data_dir) { StartDaemon(data_dir, ""); }
  void StartDaemon() { StartDaemon(data_); }

  // Submits `n` contacts with keys prefix-0.., returning the ids ekcd acknowledged.
  std::vector<uint64_t> Submit(int n, const std::string& prefix = "k") {
    std::vector<uint64_t> ids;
    for (int i = 0; i < n; ++i) {
      const ekc::v1::SubmitContactRequest r = SubmitRequest(prefix + "-" + std::to_string(i));
      ekc::v1::SubmitContactResponse out;
      grpc::Status s = intake_->SubmitContact(Context().get(), r, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      ids.push_back(out.contact_id());
    }
    return ids;
  }

  // A stop stores a final snapshot of everything (Server::Shutdown).
  void StopDaemon() { EXPECT_EQ(daemon_->Stop(), 0); }
  // A crash does not: the newest snapshot stays the one the test took.
  void CrashDaemon() { daemon_->Kill(); }

  TempDir dir_;
  const std::string data_ = dir_.Sub("data");
  std::unique_ptr<EkcdProcess> daemon_;
  std::unique_ptr<ekc::v1::ContactIntake::Stub> intake_;
  std::unique_ptr<ekc::v1::Admin::Stub> admin_;
};

}  // namespace ekc::testing
