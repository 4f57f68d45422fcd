// Statistics derived from events: service level, waits, abandons, handle time, occupancy.

#include <gtest/gtest.h>

#include "tests/router/router_driver.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;
using testing::RouterDriver;

TEST(Statistics, ServiceLevelCountsAnswersWithinTheThresholdOverEndedWaits) {
  RouterDriver d;  // general: threshold 20 s, short abandon 5 s
  d.Submit("fast");
  d.Submit("slow");
  d.Submit("gone");
  d.now_unix_ms += 10'000;
  d.Login("op1");  // offered "fast" at 10 s
  d.Accept("op1", 1);
  d.now_unix_ms += 20'000;  // "gone" leaves after 30 s: a miss
  d.Cancel(3);
  d.Login("op2");  // "slow" answered at 30 s: a miss
  d.Accept("op2", 2);
  const WaitTally t = d.state().statistics().QueueTotal("general");
  EXPECT_EQ(t.arrivals, 3u);
  EXPECT_EQ(t.ended, 3u);
  EXPECT_EQ(t.answered, 2u);
  EXPECT_EQ(t.answered_within_target, 1u);
  EXPECT_EQ(t.abandoned, 1u);
  EXPECT_DOUBLE_EQ(t.ServiceLevel(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(t.PAbandon(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(t.AsaMs(), (10'000 + 30'000 + 30'000) / 3.0);
  EXPECT_DOUBLE_EQ(t.AnswerWaitMeanMs(), (10'000 + 30'000) / 2.0);
  EXPECT_EQ(t.longest_wait_ms, 30'000);
}

TEST(Statistics, ShortAbandonsCountInNeitherAnsweredNorMissed) {
  RouterDriver d;
  d.Submit("k");
  d.now_unix_ms += 4'999;
  d.Cancel(1);
  const WaitTally t = d.state().statistics().QueueTotal("general");
  EXPECT_EQ(t.short_abandoned, 1u);
  EXPECT_EQ(t.ended, 0u);
  EXPECT_DOUBLE_EQ(t.ServiceLevel(), 1.0);
}

TEST(Statistics, WaitOfZeroIsNotAWait) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k");
  d.Accept("op1", 1);
  const WaitTally t = d.state().statistics().QueueTotal("general");
  EXPECT_EQ(t.waited, 0u);
  EXPECT_DOUBLE_EQ(t.PWait(), 0.0);
  EXPECT_EQ(t.answered_within_target, 1u);
}

TEST(Statistics, HandleTimeRunsFromConnectedToCompletedIncludingWrapUp) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k");
  d.Accept("op1", 1);
  d.now_unix_ms += 100'000;
  d.Complete("op1", 1);
  d.Advance(30'000);  // wrap-up of the general queue
  const WaitTally t = d.state().statistics().QueueTotal("general");
  EXPECT_EQ(t.completed, 1u);
  EXPECT_DOUBLE_EQ(t.AhtMs(), 130'000);
  const OperatorTally& op = d.state().statistics().operators().at("op1");
  EXPECT_EQ(op.offers, 1u);
  EXPECT_EQ(op.accepted, 1u);
  EXPECT_EQ(op.completed, 1u);
  // Logged in for 130 s, handling the contact for all of it.
  EXPECT_DOUBLE_EQ(op.Occupancy(d.now_unix_ms), 1.0);
  EXPECT_DOUBLE_EQ(op.Occupancy(d.now_unix_ms + 130'000), 0.5);
}

TEST(Statistics, DeclinesAndMissesAreCountedPerOperator) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k");
  d.Decline("op1", 1);
  d.Submit("k2");     // offered to op1 (k waits for its re-offer delay)
  d.Advance(20'000);  // op1 lets it time out
  const OperatorTally& op = d.state().statistics().operators().at("op1");
  EXPECT_EQ(op.declined, 1u);
  EXPECT_EQ(op.missed, 1u);
}

TEST(Statistics, ArrivalsAreTalliedInTheIntervalTheyArrivedIn) {
  RouterDriver d;
  d.now_unix_ms = 1'700'000'100'000;  // some time into an interval
  d.Submit("a");
  d.now_unix_ms += 15 * 60 * 1000;
  d.Submit("b");
  const auto* intervals = d.state().statistics().QueueIntervals("general");
  ASSERT_NE(intervals, nullptr);
  ASSERT_EQ(intervals->size(), 2u);
  for (const auto& [start, tally] : *intervals) {
    EXPECT_EQ(start % (15 * 60 * 1000), 0);
    EXPECT_EQ(tally.arrivals, 1u);
  }
}

TEST(Statistics, ReplayReproducesThemExactly) {
  RouterDriver live;
  live.Login("op1");
  live.Submit("a");
  live.Submit("b");
  live.Accept("op1", 1);
  live.now_unix_ms += 60'000;
  live.Cancel(2);
  Router replayed(testing::TwoQueueConfig());
  for (const auto& e : live.log) ASSERT_TRUE(replayed.Replay(e).ok());
  EXPECT_EQ(replayed.state().statistics().ToSnapshot().SerializeAsString(),
            live.state().statistics().ToSnapshot().SerializeAsString());
}

}  // namespace
}  // namespace ekc::router
