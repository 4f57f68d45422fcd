// The routing model through the real ekcd: callbacks, transfers and the supervisors' actions over
// gRPC.

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

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

class RoutingRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{.data_dir = dir_.Sub("data")});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    intake_ = v1::ContactIntake::NewStub(daemon_->Channel());
    supervision_ = v1::Supervision::NewStub(daemon_->Channel());
  }

  uint64_t Submit(const std::string& key, const std::string& text) {
    v1::SubmitContactRequest r;
    r.set_idempotency_key(key);
    r.set_channel(v1::CHANNEL_VOICE);
    r.set_text(text);
    v1::SubmitContactResponse out;
    grpc::Status s = intake_->SubmitContact(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.contact_id();
  }

  std::vector<v1::WaitingContact> Waiting() {
    v1::ListContactsResponse out;
    EXPECT_TRUE(supervision_->ListContacts(Context().get(), v1::ListContactsRequest(), &out).ok());
    return {out.contacts().begin(), out.contacts().end()};
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
  std::unique_ptr<v1::ContactIntake::Stub> intake_;
  std::unique_ptr<v1::Supervision::Stub> supervision_;
};

TEST_F(RoutingRpcTest, RequestCallback_KeepsThePlaceAndReachesTheOperatorAsACallback) {
  const uint64_t id = Submit("cb", "Хочу узнать про единое пособие на детей");
  v1::RequestCallbackRequest cb;
  cb.set_contact_id(id);
  cb.set_callback_ref("sip:+79000000000");
  v1::RequestCallbackResponse out;
  ASSERT_TRUE(intake_->RequestCallback(Context().get(), cb, &out).ok());
  EXPECT_EQ(out.state(), v1::CONTACT_STATE_CALLBACK);
  EXPECT_EQ(out.position(), 1u);
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"social_support"})));
  auto offer = desk.WaitForKind(v1::DeskEvent::kOffer);
  ASSERT_TRUE(offer.has_value());
  EXPECT_TRUE(offer->offer().reason().callback());
  EXPECT_EQ(offer->offer().contact().callback_ref(), "sip:+79000000000");
}

TEST_F(RoutingRpcTest, Transfer_HandsTheContactToAnotherQueue) {
  DeskClient general(daemon_->Channel());
  ASSERT_TRUE(general.WaitForAnswer(general.Login("op-general", {})));
  const uint64_t id = Submit("t", "Подскажите часы работы МФЦ");  // no situation: general
  auto offer = general.WaitForKind(v1::DeskEvent::kOffer);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(general.WaitForAnswer(general.Accept(id)));
  DeskClient family(daemon_->Channel());
  ASSERT_TRUE(family.WaitForAnswer(family.Login("op-family", {"family"})));
  v1::DeskRequest transfer;
  transfer.mutable_transfer()->set_contact_id(id);
  transfer.mutable_transfer()->set_queue("family");
  auto ack = general.WaitForAnswer(general.Send(transfer));
  ASSERT_TRUE(ack && ack->has_ack()) << (ack ? ack->DebugString() : "none");
  auto moved = family.WaitForKind(v1::DeskEvent::kOffer);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->offer().contact().contact_id(), id);
  EXPECT_EQ(moved->offer().contact().queue(), "family");
}

TEST_F(RoutingRpcTest, Transfer_WithoutATargetIsInvalidArgument) {
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {})));
  v1::DeskRequest transfer;
  transfer.mutable_transfer()->set_contact_id(1);
  auto answer = desk.WaitForAnswer(desk.Send(transfer));
  ASSERT_TRUE(answer && answer->has_error());
  EXPECT_EQ(answer->error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(answer->error().message().find("transfer.target"), std::string::npos);
}

TEST_F(RoutingRpcTest, Supervisor_PausesAQueueChangesPriorityAndReassigns) {
  v1::SetQueuePausedRequest pause;
  pause.set_queue("general");
  pause.set_paused(true);
  v1::SupervisorActionResponse done;
  ASSERT_TRUE(supervision_->SetQueuePaused(Context().get(), pause, &done).ok());
  EXPECT_GT(done.event_sequence(), 0u);
  DeskClient a(daemon_->Channel());
  ASSERT_TRUE(a.WaitForAnswer(a.Login("op-a", {})));
  const uint64_t first = Submit("1", "Как записаться на приём?");
  const uint64_t second = Submit("2", "Где получить справку?");
  ASSERT_EQ(Waiting().size(), 2u);  // paused: nobody gets them

  v1::ChangePriorityRequest priority;
  priority.set_contact_id(second);
  priority.set_priority(v1::PRIORITY_HIGH);
  ASSERT_TRUE(supervision_->ChangePriority(Context().get(), priority, &done).ok());

  DeskClient b(daemon_->Channel());
  ASSERT_TRUE(b.WaitForAnswer(b.Login("op-b", {})));
  v1::ReassignContactRequest reassign;
  reassign.set_contact_id(first);
  reassign.set_operator_id("op-b");
  ASSERT_TRUE(supervision_->ReassignContact(Context().get(), reassign, &done).ok());

  pause.set_paused(false);
  ASSERT_TRUE(supervision_->SetQueuePaused(Context().get(), pause, &done).ok());
  auto to_a = a.WaitForKind(v1::DeskEvent::kOffer);
  auto to_b = b.WaitForKind(v1::DeskEvent::kOffer);
  ASSERT_TRUE(to_a.has_value() && to_b.has_value());
  EXPECT_EQ(to_b->offer().contact().contact_id(), first);  // reserved for op-b
  EXPECT_EQ(to_a->offer().contact().contact_id(), second);
  EXPECT_EQ(to_a->offer().contact().priority(), v1::PRIORITY_HIGH);
}

TEST_F(RoutingRpcTest, Supervisor_ForcesAnOperatorOnABreakAndOffline) {
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  v1::ForceOperatorStateRequest force;
  force.set_operator_id("op-1");
  force.set_state(v1::OPERATOR_STATE_BREAK);
  force.set_break_reason("meeting");
  v1::SupervisorActionResponse done;
  ASSERT_TRUE(supervision_->ForceOperatorState(Context().get(), force, &done).ok());
  auto told = desk.WaitForKind(v1::DeskEvent::kStateChanged);
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->state_changed().state(), v1::OPERATOR_STATE_BREAK);
  EXPECT_EQ(told->state_changed().break_reason(), "meeting");

  v1::ListOperatorsResponse operators;
  ASSERT_TRUE(
      supervision_->ListOperators(Context().get(), v1::ListOperatorsRequest(), &operators).ok());
  ASSERT_EQ(operators.operators_size(), 1);
  EXPECT_EQ(operators.operators(0).state(), v1::OPERATOR_STATE_BREAK);

  force.set_state(v1::OPERATOR_STATE_OFFLINE);
  ASSERT_TRUE(supervision_->ForceOperatorState(Context().get(), force, &done).ok());
  auto ended = desk.Ended();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(RoutingRpcTest, Supervisor_BadRequestsNameTheField) {
  v1::SupervisorActionResponse done;
  v1::ChangePriorityRequest priority;
  priority.set_contact_id(1);
  grpc::Status s = supervision_->ChangePriority(Context().get(), priority, &done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("priority"), std::string::npos);
  v1::SetQueuePausedRequest pause;
  pause.set_queue("no-such-queue");
  s = supervision_->SetQueuePaused(Context().get(), pause, &done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ReassignContactRequest reassign;
  reassign.set_contact_id(99);
  reassign.set_operator_id("op-x");
  s = supervision_->ReassignContact(Context().get(), reassign, &done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace ekc::testing
