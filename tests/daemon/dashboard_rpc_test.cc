// Supervision.WatchDashboard and ListContacts through the real ekcd: the first snapshot at once,
// updates on change, the coalescing bound, a slow watcher that cannot stall the core.

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "ekc/v1/intake.grpc.pb.h"
#include "ekc/v1/supervision.grpc.pb.h"

#include "tests/daemon/desk_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// ekcd's bound (daemon/dashboard_hub.h): at most one snapshot per 250 ms per watcher.
constexpr milliseconds kPublishIntervalMin{250};

std::unique_ptr<grpc::ClientContext> Context(seconds timeout = seconds(10)) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + timeout);
  return c;
}

// A WatchDashboard stream read on a thread of its own, so that a test can wait with a deadline.
class Watch {
 public:
  Watch(v1::Supervision::Stub& stub, const v1::WatchDashboardRequest& request) {
    context_.set_deadline(std::chrono::system_clock::now() + seconds(60));
    reader_ = stub.WatchDashboard(&context_, request);
  }
  ~Watch() {
    context_.TryCancel();
    if (!finished_) Finish();
  }

  // The next snapshot within `timeout`, or nullopt (the stream ended, or nothing came).
  std::optional<v1::DashboardSnapshot> Next(milliseconds timeout = seconds(10)) {
    if (!pending_.valid()) {
      pending_ = std::async(std::launch::async, [this]() -> std::optional<v1::DashboardSnapshot> {
        v1::DashboardSnapshot s;
        if (!reader_->Read(&s)) return std::nullopt;
        return s;
      });
    }
    if (pending_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return pending_.get();
  }

  // Reads until `want` holds, at most `reads` snapshots and `timeout` in all.
  template <typename Predicate>
  std::optional<v1::DashboardSnapshot> Until(Predicate want, int reads = 50,
                                             milliseconds timeout = seconds(15)) {
    const auto deadline = steady_clock::now() + timeout;
    for (int i = 0; i < reads && steady_clock::now() < deadline; ++i) {
      auto s = Next(std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
      if (!s) return std::nullopt;
      if (want(*s)) return s;
    }
    return std::nullopt;
  }

  grpc::Status Finish() {
    if (pending_.valid()) pending_.wait();
    finished_ = true;
    return reader_->Finish();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::DashboardSnapshot>> reader_;
  std::future<std::optional<v1::DashboardSnapshot>> pending_;
  bool finished_ = false;
};

const v1::QueueStatus* FindQueue(const v1::DashboardSnapshot& s, const std::string& name) {
  for (const auto& q : s.queues()) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

class DashboardRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{.data_dir = dir_.Sub("data")});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    channel_ = daemon_->Channel();
    intake_ = v1::ContactIntake::NewStub(channel_);
    supervision_ = v1::Supervision::NewStub(channel_);
  }

  uint64_t Submit(const std::string& key, const std::string& text, const std::string& region = "") {
    v1::SubmitContactRequest r;
    r.set_idempotency_key(key);
    r.set_channel(v1::CHANNEL_VOICE);
    r.set_text(text);
    r.set_region(region);
    v1::SubmitContactResponse out;
    grpc::Status s = intake_->SubmitContact(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.contact_id();
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ContactIntake::Stub> intake_;
  std::unique_ptr<v1::Supervision::Stub> supervision_;
};

TEST_F(DashboardRpcTest, WatchDashboard_SendsASnapshotAtOnce) {
  const auto start = steady_clock::now();
  Watch watch(*supervision_, v1::WatchDashboardRequest());
  auto first = watch.Next(seconds(5));
  ASSERT_TRUE(first.has_value());
  EXPECT_LT(steady_clock::now() - start, seconds(2));  // not after a refresh interval
  EXPECT_GT(first->time_unix_ms(), 0);
  EXPECT_GT(first->day_start_unix_ms(), 0);
  EXPECT_LE(first->day_start_unix_ms(), first->time_unix_ms());
  EXPECT_EQ(first->queues_size(), 7);  // deploy/ekcd.yaml
  const v1::QueueStatus* family = FindQueue(*first, "family");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->waiting(), 0u);
  EXPECT_DOUBLE_EQ(family->service_level_target(), 0.8);
  EXPECT_EQ(family->service_level_threshold_s(), 20u);
  EXPECT_EQ(family->ended_today(), 0u);
  EXPECT_EQ(first->waiting_total(), 0u);
}

TEST_F(DashboardRpcTest, WatchDashboard_SendsAnUpdateWhenAContactArrives) {
  Watch watch(*supervision_, v1::WatchDashboardRequest());
  ASSERT_TRUE(watch.Next().has_value());
  const uint64_t id = Submit("k1", "Ребёнок-инвалид, нужна помощь с реабилитацией", "77");
  auto updated = watch.Until([](const auto& s) { return s.waiting_total() == 1; });
  ASSERT_TRUE(updated.has_value());
  const v1::QueueStatus* disability = FindQueue(*updated, "disability");
  ASSERT_NE(disability, nullptr);
  EXPECT_EQ(disability->waiting(), 1u);
  EXPECT_EQ(disability->arrivals_today(), 1u);
  ASSERT_EQ(updated->waiting_size(), 1);
  const v1::WaitingContact& c = updated->waiting(0);
  EXPECT_EQ(c.contact_id(), id);
  EXPECT_EQ(c.queue(), "disability");
  EXPECT_EQ(c.region(), "77");
  EXPECT_EQ(c.priority(), v1::PRIORITY_NORMAL);
  ASSERT_GE(c.situations_size(), 1);
  EXPECT_EQ(c.situations(0), "disabled_child");
  ASSERT_EQ(c.situation_titles_size(), c.situations_size());
  EXPECT_FALSE(c.situation_titles(0).empty());
}

TEST_F(DashboardRpcTest, WatchDashboard_SendsAtMostAFewSnapshotsASecond) {
  Watch watch(*supervision_, v1::WatchDashboardRequest());
  ASSERT_TRUE(watch.Next().has_value());
  std::atomic<bool> done{false};
  std::thread submitter([&] {
    for (int i = 0; i < 200 && !done; ++i) Submit("burst-" + std::to_string(i), "Как записаться?");
    done = true;
  });
  // Count what arrives in a window while contacts pour in (each is a change).
  const auto window = seconds(2);
  const auto start = steady_clock::now();
  int snapshots = 0;
  while (steady_clock::now() - start < window) {
    auto left = std::chrono::duration_cast<milliseconds>(window - (steady_clock::now() - start));
    if (left.count() <= 0 || !watch.Next(left).has_value()) break;
    ++snapshots;
  }
  done = true;
  submitter.join();
  EXPECT_GE(snapshots, 2) << "changes must be sent";
  // One per interval, plus one for a timer armed at the window's start.
  EXPECT_LE(snapshots, window / kPublishIntervalMin + 1);
}

TEST_F(DashboardRpcTest, WatchDashboard_ASlowWatcherDoesNotStallSubmits) {
  v1::WatchDashboardRequest big;
  big.set_max_waiting(1000);  // large snapshots fill the stream's flow-control window quickly
  grpc::ClientContext slow_context;
  slow_context.set_deadline(std::chrono::system_clock::now() + seconds(120));
  auto slow = supervision_->WatchDashboard(&slow_context, big);  // never read while submitting
  const auto start = steady_clock::now();
  constexpr int kContacts = 400;
  for (int i = 0; i < kContacts; ++i) {
    ASSERT_NE(Submit("slow-" + std::to_string(i), "Подскажите часы работы МФЦ, пожалуйста"), 0u);
  }
  EXPECT_LT(steady_clock::now() - start, seconds(60));
  // The slow reader then catches up to the latest state, not through a backlog of every change.
  v1::DashboardSnapshot s;
  int reads = 0;
  bool latest = false;
  while (reads < 50 && slow->Read(&s)) {
    ++reads;
    if (s.waiting_total() == kContacts) {
      latest = true;
      break;
    }
  }
  EXPECT_TRUE(latest) << "after " << reads << " reads";
  EXPECT_LT(reads, 50);
  slow_context.TryCancel();
  slow->Finish();
}

TEST_F(DashboardRpcTest, WatchDashboard_ShowsOperatorsAndSupervisorActions) {
  DeskClient desk(channel_);
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  v1::SetQueuePausedRequest pause;
  pause.set_queue("general");
  pause.set_paused(true);
  pause.set_note("учения");
  v1::SupervisorActionResponse done;
  auto context = Context();
  context->AddMetadata("authorization", "Bearer test-token");
  ASSERT_TRUE(supervision_->SetQueuePaused(context.get(), pause, &done).ok());

  Watch watch(*supervision_, v1::WatchDashboardRequest());
  auto s = watch.Next();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->operators_size(), 1);
  EXPECT_EQ(s->operators(0).operator_id(), "op-1");
  EXPECT_EQ(s->operators(0).state(), v1::OPERATOR_STATE_AVAILABLE);
  EXPECT_TRUE(s->operators(0).connected());
  EXPECT_GT(s->operators(0).state_since_unix_ms(), 0);
  EXPECT_EQ(FindQueue(*s, "family")->operators_available(), 1u);
  EXPECT_EQ(FindQueue(*s, "family")->operators_staffed(), 1u);
  EXPECT_TRUE(FindQueue(*s, "general")->paused());
  ASSERT_GE(s->recent_actions_size(), 1);
  const v1::SupervisorActionRecord& a = s->recent_actions(0);
  EXPECT_EQ(a.action(), "pause_queue");
  EXPECT_EQ(a.queue(), "general");
  EXPECT_EQ(a.supervisor(), "local");  // open mode: no token file
  EXPECT_EQ(a.note(), "учения");
  EXPECT_EQ(a.event_sequence(), done.event_sequence());
}

TEST_F(DashboardRpcTest, WatchDashboard_AuditSurvivesARestart) {
  v1::SetQueuePausedRequest pause;
  pause.set_queue("svo");
  pause.set_paused(true);
  v1::SupervisorActionResponse done;
  ASSERT_TRUE(supervision_->SetQueuePaused(Context().get(), pause, &done).ok());
  ASSERT_EQ(daemon_->Stop(), 0);
  ASSERT_TRUE(daemon_->Start()) << daemon_->error();
  supervision_ = v1::Supervision::NewStub(daemon_->Channel());
  Watch watch(*supervision_, v1::WatchDashboardRequest());
  auto s = watch.Next();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->recent_actions_size(), 1);
  EXPECT_EQ(s->recent_actions(0).action(), "pause_queue");
  EXPECT_EQ(s->recent_actions(0).event_sequence(), done.event_sequence());
}

TEST_F(DashboardRpcTest, WatchDashboard_FiltersQueuesAndRefusesUnknownOnes) {
  v1::WatchDashboardRequest one;
  one.add_queues("crisis");
  Watch watch(*supervision_, one);
  auto s = watch.Next();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->queues_size(), 1);
  EXPECT_EQ(s->queues(0).name(), "crisis");

  v1::WatchDashboardRequest bad;
  bad.add_queues("no-such-queue");
  Watch refused(*supervision_, bad);
  EXPECT_FALSE(refused.Next().has_value());
  grpc::Status status = refused.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("queues"), std::string::npos) << status.error_message();
}

TEST_F(DashboardRpcTest, ListContacts_FiltersBySituationAndQueue) {
  Submit("a", "Ребёнок-инвалид, нужна помощь с реабилитацией");
  Submit("b", "Многодетная семья, какие льготы на ЖКУ?");
  Submit("c", "Подскажите часы работы МФЦ");
  v1::ListContactsRequest request;
  request.set_situation("large_family");
  v1::ListContactsResponse out;
  ASSERT_TRUE(supervision_->ListContacts(Context().get(), request, &out).ok());
  ASSERT_EQ(out.contacts_size(), 1);
  EXPECT_EQ(out.contacts(0).queue(), "family");
  request.Clear();
  request.set_queue("general");
  out.Clear();
  ASSERT_TRUE(supervision_->ListContacts(Context().get(), request, &out).ok());
  ASSERT_EQ(out.contacts_size(), 1);
  EXPECT_EQ(out.contacts(0).situations_size(), 0);
}

}  // namespace
}  // namespace ekc::testing
