// ekcctl's supervisor commands against the real ekcd: the dashboard (--once, text and JSON), the
// contact and operator lists, and the actions, each recorded as an event and shown in the audit.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/desk_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

using nlohmann::json;

class EkcctlSupervisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{.data_dir = dir_.Sub("data")});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
  }

  RunResult Ekcctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {EKCCTL_PATH, "--target", daemon_->address(), "--token",
                                     "test-token"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, std::chrono::seconds(30));
  }

  // The one JSON object ekcctl printed.
  json OneJson(const RunResult& r) {
    EXPECT_EQ(r.exit_status, 0) << r.output;
    const size_t start = r.output.find('{');
    if (start == std::string::npos) return json();
    return json::parse(r.output.substr(start, r.output.find('\n', start) - start));
  }

  std::vector<json> JsonLines(const RunResult& r) {
    EXPECT_EQ(r.exit_status, 0) << r.output;
    std::vector<json> out;
    size_t pos = 0;
    while (pos < r.output.size()) {
      size_t end = r.output.find('\n', pos);
      if (end == std::string::npos) end = r.output.size();
      const std::string line = r.output.substr(pos, end - pos);
      if (!line.empty() && line.front() == '{') out.push_back(json::parse(line));
      pos = end + 1;
    }
    return out;
  }

  std::string Submit(const std::string& key, const std::string& text) {
    json answer = OneJson(Ekcctl({"-o", "json", "submit", "--key", key, "--text", text}));
    return answer["contact_id"].get<std::string>();
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
};

TEST_F(EkcctlSupervisionTest, DashboardOnce_PrintsTheQueuesOperatorsAndWaiting) {
  const std::string id = Submit("k1", "Многодетная семья, какие льготы на ЖКУ?");
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-7", {"svo"})));
  RunResult text = Ekcctl({"dashboard", "--once"});
  ASSERT_EQ(text.exit_status, 0) << text.output;
  EXPECT_NE(text.output.find("1 waiting"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("family"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("80%/20s"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("op-7"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("large_family"), std::string::npos) << text.output;

  json snapshot = OneJson(Ekcctl({"-o", "json", "dashboard", "--once", "--queue", "family"}));
  ASSERT_EQ(snapshot["queues"].size(), 1u);
  EXPECT_EQ(snapshot["queues"][0]["waiting"], 1);
  EXPECT_EQ(snapshot["waiting"][0]["contact_id"], id);
}

TEST_F(EkcctlSupervisionTest, Dashboard_UnknownQueueFailsWithTheReason) {
  RunResult r = Ekcctl({"dashboard", "--once", "--queue", "nope"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("INVALID_ARGUMENT"), std::string::npos) << r.output;
}

TEST_F(EkcctlSupervisionTest, ContactsAndOperators_ListWithFilters) {
  Submit("a", "Ребёнок-инвалид, нужна помощь с реабилитацией");
  const std::string family = Submit("b", "Многодетная семья, какие льготы на ЖКУ?");
  std::vector<json> rows =
      JsonLines(Ekcctl({"-o", "json", "contacts", "--situation", "large_family"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["contact_id"], family);
  EXPECT_EQ(JsonLines(Ekcctl({"-o", "json", "contacts", "--state", "queued"})).size(), 2u);
  EXPECT_EQ(JsonLines(Ekcctl({"-o", "json", "contacts", "--state", "completed"})).size(), 0u);
  RunResult table = Ekcctl({"contacts", "--queue", "disability"});
  ASSERT_EQ(table.exit_status, 0);
  EXPECT_NE(table.output.find("disabled_child"), std::string::npos) << table.output;
  EXPECT_EQ(Ekcctl({"contacts", "--state", "sleeping"}).exit_status, 2);

  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"}, /*ready=*/false)));
  std::vector<json> ops = JsonLines(Ekcctl({"-o", "json", "operators"}));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0]["state"], "OPERATOR_STATE_BREAK");
  EXPECT_EQ(JsonLines(Ekcctl({"-o", "json", "operators", "--state", "available"})).size(), 0u);
  RunResult op_table = Ekcctl({"operators"});
  EXPECT_NE(op_table.output.find("break (login)"), std::string::npos) << op_table.output;
}

TEST_F(EkcctlSupervisionTest, Actions_AreRecordedAndShownInTheAudit) {
  const std::string id = Submit("k1", "Подскажите часы работы МФЦ");
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"}, /*ready=*/false)));

  json paused = OneJson(Ekcctl({"-o", "json", "queue", "pause", "general", "--note", "проверка"}));
  EXPECT_NE(paused["event_sequence"], "0");
  RunResult resumed = Ekcctl({"queue", "resume", "general"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("queue general resumed (event "), std::string::npos)
      << resumed.output;
  EXPECT_EQ(Ekcctl({"contact", "priority", id, "urgent"}).exit_status, 0);
  EXPECT_EQ(Ekcctl({"contact", "reassign", id, "op-1"}).exit_status, 0);
  RunResult state = Ekcctl({"operator", "state", "op-1", "available"});
  EXPECT_EQ(state.exit_status, 0) << state.output;

  json snapshot = OneJson(Ekcctl({"-o", "json", "dashboard", "--once"}));
  std::vector<std::string> actions;
  for (const json& a : snapshot["recent_actions"]) actions.push_back(a["action"]);
  // Newest first.
  ASSERT_EQ(actions.size(), 5u) << snapshot["recent_actions"].dump();
  EXPECT_EQ(actions[0], "force_state");
  EXPECT_EQ(actions[1], "reassign");
  EXPECT_EQ(actions[2], "change_priority");
  EXPECT_EQ(actions[3], "resume_queue");
  EXPECT_EQ(actions[4], "pause_queue");
  EXPECT_EQ(snapshot["recent_actions"][4]["note"], "проверка");
  EXPECT_EQ(snapshot["recent_actions"][0]["supervisor"], "local");  // open mode: no token file
  RunResult text = Ekcctl({"dashboard", "--once"});
  EXPECT_NE(text.output.find("RECENT SUPERVISOR ACTIONS"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("queue general paused — проверка"), std::string::npos) << text.output;
}

TEST_F(EkcctlSupervisionTest, Actions_RefusalsExitOneWithTheServersReason) {
  RunResult r = Ekcctl({"contact", "priority", "99", "high"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("NOT_FOUND"), std::string::npos) << r.output;
  RunResult q = Ekcctl({"queue", "pause", "nope"});
  EXPECT_EQ(q.exit_status, 1);
  EXPECT_NE(q.output.find("INVALID_ARGUMENT"), std::string::npos) << q.output;
  EXPECT_EQ(Ekcctl({"contact", "priority", "1", "sky-high"}).exit_status, 2);
  EXPECT_EQ(Ekcctl({"operator", "state", "op-1", "dancing"}).exit_status, 2);
  // The desk still needs its --id.
  EXPECT_EQ(Ekcctl({"operator", "--skills", "family"}).exit_status, 2);
}

}  // namespace
}  // namespace ekc::testing
