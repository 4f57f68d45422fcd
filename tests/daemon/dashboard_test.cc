// BuildDashboard (daemon/dashboard.h) as a pure function of a routing state and the times given:
// the figures per queue, the operators, the waiting list, the views, the audit trail.

#include "daemon/dashboard.h"

#include <gtest/gtest.h>

#include "daemon/config.h"
#include "daemon/latest_outbox.h"
#include "tests/router/router_driver.h"

namespace ekc::daemon {
namespace {

namespace v1 = ekc::v1;
using router::testing::RouterDriver;

const v1::QueueStatus& Queue(const v1::DashboardSnapshot& s, const std::string& name) {
  for (const auto& q : s.queues()) {
    if (q.name() == name) return q;
  }
  ADD_FAILURE() << "no queue " << name;
  static const v1::QueueStatus kNone;
  return kNone;
}

class DashboardTest : public ::testing::Test {
 protected:
  v1::DashboardSnapshot Build(const DashboardView& view = {}) {
    AuditTrail audit;
    for (const auto& e : driver_.log) audit.Observe(e);
    return BuildDashboard(
        driver_.state(), driver_.router().config(), view,
        DashboardTimes{.now_unix_ms = driver_.now_unix_ms, .day_start_unix_ms = day_start_}, audit);
  }

  RouterDriver driver_;
  int64_t day_start_ = driver_.now_unix_ms - 3'600'000;
};

TEST_F(DashboardTest, ServiceLevelAbandonsAsaAndAhtOfToday) {
  driver_.Login("a");
  driver_.Submit("k1");  // offered to a at once
  driver_.Advance(5'000);
  driver_.Accept("a", 1);  // answered after 5 s: within the 20 s threshold
  driver_.Submit("k2");    // a is busy: waits
  driver_.Advance(30'000);
  driver_.Cancel(2);  // abandoned after 30 s: a miss (short abandons end at 5 s)
  driver_.Advance(60'000);
  driver_.Complete("a", 1);  // handled 90 s, then wrap-up
  driver_.Advance(30'000);   // the 30 s wrap-up ends: completed

  const v1::DashboardSnapshot s = Build();
  const v1::QueueStatus& general = Queue(s, "general");
  EXPECT_EQ(general.arrivals_today(), 2u);
  EXPECT_EQ(general.answered_today(), 1u);
  EXPECT_EQ(general.abandoned_today(), 1u);
  EXPECT_EQ(general.ended_today(), 2u);
  EXPECT_DOUBLE_EQ(general.service_level_today(), 0.5);
  EXPECT_DOUBLE_EQ(general.abandon_rate_today(), 0.5);
  EXPECT_DOUBLE_EQ(general.asa_s(), 17.5);   // (5 + 30) / 2
  EXPECT_DOUBLE_EQ(general.aht_s(), 120.0);  // 90 s of conversation + 30 s of wrap-up
  EXPECT_EQ(general.waiting(), 0u);
  EXPECT_EQ(general.operators_staffed(), 1u);
  EXPECT_EQ(general.operators_available(), 1u);
  EXPECT_EQ(s.time_unix_ms(), driver_.now_unix_ms);
  EXPECT_EQ(s.interval_start_unix_ms() % (15 * 60 * 1000), 0);
}

TEST_F(DashboardTest, TodayStartsAtTheGivenMidnight) {
  driver_.Login("a");
  driver_.Submit("k1");
  driver_.Accept("a", 1);
  day_start_ = driver_.now_unix_ms + 1;            // everything so far happened "yesterday"
  const v1::DashboardSnapshot snapshot = Build();  // `general` points into it
  const v1::QueueStatus& general = Queue(snapshot, "general");
  EXPECT_EQ(general.arrivals_today(), 0u);
  EXPECT_EQ(general.ended_today(), 0u);
}

TEST_F(DashboardTest, WaitingListIsLongestFirstAndBoundedAndCountsOffers) {
  driver_.Submit("k1");
  driver_.Advance(1'000);
  driver_.Submit("k2", {"large_family"});
  driver_.Advance(1'000);
  driver_.Submit("k3");
  driver_.Advance(1'000);
  driver_.Login("a");  // takes the oldest general contact as an offer
  driver_.Advance(2'000);

  const v1::DashboardSnapshot all = Build();
  EXPECT_EQ(all.waiting_total(), 3u);
  ASSERT_EQ(all.waiting_size(), 3);
  EXPECT_EQ(all.waiting(0).contact_id(), 1u);
  EXPECT_EQ(all.waiting(0).state(), v1::CONTACT_STATE_OFFERED);
  EXPECT_EQ(all.waiting(0).waited_ms(), 5'000);
  EXPECT_EQ(all.waiting(1).contact_id(), 2u);
  EXPECT_EQ(all.waiting(1).situations(0), "large_family");
  EXPECT_EQ(Queue(all, "general").waiting(), 1u);
  EXPECT_EQ(Queue(all, "general").offered(), 1u);
  EXPECT_EQ(Queue(all, "general").longest_wait_ms(), 5'000);
  EXPECT_EQ(Queue(all, "family").waiting(), 1u);
  ASSERT_EQ(all.operators_size(), 1);
  EXPECT_EQ(all.operators(0).contact_ids(0), 1u);

  const v1::DashboardSnapshot two = Build(DashboardView{.queues = {}, .max_waiting = 2});
  EXPECT_EQ(two.waiting_size(), 2);
  EXPECT_EQ(two.waiting_total(), 3u);

  const v1::DashboardSnapshot family =
      Build(DashboardView{.queues = {"family"}, .max_waiting = 10});
  ASSERT_EQ(family.queues_size(), 1);
  ASSERT_EQ(family.waiting_size(), 1);
  EXPECT_EQ(family.waiting(0).contact_id(), 2u);
  EXPECT_EQ(family.operators_size(), 0);  // a has no family skill
}

TEST_F(DashboardTest, AuditTrailKeepsSupervisorActionsNewestFirst) {
  driver_.Submit("k1");
  driver_.Run(router::command::SetQueuePaused{"general", true, "учения"},
              v1::ACTOR_KIND_SUPERVISOR);
  driver_.Run(router::command::ChangePriority{ContactId(1), v1::PRIORITY_HIGH, ""},
              v1::ACTOR_KIND_SUPERVISOR);
  driver_.Run(router::command::SetQueuePaused{"general", false, ""}, v1::ACTOR_KIND_SUPERVISOR);
  const v1::DashboardSnapshot s = Build();
  ASSERT_EQ(s.recent_actions_size(), 3);
  EXPECT_EQ(s.recent_actions(0).action(), "resume_queue");
  EXPECT_EQ(s.recent_actions(1).action(), "change_priority");
  EXPECT_EQ(s.recent_actions(1).contact_id(), 1u);
  EXPECT_EQ(s.recent_actions(1).priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(s.recent_actions(2).action(), "pause_queue");
  EXPECT_EQ(s.recent_actions(2).note(), "учения");

  AuditTrail bounded;
  v1::EventRecord e = driver_.log.back();
  for (uint64_t i = 0; i < kAuditTrailMax + 10; ++i) {
    e.set_sequence(1000 + i);
    bounded.Observe(e);
  }
  ASSERT_EQ(bounded.newest_first().size(), kAuditTrailMax);
  EXPECT_EQ(bounded.newest_first().front().event_sequence(), 1000 + kAuditTrailMax + 9);
}

TEST_F(DashboardTest, UnknownQueueInTheRequestIsInvalidArgument) {
  v1::WatchDashboardRequest request;
  request.add_queues("family");
  request.add_queues("general");
  request.add_queues("family");
  absl::StatusOr<DashboardView> view = MakeDashboardView(request, driver_.router().config());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->queues, (std::vector<std::string>{"family", "general"}));
  EXPECT_EQ(view->max_waiting, kDashboardWaitingDefault);
  request.add_queues("nope");
  view = MakeDashboardView(request, driver_.router().config());
  EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(view.status().message().find("queues"), std::string::npos);
}

TEST(LatestOutboxTest, ASlowReaderSkipsToTheLatestAndHoldsAtMostTwo) {
  std::vector<int> written;
  std::optional<grpc::Status> finished;
  LatestOutbox<int> outbox([&](const int* m) { written.push_back(*m); },
                           [&](const grpc::Status& s) { finished = s; });
  EXPECT_TRUE(outbox.Send(1));  // written at once
  EXPECT_TRUE(outbox.Send(2));  // waits
  EXPECT_TRUE(outbox.Send(3));  // replaces 2
  EXPECT_TRUE(outbox.Send(4));  // replaces 3
  EXPECT_EQ(written, (std::vector<int>{1}));
  EXPECT_EQ(outbox.replaced(), 2u);
  outbox.OnWriteDone(true);
  EXPECT_EQ(written, (std::vector<int>{1, 4}));
  outbox.OnWriteDone(true);
  EXPECT_EQ(written.size(), 2u);  // nothing left
  EXPECT_TRUE(outbox.Send(5));
  outbox.Close(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping"));
  EXPECT_FALSE(finished.has_value());  // after the write in flight
  EXPECT_FALSE(outbox.Send(6));
  outbox.OnWriteDone(true);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(written, (std::vector<int>{1, 4, 5}));
}

TEST(LatestOutboxTest, ABrokenStreamFinishesAndADetachedOneTakesNothing) {
  std::vector<int> written;
  std::optional<grpc::Status> finished;
  LatestOutbox<int> outbox([&](const int* m) { written.push_back(*m); },
                           [&](const grpc::Status& s) { finished = s; });
  outbox.Send(1);
  outbox.Send(2);
  outbox.OnWriteDone(false);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(written, (std::vector<int>{1}));
  outbox.Detach();
  EXPECT_FALSE(outbox.Send(3));
}

TEST(DashboardConfigTest, TheHttpAddressComesFromTheConfigFileAndMayBeEmpty) {
  constexpr std::string_view kQueues = "rules: rules.yaml\nqueues:\n  - name: general\n";
  absl::StatusOr<DaemonConfig> defaults = ParseDaemonConfig(kQueues, "/etc/ekc/ekcd.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->http, "127.0.0.1:8080");
  absl::StatusOr<DaemonConfig> set =
      ParseDaemonConfig(std::string(kQueues) + "http: 0.0.0.0:9090\n", "/etc/ekc/ekcd.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->http, "0.0.0.0:9090");
  absl::StatusOr<DaemonConfig> off =
      ParseDaemonConfig(std::string(kQueues) + "http: \"\"\n", "/etc/ekc/ekcd.yaml");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->http, "");
  absl::StatusOr<DaemonConfig> bad =
      ParseDaemonConfig(std::string(kQueues) + "http: [1, 2]\n", "/etc/ekc/ekcd.yaml");
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace ekc::daemon
