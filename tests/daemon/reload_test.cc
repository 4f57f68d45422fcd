// Rules reload on the real ekcd: Admin.ReloadRules and SIGHUP put a new rules file in force, its
// version goes with every contact classified after it, and a bad file — or one that drops a
// situation a queue lists — is refused with its errors while the running rules stay.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;

constexpr auto kCallTimeout = std::chrono::seconds(10);
// SIGHUP is asynchronous: how long the test waits for the new version to show.
constexpr int kSignalPollsMax = 100;
constexpr auto kSignalPollInterval = std::chrono::milliseconds(100);

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

const std::string kDefaultRules = std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml";

// The default rules with the title of one situation changed: a different version that tells
// itself apart in every classification.
std::string RulesWithRenamedDisaster() {
  std::string rules = ReadFile(kDefaultRules);
  const std::string title = "title: \"ЧС: пожар, паводок, обрушение\"";
  const size_t at = rules.find(title);
  if (at != std::string::npos) rules.replace(at, title.size(), "title: \"ЧС (новые правила)\"");
  return rules;
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_path_ = dir_.Sub("rules.yaml");
    WriteFile(rules_path_, ReadFile(kDefaultRules));
    // The default config with `rules:` pointing at the test's own copy.
    std::string config = ReadFile(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
    const std::string line = "rules: rules/default.yaml";
    const size_t at = config.find(line);
    ASSERT_NE(at, std::string::npos) << "deploy/ekcd.yaml changed its rules line";
    config.replace(at, line.size(), "rules: " + rules_path_);
    config_path_ = dir_.Sub("ekcd.yaml");
    WriteFile(config_path_, config);
    daemon_ = std::make_unique<EkcdProcess>(
        EkcdProcess::Options{.data_dir = dir_.Sub("data"), .config = config_path_});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    admin_ = v1::Admin::NewStub(daemon_->Channel());
    intake_ = v1::ContactIntake::NewStub(daemon_->Channel());
  }

  std::string RunningVersion() {
    v1::ServerInfoResponse info;
    grpc::Status s = admin_->ServerInfo(Context().get(), v1::ServerInfoRequest(), &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return info.rules_version();
  }

  grpc::Status Reload(v1::ReloadRulesResponse* response) {
    return admin_->ReloadRules(Context().get(), v1::ReloadRulesRequest(), response);
  }

  v1::Classification Classify(const std::string& text) {
    v1::ClassifyRequest request;
    request.set_text(text);
    request.set_channel(v1::CHANNEL_CHAT);
    v1::ClassifyResponse response;
    grpc::Status s = admin_->Classify(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.classification();
  }

  // The pid of the ekcd this test started: the process whose command line names its config.
  pid_t DaemonPid() const {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
      if (cmdline.find(config_path_) != std::string::npos &&
          cmdline.find("ekcd") != std::string::npos) {
        return static_cast<pid_t>(std::stoi(name));
      }
    }
    return -1;
  }

  TempDir dir_;
  std::string rules_path_;
  std::string config_path_;
  std::unique_ptr<EkcdProcess> daemon_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::ContactIntake::Stub> intake_;
};

TEST_F(ReloadTest, ReloadRules_PutsTheNewFileInForceAndContactsCarryItsVersion) {
  const std::string before = RunningVersion();
  WriteFile(rules_path_, RulesWithRenamedDisaster());

  v1::ReloadRulesResponse reloaded;
  grpc::Status s = Reload(&reloaded);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(reloaded.rules_version(), before);
  EXPECT_EQ(reloaded.situations(), 25u);
  EXPECT_EQ(RunningVersion(), reloaded.rules_version());

  const v1::Classification c = Classify("Вчера сгорел дом, мы с детьми сейчас в ПВР");
  EXPECT_EQ(c.rules_version(), reloaded.rules_version());
  ASSERT_GT(c.situations_size(), 0);
  EXPECT_EQ(c.situations(0).title(), "ЧС (новые правила)");
  EXPECT_EQ(c.situations(0).queue(), "crisis");

  v1::SubmitContactRequest submit;
  submit.set_idempotency_key("reload-1");
  submit.set_channel(v1::CHANNEL_CHAT);
  submit.set_region("77");
  submit.set_text("Мы многодетная семья, как получить удостоверение?");
  v1::SubmitContactResponse submitted;
  s = intake_->SubmitContact(Context().get(), submit, &submitted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(submitted.classification().rules_version(), reloaded.rules_version());
}

TEST_F(ReloadTest, ReloadRules_RefusesABadFileWithItsPositionAndKeepsTheRunningRules) {
  const std::string before = RunningVersion();
  WriteFile(rules_path_, "version: 1\nsituations:\n  - code: a\n    title: А\n    wrods: [x]\n");

  v1::ReloadRulesResponse reloaded;
  grpc::Status s = Reload(&reloaded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find(rules_path_ + ":5:5: unknown key `wrods`"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(RunningVersion(), before);
  EXPECT_EQ(Classify("Муж бьёт меня").rules_version(), before);
}

TEST_F(ReloadTest, ReloadRules_RefusesRulesThatDropASituationAQueueLists) {
  const std::string before = RunningVersion();
  // A valid rules file with one situation: the crisis queue's situations are missing.
  WriteFile(rules_path_,
            "version: 1\nsituations:\n  - {code: pregnancy, title: Беременность, words: "
            "[беремен]}\n");

  v1::ReloadRulesResponse reloaded;
  grpc::Status s = Reload(&reloaded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("which the rules file"), std::string::npos) << s.error_message();
  EXPECT_EQ(RunningVersion(), before);
}

TEST_F(ReloadTest, Sighup_ReloadsTheRulesFile) {
  const std::string before = RunningVersion();
  WriteFile(rules_path_, RulesWithRenamedDisaster());
  const pid_t pid = DaemonPid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  std::string now = before;
  for (int poll = 0; poll < kSignalPollsMax && now == before; ++poll) {
    std::this_thread::sleep_for(kSignalPollInterval);
    now = RunningVersion();
  }
  EXPECT_NE(now, before);

  // A bad file after SIGHUP: refused, the daemon keeps serving the last good rules.
  WriteFile(rules_path_, "version: 2\n");
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  std::this_thread::sleep_for(kSignalPollInterval * 5);
  EXPECT_EQ(RunningVersion(), now);
  EXPECT_EQ(daemon_->Stop(), 0);
}

}  // namespace
}  // namespace ekc::testing
