// The what-if engine (tools/ekcutl/log_simulation.h) on hand-made recordings: how the operators'
// days are played, who works when the staffing is scaled, and what a staffing file says.

#include "tools/ekcutl/log_simulation.h"

#include <gtest/gtest.h>

#include "tools/ekcutl/staffing_file.h"

namespace ekc::utl::log {
namespace {

namespace v1 = ekc::v1;

constexpr int64_t kStart = 1'700'000'000'000;

RecordedArrival Chat(int64_t at_ms, uint64_t id, int64_t talk_ms) {
  RecordedArrival a{.at_unix_ms = kStart + at_ms, .contact = ContactId(id), .queue = "general"};
  a.submit.idempotency_key = "k-" + std::to_string(id);
  a.submit.channel = v1::CHANNEL_CHAT;
  a.talk_ms = talk_ms;
  a.wrap_up_ms = 0;
  a.answered_after_ms = 0;
  return a;
}

RecordedOperator Operator(const std::string& id, std::vector<OperatorStep> steps) {
  for (OperatorStep& s : steps) {
    s.at_unix_ms += kStart;
    s.login.operator_id = OperatorId(id);
    s.login.ready = true;
  }
  return RecordedOperator{.id = OperatorId(id), .steps = std::move(steps)};
}

LogSimulationOptions Options(std::vector<RecordedOperator> operators) {
  LogSimulationOptions o{.config = router::SingleQueueConfig(), .operators = std::move(operators)};
  o.config.queues[0].wrap_up_ms = 0;
  return o;
}

TEST(LogSimulation, LogoutDuringAConversation_WaitsForItsEnd) {
  Recording r;
  r.arrivals = {Chat(100, 1, 1000), Chat(2000, 2, 1000)};
  r.first_unix_ms = kStart;
  r.last_unix_ms = kStart + 3000;
  const LogSimulationOptions o = Options({Operator(
      "op-1", {{.at_unix_ms = 0}, {.at_unix_ms = 500, .kind = OperatorStep::Kind::kLogout}})});
  absl::StatusOr<LogSimulationResult> result = SimulateRecording(r, o);
  ASSERT_TRUE(result.ok()) << result.status();
  const router::WaitTally t = result->statistics.QueueTotal("general");
  EXPECT_EQ(t.arrivals, 2u);
  EXPECT_EQ(t.answered, 1u);
  EXPECT_EQ(t.completed, 1u);  // the conversation went on past the log out
  EXPECT_EQ(t.AhtMs(), 1000);
  EXPECT_EQ(result->waiting_at_end, 1u);  // nobody left to take the second
  EXPECT_EQ(result->commands_refused, 0u);
}

TEST(LogSimulation, BreakStopsOffersUntilTheOperatorIsBack) {
  Recording r;
  r.arrivals = {Chat(100, 1, 200)};
  r.first_unix_ms = kStart;
  r.last_unix_ms = kStart + 3000;
  const LogSimulationOptions o = Options({Operator(
      "op-1", {{.at_unix_ms = 0},
               {.at_unix_ms = 50, .kind = OperatorStep::Kind::kBreak, .break_reason = "tea"},
               {.at_unix_ms = 1100, .kind = OperatorStep::Kind::kAvailable}})});
  absl::StatusOr<LogSimulationResult> result = SimulateRecording(r, o);
  ASSERT_TRUE(result.ok()) << result.status();
  const router::WaitTally t = result->statistics.QueueTotal("general");
  EXPECT_EQ(t.answered, 1u);
  EXPECT_EQ(t.AnswerWaitMeanMs(), 1000);  // answered when the break ended
}

TEST(LogSimulation, ScaleStaffing_KeepsASeededShareOrAddsClones) {
  std::vector<RecordedOperator> four;
  for (const char* id : {"op-1", "op-2", "op-3", "op-4"})
    four.push_back(Operator(id, {{.at_unix_ms = 0}}));
  const std::vector<RecordedOperator> half = ScaleStaffing(four, 0.5, 7);
  ASSERT_EQ(half.size(), 2u);
  EXPECT_EQ(ScaleStaffing(four, 0.5, 7)[0].id, half[0].id);  // the same seed, the same choice
  EXPECT_EQ(ScaleStaffing(four, 0.01, 7).size(), 1u);        // someone always works
  const std::vector<RecordedOperator> more = ScaleStaffing(four, 1.5, 7);
  ASSERT_EQ(more.size(), 6u);
  int clones = 0;
  for (const RecordedOperator& op : more) {
    if (op.id.value().find(".clone1") == std::string::npos) continue;
    ++clones;
    EXPECT_EQ(op.steps[0].login.operator_id, op.id);
  }
  EXPECT_EQ(clones, 2);
}

TEST(StaffingFile, CountShiftsAndSkills) {
  absl::StatusOr<std::vector<RecordedOperator>> ops = ParseStaffing(
      "operators:\n"
      "  - {id: op-f, count: 2, skills: {family: 7}, start_s: 60, end_s: 120, accept_delay_ms: 5}\n"
      "  - {id: op-g, skills: [general], channels: {chat: 3}}\n",
      "s.yaml", kStart);
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].id.value(), "op-f.1");
  EXPECT_EQ((*ops)[1].id.value(), "op-f.2");
  ASSERT_EQ((*ops)[0].steps.size(), 2u);
  EXPECT_EQ((*ops)[0].steps[0].at_unix_ms, kStart + 60'000);
  EXPECT_EQ((*ops)[0].steps[1].kind, OperatorStep::Kind::kLogout);
  EXPECT_EQ((*ops)[0].steps[0].login.skills[0].proficiency(), 7u);
  EXPECT_EQ((*ops)[0].accept_delay_ms, 5);
  EXPECT_EQ((*ops)[2].steps.size(), 1u);  // stays until the work is done
  EXPECT_EQ((*ops)[2].steps[0].login.channels[0].capacity(), 3u);
}

TEST(StaffingFile, ErrorsNameTheFileLineAndColumn) {
  absl::StatusOr<std::vector<RecordedOperator>> bad =
      ParseStaffing("operators:\n  - {id: op-1, skils: [family]}\n", "s.yaml", kStart);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("s.yaml:2:"), std::string::npos)
      << bad.status();
  EXPECT_NE(std::string(bad.status().message()).find("skils"), std::string::npos);
  bad = ParseStaffing("operators:\n  - {id: op-1, start_s: 10, end_s: 5}\n", "s.yaml", kStart);
  EXPECT_FALSE(bad.ok());
  bad = ParseStaffing("operators:\n  - {id: a}\n  - {id: a}\n", "s.yaml", kStart);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace ekc::utl::log
