// ekcctl, as a person or a script uses it, against the real ekcd.

#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

class EkcctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{.data_dir = dir_.Sub("data")});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
  }

  RunResult Ekcctl(std::vector<std::string> args,
                   std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::vector<std::string> argv = {EKCCTL_PATH, "--target", daemon_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, timeout);
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
};

TEST_F(EkcctlTest, Submit_PrintsTheContactAndItsSituationsAsJson) {
  RunResult r = Ekcctl({"-o", "json", "submit", "--key", "k1", "--channel", "voice", "--text",
                        "Родила второго ребёнка, как оформить пособие?"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("\"contact_id\":\"1\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"code\":\"child_birth\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"queue\":\"family\""), std::string::npos) << r.output;
  RunResult again = Ekcctl({"-o", "json", "submit", "--key", "k1", "--channel", "voice", "--text",
                            "Родила второго ребёнка, как оформить пособие?"});
  ASSERT_EQ(again.exit_status, 0) << again.output;
  EXPECT_NE(again.output.find("\"duplicate\":true"), std::string::npos) << again.output;
}

TEST_F(EkcctlTest, Submit_EmptyTextFailsWithTheServersReason) {
  RunResult r = Ekcctl({"submit", "--text", ""});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("INVALID_ARGUMENT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("text"), std::string::npos) << r.output;
}

TEST_F(EkcctlTest, BadCommandLineExitsTwo) {
  EXPECT_EQ(Ekcctl({"submit", "--channel", "pigeon", "--text", "x"}).exit_status, 2);
  EXPECT_EQ(Ekcctl({"no-such-command"}).exit_status, 2);
}

TEST_F(EkcctlTest, Operator_AutoAcceptsCompletesAndExitsAfterMaxContacts) {
  auto desk = std::async(std::launch::async, [&] {
    return Ekcctl({"operator", "--id", "op-1", "--skills", "family", "--auto-accept", "--handle-s",
                   "0", "--wrap-up-s", "0", "--max-contacts", "1"},
                  std::chrono::seconds(60));
  });
  // Whether the operator logs in before or after it, the contact is offered to them.
  RunResult submitted =
      Ekcctl({"submit", "--text", "Многодетная семья, как получить удостоверение?"});
  ASSERT_EQ(submitted.exit_status, 0) << submitted.output;
  ASSERT_EQ(desk.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  RunResult r = desk.get();
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("assignment: contact 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("logout"), std::string::npos) << r.output;
}

TEST_F(EkcctlTest, InfoAndClassifyReportTheRunningServer) {
  RunResult info = Ekcctl({"-o", "json", "info"});
  ASSERT_EQ(info.exit_status, 0) << info.output;
  EXPECT_NE(info.output.find("\"writable\":true"), std::string::npos) << info.output;
  RunResult classified = Ekcctl({"classify", "--text", "Муж бьёт меня, боюсь за детей"});
  ASSERT_EQ(classified.exit_status, 0) << classified.output;
  EXPECT_NE(classified.output.find("domestic_violence"), std::string::npos) << classified.output;
  EXPECT_NE(classified.output.find("crisis"), std::string::npos) << classified.output;
}

TEST_F(EkcctlTest, WatchFollowsAContactUntilItEnds) {
  RunResult submitted = Ekcctl({"submit", "--key", "w1", "--text", "Вопрос о детском саде"});
  ASSERT_EQ(submitted.exit_status, 0) << submitted.output;
  auto watch = std::async(std::launch::async, [&] { return Ekcctl({"watch", "1"}); });
  // Whether the watch starts before or after the cancel, it ends by printing the abandoned state.
  RunResult cancelled = Ekcctl({"cancel", "1", "--reason", "hung up"});
  ASSERT_EQ(cancelled.exit_status, 0) << cancelled.output;
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  RunResult r = watch.get();
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("abandoned"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ekc::testing
