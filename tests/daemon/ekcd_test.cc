// The real ekcd over loopback gRPC: a contact goes from intake to an operator's desk and back,
// survives a kill -9, and bad requests get clear errors.

#include <set>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"
#include "ekc/v1/supervision.grpc.pb.h"

#include "tests/daemon/desk_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;

constexpr auto kCallTimeout = std::chrono::seconds(10);

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return c;
}

class EkcdTest : public ::testing::Test {
 protected:
  void StartDaemon() {
    daemon_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{.data_dir = dir_.Sub("data")});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    intake_ = v1::ContactIntake::NewStub(daemon_->Channel());
    admin_ = v1::Admin::NewStub(daemon_->Channel());
  }

  grpc::Status Submit(const std::string& key, const std::string& text,
                      v1::SubmitContactResponse* out, v1::Channel channel = v1::CHANNEL_CHAT,
                      const std::string& ivr = "") {
    v1::SubmitContactRequest r;
    r.set_idempotency_key(key);
    r.set_channel(channel);
    r.set_text(text);
    r.set_ivr_choice(ivr);
    r.set_region("77");
    return intake_->SubmitContact(Context().get(), r, out);
  }

  // The first update WatchContact sends: the contact's state now.
  std::optional<v1::ContactUpdate> CurrentState(uint64_t contact_id) {
    auto context = Context();
    v1::WatchContactRequest r;
    r.set_contact_id(contact_id);
    auto reader = intake_->WatchContact(context.get(), r);
    v1::ContactUpdate u;
    if (!reader->Read(&u)) return std::nullopt;
    context->TryCancel();
    reader->Finish();
    return u;
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
  std::unique_ptr<v1::ContactIntake::Stub> intake_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

TEST_F(EkcdTest, Contact_GoesFromIntakeToTheOperatorWhoAcceptsAndCompletesIt) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  auto logged_in = desk.WaitForAnswer(desk.Login("op-1", {"family"}));
  ASSERT_TRUE(logged_in && logged_in->has_logged_in())
      << (logged_in ? logged_in->DebugString() : "none");
  EXPECT_EQ(logged_in->logged_in().state(), v1::OPERATOR_STATE_AVAILABLE);

  v1::SubmitContactResponse submitted;
  grpc::Status s =
      Submit("call-1", "Здравствуйте, я родила второго ребёнка, как оформить пособие при рождении?",
             &submitted, v1::CHANNEL_VOICE);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(submitted.queue(), "family");
  ASSERT_GT(submitted.classification().situations_size(), 0);
  EXPECT_EQ(submitted.classification().situations(0).code(), "child_birth");
  EXPECT_FALSE(submitted.duplicate());

  auto offer = desk.WaitForKind(v1::DeskEvent::kOffer);
  ASSERT_TRUE(offer.has_value());
  const v1::Offer& o = offer->offer();
  EXPECT_EQ(o.contact().contact_id(), submitted.contact_id());
  EXPECT_EQ(o.contact().classification().situations(0).code(), "child_birth");
  EXPECT_GT(o.contact().classification().situations(0).terms_size(), 0);
  EXPECT_EQ(o.reason().strategy(), "longest_idle");
  EXPECT_FALSE(o.reason().summary().empty());
  EXPECT_GT(o.deadline_unix_ms(), 0);

  // An intake watcher sees the contact offered, then connected to op-1.
  auto watch_context = Context();
  v1::WatchContactRequest watch;
  watch.set_contact_id(submitted.contact_id());
  auto watcher = intake_->WatchContact(watch_context.get(), watch);
  v1::ContactUpdate update;
  ASSERT_TRUE(watcher->Read(&update));
  EXPECT_EQ(update.state(), v1::CONTACT_STATE_OFFERED);

  auto assignment = desk.WaitForAnswer(desk.Accept(submitted.contact_id()));
  ASSERT_TRUE(assignment && assignment->has_assignment())
      << (assignment ? assignment->DebugString() : "none");
  EXPECT_EQ(assignment->assignment().contact().contact_id(), submitted.contact_id());

  ASSERT_TRUE(watcher->Read(&update));
  EXPECT_EQ(update.state(), v1::CONTACT_STATE_CONNECTED);
  EXPECT_EQ(update.operator_id(), "op-1");
  EXPECT_FALSE(watcher->Read(&update));  // the watch ends once connected
  EXPECT_TRUE(watcher->Finish().ok());

  auto ack = desk.WaitForAnswer(desk.Complete(submitted.contact_id()));
  ASSERT_TRUE(ack && ack->has_ack()) << (ack ? ack->DebugString() : "none");
  auto wrap_up = desk.WaitForKind(v1::DeskEvent::kStateChanged);
  ASSERT_TRUE(wrap_up.has_value());
  EXPECT_EQ(wrap_up->state_changed().state(), v1::OPERATOR_STATE_WRAP_UP);
  EXPECT_GT(wrap_up->state_changed().wrap_up_until_unix_ms(), 0);
  auto current = CurrentState(submitted.contact_id());
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->state(), v1::CONTACT_STATE_WRAP_UP);
  EXPECT_TRUE(desk.Close().ok());
}

TEST_F(EkcdTest, KillNine_AcknowledgedContactsAndOperatorsSurviveTheRestart) {
  StartDaemon();
  std::vector<v1::SubmitContactResponse> acked;
  {
    DeskClient desk(daemon_->Channel());
    ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-7", {"social_support"})));
    for (int i = 0; i < 20; ++i) {
      v1::SubmitContactResponse r;
      ASSERT_TRUE(Submit("k-" + std::to_string(i),
                         "Потеряла работу, нечем платить за квартиру, помогите", &r)
                      .ok());
      acked.push_back(r);
    }
    auto offer = desk.WaitForKind(v1::DeskEvent::kOffer);
    ASSERT_TRUE(offer.has_value());
    ASSERT_TRUE(desk.WaitForAnswer(desk.Accept(offer->offer().contact().contact_id())));
    daemon_->Kill();
  }
  StartDaemon();

  // Every acknowledged contact is there, in the state it had.
  for (const auto& r : acked) {
    auto current = CurrentState(r.contact_id());
    ASSERT_TRUE(current.has_value()) << "contact " << r.contact_id() << " lost";
    EXPECT_EQ(current->queue(), r.queue());
  }
  EXPECT_EQ(CurrentState(acked[0].contact_id())->state(), v1::CONTACT_STATE_CONNECTED);
  EXPECT_EQ(CurrentState(acked[1].contact_id())->state(), v1::CONTACT_STATE_QUEUED);

  // A retry with the same key returns the first answer and creates nothing new.
  v1::SubmitContactResponse again;
  ASSERT_TRUE(Submit("k-5", "Потеряла работу, нечем платить за квартиру, помогите", &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.contact_id(), acked[5].contact_id());
  EXPECT_EQ(again.position(), acked[5].position());
  v1::SubmitContactResponse fresh;
  ASSERT_TRUE(Submit("k-new", "Потеряла работу", &fresh).ok());
  EXPECT_EQ(fresh.contact_id(), acked.back().contact_id() + 1);

  // The operator was busy when ekcd died: logging in again resumes the contact in progress.
  DeskClient desk(daemon_->Channel());
  auto logged_in = desk.WaitForAnswer(desk.Login("op-7", {"social_support"}));
  ASSERT_TRUE(logged_in && logged_in->has_logged_in());
  EXPECT_TRUE(logged_in->logged_in().resumed());
  EXPECT_EQ(logged_in->logged_in().state(), v1::OPERATOR_STATE_BUSY);
  auto assignment = desk.WaitForKind(v1::DeskEvent::kAssignment);
  ASSERT_TRUE(assignment.has_value());
  EXPECT_EQ(assignment->assignment().contact().contact_id(), acked[0].contact_id());

  v1::ServerInfoResponse info;
  ASSERT_TRUE(admin_->ServerInfo(Context().get(), v1::ServerInfoRequest(), &info).ok());
  EXPECT_GT(info.replayed_events(), 20u);
  EXPECT_TRUE(info.writable());
}

TEST_F(EkcdTest, Submit_EmptyTextWithoutIvrChoiceIsInvalidArgumentNamingText) {
  StartDaemon();
  v1::SubmitContactResponse r;
  grpc::Status s = Submit("k", "   ", &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("text"), std::string::npos) << s.error_message();
  // An IVR choice alone is enough.
  EXPECT_TRUE(Submit("k2", "", &r, v1::CHANNEL_VOICE, "1").ok());
}

TEST_F(EkcdTest, Submit_UnknownChannelIsInvalidArgumentNamingChannel) {
  StartDaemon();
  v1::SubmitContactResponse r;
  grpc::Status s = Submit("k", "текст", &r, v1::CHANNEL_UNSPECIFIED);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("channel"), std::string::npos) << s.error_message();
  s = Submit("k", "текст", &r, static_cast<v1::Channel>(42));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EkcdTest, Submit_SameKeyForAnotherRequestIsFailedPrecondition) {
  StartDaemon();
  v1::SubmitContactResponse r;
  ASSERT_TRUE(Submit("same", "Оформить пособие на ребёнка", &r).ok());
  grpc::Status s = Submit("same", "Совсем другой вопрос про ЖКУ", &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("idempotency_key"), std::string::npos);
}

TEST_F(EkcdTest, Accept_OfAnOfferNotHeldIsAnErrorOnTheStreamWhichStaysOpen) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  auto answer = desk.WaitForAnswer(desk.Accept(12345));
  ASSERT_TRUE(answer && answer->has_error());
  EXPECT_EQ(answer->error().code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_NE(answer->error().message().find("accept.contact_id"), std::string::npos)
      << answer->error().message();
  v1::DeskRequest empty;
  auto invalid = desk.WaitForAnswer(desk.Send(empty));
  ASSERT_TRUE(invalid && invalid->has_error());
  EXPECT_EQ(invalid->error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  // Still usable.
  v1::DeskRequest heartbeat;
  heartbeat.mutable_heartbeat();
  auto pong = desk.WaitForAnswer(desk.Send(heartbeat));
  ASSERT_TRUE(pong && pong->has_heartbeat_ack());
}

TEST_F(EkcdTest, Desk_RequestBeforeLoginEndsTheStream) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  auto answer = desk.WaitForAnswer(desk.Accept(1));
  ASSERT_TRUE(answer && answer->has_error());
  auto ended = desk.Ended();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(EkcdTest, Desk_SecondStreamOfTheSameOperatorReplacesTheFirst) {
  StartDaemon();
  DeskClient first(daemon_->Channel());
  ASSERT_TRUE(first.WaitForAnswer(first.Login("op-1", {"family"})));
  DeskClient second(daemon_->Channel());
  auto logged_in = second.WaitForAnswer(second.Login("op-1", {"family"}));
  ASSERT_TRUE(logged_in && logged_in->has_logged_in());
  auto ended = first.Ended();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::ABORTED);
  // The new stream gets the offers.
  v1::SubmitContactResponse r;
  ASSERT_TRUE(Submit("k", "Вопрос про материнский капитал на ипотеку", &r).ok());
  EXPECT_TRUE(second.WaitForKind(v1::DeskEvent::kOffer).has_value());
}

TEST_F(EkcdTest, Desk_HalfCloseStillAnswersTheRequestsInFlight) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  v1::DeskRequest logout;
  logout.mutable_logout();
  const uint64_t id = desk.Send(logout);
  EXPECT_TRUE(desk.Close().ok());  // half-close right after the request
  auto ack = desk.WaitForAnswer(id);
  ASSERT_TRUE(ack.has_value());
  EXPECT_TRUE(ack->has_ack()) << ack->DebugString();
}

TEST_F(EkcdTest, Desk_LoginNotReadySaysWhyTheOperatorIsOnBreak) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  auto logged_in = desk.WaitForAnswer(desk.Login("op-1", {"family"}, /*ready=*/false));
  ASSERT_TRUE(logged_in && logged_in->has_logged_in());
  EXPECT_EQ(logged_in->logged_in().state(), v1::OPERATOR_STATE_BREAK);
  EXPECT_EQ(logged_in->logged_in().break_reason(), "login");
}

TEST_F(EkcdTest, Desk_ChangeStateIsAnsweredOnceAndNotPushedAgain) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  v1::DeskRequest change;
  change.mutable_change_state()->set_state(v1::OPERATOR_STATE_BREAK);
  change.mutable_change_state()->set_break_reason("lunch");
  const uint64_t change_id = desk.Send(change);
  v1::DeskRequest back;
  back.mutable_change_state()->set_state(v1::OPERATOR_STATE_AVAILABLE);
  const uint64_t back_id = desk.Send(back);
  // Everything up to the second answer, in order: two StateChanged, each the answer to its request.
  std::vector<uint64_t> answered;
  auto last = desk.WaitFor([&](const v1::DeskEvent& e) {
    if (e.has_state_changed()) answered.push_back(e.request_id());
    return e.request_id() == back_id;
  });
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(answered, (std::vector<uint64_t>{change_id, back_id}));
}

TEST_F(EkcdTest, Sigterm_TellsOpenDesksWhyTheirStreamEnds) {
  StartDaemon();
  DeskClient desk(daemon_->Channel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
  ASSERT_EQ(daemon_->Stop(), 0);
  auto error = desk.WaitForKind(v1::DeskEvent::kError);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error().code(), static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_NE(error->error().message().find("stopping"), std::string::npos);
  auto ended = desk.Ended();
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(EkcdTest, Desk_BrokenStreamPutsTheOfferBackInLine) {
  StartDaemon();
  v1::SubmitContactResponse r;
  {
    DeskClient desk(daemon_->Channel());
    ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-1", {"family"})));
    ASSERT_TRUE(Submit("k", "Многодетная семья, как получить удостоверение?", &r).ok());
    ASSERT_TRUE(desk.WaitForKind(v1::DeskEvent::kOffer).has_value());
  }  // the client vanishes: its call is cancelled
  // Bounded wait for the server to notice and put the contact back in line.
  std::optional<v1::ContactUpdate> current;
  for (int i = 0; i < 200; ++i) {
    current = CurrentState(r.contact_id());
    if (current && current->state() == v1::CONTACT_STATE_QUEUED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->state(), v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(current->position(), 1u);
}

TEST_F(EkcdTest, Cancel_UnknownContactIsNotFoundAndAQueuedOneIsAbandoned) {
  StartDaemon();
  v1::CancelContactRequest c;
  c.set_contact_id(999);
  v1::CancelContactResponse out;
  EXPECT_EQ(intake_->CancelContact(Context().get(), c, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::SubmitContactResponse r;
  ASSERT_TRUE(Submit("k", "Нужна справка о составе семьи", &r).ok());
  c.set_contact_id(r.contact_id());
  ASSERT_TRUE(intake_->CancelContact(Context().get(), c, &out).ok());
  EXPECT_EQ(out.state(), v1::CONTACT_STATE_ABANDONED);
}

TEST_F(EkcdTest, Classify_ExplainsWithoutSubmitting) {
  StartDaemon();
  v1::ClassifyRequest c;
  c.set_text("Муж избивает меня и детей, боюсь идти домой");
  v1::ClassifyResponse out;
  ASSERT_TRUE(admin_->Classify(Context().get(), c, &out).ok());
  ASSERT_GT(out.classification().situations_size(), 0);
  EXPECT_EQ(out.classification().priority(), v1::PRIORITY_URGENT);
  EXPECT_EQ(out.queue(), "crisis");
  v1::ServerInfoResponse info;
  ASSERT_TRUE(admin_->ServerInfo(Context().get(), v1::ServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.contacts_waiting(), 0u);
  EXPECT_EQ(info.situations(), 25u);
}

// Generic gRPC tools rely on the standard health service and on reflection.
TEST_F(EkcdTest, HealthAndReflection_AnswerGenericClients) {
  StartDaemon();
  grpc::GenericStub generic(daemon_->Channel());
  // grpc.health.v1.Health/Check with an empty request: the answer is {status: SERVING} = 08 01.
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    grpc::Slice empty("");  // an empty HealthCheckRequest: all services
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
    generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        std::lock_guard lock(mu);
                        status = s;
                        done = true;
                        cv.notify_all();
                      });
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kCallTimeout, [&] { return done; }));
    ASSERT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  }
  // ServerReflectionInfo {list_services: ""} lists the four ekc services.
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    grpc::CompletionQueue cq;
    auto call = generic.PrepareCall(
        &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    void* tag = nullptr;
    bool ok = false;
    call->StartCall(reinterpret_cast<void*>(1));
    ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
    const std::string list_services("\x3a\x00", 2);  // field 7 (list_services), empty string
    grpc::Slice slice(list_services);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, reinterpret_cast<void*>(2));
    ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(3));
    ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    for (const char* service :
         {"ekc.v1.ContactIntake", "ekc.v1.OperatorDesk", "ekc.v1.Supervision", "ekc.v1.Admin"}) {
      EXPECT_NE(bytes.find(service), std::string::npos) << service;
    }
    context.TryCancel();
    grpc::Status finish;
    call->Finish(&finish, reinterpret_cast<void*>(4));
    while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  }
}

TEST_F(EkcdTest, Sigterm_StopsCleanlyAndTheNextStartReplays) {
  StartDaemon();
  v1::SubmitContactResponse r;
  ASSERT_TRUE(Submit("k", "Вопрос о детском саде", &r).ok());
  EXPECT_EQ(daemon_->Stop(), 0);
  StartDaemon();
  EXPECT_NE(daemon_->ready_line().find("events replayed"), std::string::npos);
  auto current = CurrentState(r.contact_id());
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->state(), v1::CONTACT_STATE_QUEUED);
}

}  // namespace
}  // namespace ekc::testing
