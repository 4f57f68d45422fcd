// The routing core's behaviour, one rule per test, on a virtual clock.

#include <gtest/gtest.h>

#include "router/names.h"
#include "tests/router/router_driver.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;
using testing::RouterDriver;

int CountEvents(const std::vector<v1::EventRecord>& events, v1::EventRecord::EventCase kind) {
  int n = 0;
  for (const auto& e : events) n += e.event_case() == kind;
  return n;
}

TEST(Submit, QueuesContactInTheQueueOfItsSituation) {
  RouterDriver d;
  auto r = d.Submit("k1", {"child_birth"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.contact.value(), 1u);
  const Contact& c = d.contact(1);
  EXPECT_EQ(c.state, v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(c.queue(), "family");
  EXPECT_EQ(c.required_skills, std::vector<std::string>{"family"});
  EXPECT_EQ(c.initial_position, 1u);
  EXPECT_EQ(d.state().PositionOf(c), 1u);
}

TEST(StoredCard, GivesTheCardBackAsReceivedWithItsQueuePriorityAndCallbackRefNow) {
  v1::ContactCard card;
  card.set_contact_id(7);
  card.set_channel(v1::CHANNEL_CHAT);
  card.set_citizen_ref("c-1");
  card.set_region("77");
  card.set_office("smfc-3");
  card.set_text("Здравствуйте! Муж потерял работу.");
  card.set_ivr_choice("2");
  (*card.mutable_attributes())["lang"] = "ru";
  card.mutable_classification()->add_situations()->set_code("job_loss");
  card.set_priority(v1::PRIORITY_NORMAL);
  card.set_queue("family");
  card.set_received_unix_ms(1'700'000'000'000);

  StoredCard stored(card);
  EXPECT_EQ(stored.ToProto().SerializeAsString(), card.SerializeAsString());
  EXPECT_EQ(stored.classification().situations(0).code(), "job_loss");
  EXPECT_EQ(stored.region(), "77");
  EXPECT_EQ(stored.office(), "smfc-3");

  stored.set_queue("general");
  stored.set_priority(v1::PRIORITY_HIGH);
  stored.set_callback_ref("+7 900 000-00-00");
  card.set_queue("general");
  card.set_priority(v1::PRIORITY_HIGH);
  card.set_callback_ref("+7 900 000-00-00");
  EXPECT_EQ(stored.callback_ref(), "+7 900 000-00-00");
  EXPECT_EQ(stored.ToProto().SerializeAsString(), card.SerializeAsString());
}

TEST(Submit, ContactsOfAQueueShareOneSkillSet) {
  RouterDriver d;
  d.Submit("k1", {"child_birth"});
  d.Submit("k2", {"child_birth"});
  EXPECT_EQ(&d.contact(1).required_skills.names(), &d.contact(2).required_skills.names());
}

TEST(Submit, NoSituationGoesToTheDefaultQueue) {
  RouterDriver d;
  d.Submit("k1");
  EXPECT_EQ(d.contact(1).queue(), "general");
}

TEST(Submit, UrgentGoesToTheUrgentQueueWhateverItsSituation) {
  RouterDriver d;
  d.Submit("k1", {"child_birth"}, v1::PRIORITY_URGENT);
  EXPECT_EQ(d.contact(1).queue(), "crisis");
  EXPECT_EQ(d.contact(1).priority(), v1::PRIORITY_URGENT);
}

TEST(Submit, SameIdempotencyKeyReturnsTheFirstContactAndCreatesNothing) {
  RouterDriver d;
  d.Submit("k1", {"child_birth"});
  const size_t events = d.log.size();
  auto again = d.Submit("k1", {"child_birth"});
  ASSERT_TRUE(again.status.ok());
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.contact.value(), 1u);
  EXPECT_EQ(d.log.size(), events);
  EXPECT_EQ(d.state().contacts().size(), 1u);
}

TEST(Submit, IdempotencyKeyReusedForAnotherRequestIsFailedPrecondition) {
  RouterDriver d;
  d.Submit("k1");
  command::Submit other{.idempotency_key = "k1", .request_fingerprint = 42, .text = "другой текст"};
  auto r = d.Run(other);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status.message().find("idempotency_key"), std::string_view::npos);
}

TEST(Submit, FullQueueIsResourceExhaustedNamingQueueAndLimit) {
  RouterDriver d;  // family queue: waiting_max 3
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(d.Submit("k" + std::to_string(i), {"large_family"}).status.ok());
  auto r = d.Submit("k4", {"large_family"});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status.message().find("family"), std::string_view::npos);
  EXPECT_NE(r.status.message().find("3"), std::string_view::npos);
  EXPECT_TRUE(r.events.empty());
}

TEST(Submit, PositionCountsHigherAndEqualPriorityAhead) {
  RouterDriver d;
  d.Submit("a", {}, v1::PRIORITY_LOW);
  d.Submit("b", {}, v1::PRIORITY_NORMAL);
  d.Submit("c", {}, v1::PRIORITY_HIGH);
  d.Submit("d", {}, v1::PRIORITY_NORMAL);
  EXPECT_EQ(d.contact(4).initial_position, 3u);       // behind c (high) and b (normal, older)
  EXPECT_EQ(d.state().PositionOf(d.contact(1)), 4u);  // low waits behind everyone
}

TEST(Submit, EstimatedWaitUsesPositionAndStaffedOperators) {
  RouterDriver d;
  d.Login("op1", {}, /*ready=*/false);
  d.Login("op2", {}, /*ready=*/false);
  d.Submit("a");
  d.Submit("b");
  // Two staffed operators, none idle, expected handle time 300 s: the second contact waits ~300 s.
  EXPECT_EQ(d.contact(2).initial_estimated_wait_s, 300u);
  EXPECT_EQ(d.contact(1).initial_estimated_wait_s, 150u);
}

TEST(Offer, GoesToTheLongestIdleOperatorWithTheSkill) {
  RouterDriver d;
  d.Login("novice", {"family"});
  d.now_unix_ms += 1000;
  d.Login("veteran", {"family"});
  d.now_unix_ms += 1000;
  d.Login("other", {"crisis"});
  d.Submit("k1", {"child_birth"});
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);
  EXPECT_EQ(d.contact(1).operator_id.value(), "novice");  // idle longest
  EXPECT_EQ(d.op("novice").offered_contact.value(), 1u);
}

TEST(Offer, SkipsOperatorsWithoutTheSkill) {
  RouterDriver d;
  d.Login("crisis-only", {"crisis"});
  d.Submit("k1", {"child_birth"});
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Login("family", {"family"});
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);
  EXPECT_EQ(d.contact(1).operator_id.value(), "family");
}

TEST(Offer, UrgentFirstThenOldestFirst) {
  RouterDriver d;
  d.Submit("old-normal", {}, v1::PRIORITY_NORMAL);
  d.now_unix_ms += 1000;
  d.Submit("new-normal", {}, v1::PRIORITY_NORMAL);
  d.Submit("high", {}, v1::PRIORITY_HIGH);
  d.Login("op1");
  EXPECT_EQ(d.contact(3).state, v1::CONTACT_STATE_OFFERED);  // high before the older normal ones
  d.Accept("op1", 3);
  d.Login("op2");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);  // then the oldest
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);
}

TEST(Offer, ReasonSaysWhyThisOperator) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.now_unix_ms += 12'000;
  d.Submit("k1", {"child_birth"});
  const auto& e = d.log.back();
  ASSERT_EQ(e.event_case(), v1::EventRecord::kContactOffered);
  EXPECT_EQ(e.contact_offered().reason().strategy(), "longest_idle");
  EXPECT_EQ(e.contact_offered().reason().idle_ms(), 12'000);
  EXPECT_EQ(e.contact_offered().deadline_unix_ms(), d.now_unix_ms + 15'000);
  EXPECT_NE(e.contact_offered().reason().summary().find("family"), std::string::npos);
}

TEST(OfferTimeout, RevokesAndReoffersToTheNextOperator) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.now_unix_ms += 1000;
  d.Login("op2", {"family"});
  d.Submit("k1", {"child_birth"});
  ASSERT_EQ(d.contact(1).operator_id.value(), "op1");
  d.Advance(14'999);
  EXPECT_EQ(d.contact(1).operator_id.value(), "op1");  // not yet
  auto r = d.Advance(1);
  EXPECT_EQ(CountEvents(r.events, v1::EventRecord::kOfferRevoked), 1);
  EXPECT_EQ(r.events.front().offer_revoked().reason(), v1::REVOKE_REASON_TIMEOUT);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);
  EXPECT_EQ(d.contact(1).operator_id.value(), "op2");
  EXPECT_EQ(d.op("op1").offered_contact.value(), 0u);
}

TEST(OfferTimeout, SameOperatorGetsItAgainOnlyAfterTheReofferDelay) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.Submit("k1", {"child_birth"});
  d.Advance(15'000);  // timeout: nobody else can take it
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(d.state().NextWakeUp(d.now_unix_ms), d.now_unix_ms + 30'000);
  d.Advance(29'999);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Advance(1);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);
  EXPECT_EQ(d.contact(1).offers, 2u);
}

TEST(Decline, ReoffersToTheNextOperator) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.now_unix_ms += 1000;
  d.Login("op2", {"family"});
  d.Submit("k1", {"child_birth"});
  auto r = d.Decline("op1", 1);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.events.front().offer_revoked().reason(), v1::REVOKE_REASON_DECLINED);
  EXPECT_EQ(r.events.front().offer_revoked().note(), "busy");
  EXPECT_EQ(d.contact(1).operator_id.value(), "op2");
}

TEST(Decline, KeepsTheContactsPlaceInLine) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("first");
  d.Submit("second");
  d.Decline("op1", 1);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(d.state().PositionOf(d.contact(1)), 1u);   // still ahead of the newer contact
  EXPECT_EQ(d.contact(2).operator_id.value(), "op1");  // op1 is free and gets the next one
}

TEST(Accept, ConnectsAndMakesTheOperatorBusy) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  auto r = d.Accept("op1", 1);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CONNECTED);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BUSY);
  EXPECT_EQ(d.op("op1").active, std::vector<ContactId>{ContactId(1)});
  d.Advance(60'000);  // the offer timeout no longer applies
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CONNECTED);
}

TEST(Accept, OfAnOfferNotHeldIsFailedPreconditionNamingTheField) {
  RouterDriver d;
  d.Login("op1");
  d.Login("op2");
  d.Submit("k1");
  const std::string holder = d.contact(1).operator_id.value();
  const std::string other = holder == "op1" ? "op2" : "op1";
  auto r = d.Accept(other, 1);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status.message().find("accept.contact_id"), std::string_view::npos);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(d.Accept(holder, 99).status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Accept, ByAnOperatorNotLoggedInIsFailedPrecondition) {
  RouterDriver d;
  d.Submit("k1");
  EXPECT_EQ(d.Accept("ghost", 1).status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Complete, WrapUpThenAvailableAfterTheQueuesWrapUpTime) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.Submit("k1", {"child_birth"});
  d.Accept("op1", 1);
  d.now_unix_ms += 120'000;
  ASSERT_TRUE(d.Complete("op1", 1).status.ok());
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_WRAP_UP);
  EXPECT_EQ(d.contact(1).outcome_code, "consulted");
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_WRAP_UP);
  d.Advance(9'999);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_WRAP_UP);
  d.Advance(1);  // family wrap-up: 10 s
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_AVAILABLE);
  EXPECT_EQ(d.state().FindQueue("family")->completed, 1u);
  EXPECT_EQ(d.state().FindQueue("family")->handle_ms_total, 130'000);
}

TEST(Complete, ZeroWrapUpMakesTheOperatorAvailableAtOnce) {
  RouterDriver d;
  d.Login("op1", {"crisis"});
  d.Submit("k1", {"domestic_violence"}, v1::PRIORITY_URGENT);
  d.Accept("op1", 1);
  d.Complete("op1", 1);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_AVAILABLE);
}

TEST(Complete, TheNextContactIsOfferedWhenWrapUpEnds) {
  RouterDriver d;
  d.Login("op1", {"family"});
  d.Submit("k1", {"child_birth"});
  d.Submit("k2", {"child_birth"});
  d.Accept("op1", 1);
  d.Complete("op1", 1);
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);
  d.Advance(10'000);
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_OFFERED);
}

TEST(Complete, OfAContactNotConnectedIsFailedPrecondition) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  auto r = d.Complete("op1", 1);  // offered, not accepted
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status.message().find("complete.contact_id"), std::string_view::npos);
}

TEST(Cancel, QueuedContactIsAbandoned) {
  RouterDriver d;
  d.Submit("k1");
  d.now_unix_ms += 7000;
  auto r = d.Cancel(1);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_ABANDONED);
  EXPECT_EQ(r.events.back().contact_abandoned().waited_ms(), 7000);
  EXPECT_EQ(d.state().WaitingCount(), 0u);
}

TEST(Cancel, OfferedContactWithdrawsTheOffer) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  auto r = d.Cancel(1);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].offer_revoked().reason(), v1::REVOKE_REASON_CONTACT_CANCELLED);
  EXPECT_TRUE(r.events[1].has_contact_abandoned());
  EXPECT_EQ(d.op("op1").offered_contact.value(), 0u);
  EXPECT_TRUE(d.op("op1").Ready());
}

TEST(Cancel, TwiceIsNotAnError) {
  RouterDriver d;
  d.Submit("k1");
  d.Cancel(1);
  auto r = d.Cancel(1);
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.events.empty());
}

TEST(Cancel, ConnectedContactIsFailedPrecondition) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  EXPECT_EQ(d.Cancel(1).status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Cancel, UnknownContactIsNotFound) {
  RouterDriver d;
  EXPECT_EQ(d.Cancel(5).status.code(), absl::StatusCode::kNotFound);
}

TEST(ChangeState, BreakWithdrawsAnOutstandingOffer) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  auto r = d.Run(command::ChangeState{OperatorId("op1"), v1::OPERATOR_STATE_BREAK, "lunch"});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events[0].offer_revoked().reason(), v1::REVOKE_REASON_OPERATOR_UNAVAILABLE);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BREAK);
  EXPECT_EQ(d.op("op1").break_reason, "lunch");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
}

TEST(ChangeState, BreakWhileBusyShowsWhenTheConversationEndsAndStopsNewOffers) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  auto r = d.Run(command::ChangeState{OperatorId("op1"), v1::OPERATOR_STATE_BREAK, "lunch"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BUSY);  // still talking
  d.Complete("op1", 1);
  d.Submit("k2");
  d.Advance(30'000);  // the wrap-up ends
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BREAK);
  EXPECT_EQ(d.op("op1").break_reason, "lunch");
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);  // no offer on a break
}

TEST(ChangeState, DuringWrapUpEndsTheWrapUp) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  d.Complete("op1", 1);
  auto r = d.Run(command::ChangeState{OperatorId("op1"), v1::OPERATOR_STATE_BREAK, "coffee"});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BREAK);
}

TEST(ChangeState, ToBusyIsInvalidArgument) {
  RouterDriver d;
  d.Login("op1");
  auto r = d.Run(command::ChangeState{OperatorId("op1"), v1::OPERATOR_STATE_BUSY, ""});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("change_state.state"), std::string_view::npos);
}

TEST(Login, NotReadyStartsOnBreak) {
  RouterDriver d;
  d.Login("op1", {}, /*ready=*/false);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BREAK);
  d.Submit("k1");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Run(command::ChangeState{OperatorId("op1"), v1::OPERATOR_STATE_AVAILABLE, ""});
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_OFFERED);
}

TEST(Login, DefaultsProficiencyAndSortsSkills) {
  RouterDriver d;
  d.Login("op1", {"zeta", "alpha", "zeta"});
  ASSERT_EQ(d.op("op1").skills.size(), 2u);
  EXPECT_EQ(d.op("op1").skills[0].name(), "alpha");
  EXPECT_EQ(d.op("op1").skills[0].proficiency(), 5u);
}

TEST(Logout, WhileBusyIsFailedPreconditionAndOtherwiseGoesOffline) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  EXPECT_EQ(d.Run(command::Logout{OperatorId("op1"), ""}).status.code(),
            absl::StatusCode::kFailedPrecondition);
  d.Complete("op1", 1);
  ASSERT_TRUE(d.Run(command::Logout{OperatorId("op1"), ""}).status.ok());
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_OFFLINE);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
}

TEST(ConnectionLost, WithdrawsTheOfferAndLogsOutAfterTheGracePeriod) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  auto r = d.Run(command::ConnectionLost{OperatorId("op1")});
  EXPECT_EQ(r.events[0].offer_revoked().reason(), v1::REVOKE_REASON_CONNECTION_LOST);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_FALSE(d.op("op1").connected);
  EXPECT_EQ(d.op("op1").shown,
            v1::OPERATOR_STATE_AVAILABLE);  // still logged in, but gets no offers
  d.Advance(60'000);
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_OFFLINE);
}

TEST(ConnectionLost, LoginWithinTheGracePeriodResumesTheContactInProgress) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  d.Run(command::ConnectionLost{OperatorId("op1")});
  d.Advance(30'000);
  auto r = d.Login("op1");
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.events[0].operator_logged_in().resumed());
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BUSY);
  EXPECT_EQ(d.op("op1").active, std::vector<ContactId>{ContactId(1)});
  d.Advance(60'000);  // the grace timer was cancelled
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_BUSY);
}

TEST(ConnectionLost, GraceEndClosesAContactInProgress) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  d.Accept("op1", 1);
  d.Run(command::ConnectionLost{OperatorId("op1")});
  d.Advance(60'000);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
  EXPECT_EQ(d.contact(1).outcome_code, "connection_lost");
  EXPECT_EQ(d.op("op1").shown, v1::OPERATOR_STATE_OFFLINE);
}

TEST(Recover, EveryConnectedOperatorLosesTheirStream) {
  RouterDriver d;
  d.Login("op1");
  d.Login("op2");
  d.Submit("k1");
  auto r = d.Run(command::Recover{});
  EXPECT_EQ(CountEvents(r.events, v1::EventRecord::kOperatorConnectionLost), 2);
  EXPECT_EQ(CountEvents(r.events, v1::EventRecord::kOfferRevoked), 1);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_TRUE(d.state().ready_operators().empty());
}

TEST(Clock, TimeNeverGoesBackwards) {
  RouterDriver d;
  d.Submit("k1");
  d.now_unix_ms -= 5000;
  auto r = d.Submit("k2");
  EXPECT_EQ(r.events[0].time_unix_ms(), d.now_unix_ms + 5000);
  EXPECT_EQ(d.state().last_time_unix_ms(), d.now_unix_ms + 5000);
}

TEST(Events, CarryContiguousSequencesActorAndSubject) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  ASSERT_EQ(d.log.size(), 3u);  // logged in, received, offered
  for (size_t i = 0; i < d.log.size(); ++i) EXPECT_EQ(d.log[i].sequence(), i + 1);
  EXPECT_EQ(d.log[0].actor().kind(), v1::ACTOR_KIND_OPERATOR);
  EXPECT_EQ(d.log[1].actor().kind(), v1::ACTOR_KIND_INTAKE);
  EXPECT_EQ(d.log[2].actor().kind(), v1::ACTOR_KIND_SYSTEM);
  EXPECT_EQ(d.log[2].contact_id(), 1u);
  EXPECT_EQ(d.log[2].operator_id(), "op1");
}

TEST(Replay, RefusesAnEventThatDoesNotContinueTheSequence) {
  Router r(testing::TwoQueueConfig());
  v1::EventRecord e;
  e.set_sequence(2);
  e.mutable_operator_logged_out();
  EXPECT_EQ(r.Replay(e).code(), absl::StatusCode::kDataLoss);
  e.set_sequence(1);
  e.clear_event();
  EXPECT_EQ(r.Replay(e).code(), absl::StatusCode::kDataLoss);
}

// ---- forgetting ended contacts ------------------------------------------------------------------

constexpr int64_t kHour = 3'600'000;

RouterConfig KeepEndedOneHour() {
  RouterConfig config = testing::TwoQueueConfig();
  config.keep_ended_contacts_ms = kHour;
  return config;
}

uint32_t ForgottenIn(const ExecuteResult& r) {
  uint32_t n = 0;
  for (const auto& e : r.events) n += e.contacts_forgotten().count();
  return n;
}

TEST(ContactsForgotten, EndedContactsLeaveTheStateOnceKeptLongEnough) {
  RouterDriver d(KeepEndedOneHour());
  d.Submit("k1");
  d.Cancel(1);  // abandoned now
  d.Submit("k2");
  // Forgetting goes in batches: not before the oldest is a 24th of the keep time past it.
  EXPECT_EQ(ForgottenIn(d.Advance(kHour + kHour / 24)), 0u);
  EXPECT_NE(d.state().FindContact(ContactId(1)), nullptr);
  ExecuteResult r = d.Advance(1);
  ASSERT_EQ(ForgottenIn(r), 1u);
  const v1::EventRecord& e = r.events.back();
  EXPECT_EQ(e.contacts_forgotten().ended_before_unix_ms(), d.now_unix_ms - kHour);
  EXPECT_EQ(e.contact_id(), 0u);
  EXPECT_EQ(d.state().FindContact(ContactId(1)), nullptr);
  EXPECT_EQ(d.state().OldestEndedUnixMs(), 0);
  // The waiting contact stays however long it waits.
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(ForgottenIn(d.Advance(10 * kHour)), 0u);
  EXPECT_NE(d.state().FindContact(ContactId(2)), nullptr);
}

TEST(ContactsForgotten, CompletedContactsAreForgottenAndConnectedOnesKept) {
  RouterDriver d(KeepEndedOneHour());
  d.Login("op1");
  d.Login("op2");
  d.Submit("k1");
  d.Submit("k2");
  d.Accept(d.contact(1).operator_id.value(), 1);
  d.Accept(d.contact(2).operator_id.value(), 2);
  d.Complete(d.contact(1).operator_id.value(), 1);
  d.Advance(60'000);  // wrap-up ends: contact 1 completed
  ASSERT_EQ(d.contact(1).state, v1::CONTACT_STATE_COMPLETED);
  EXPECT_EQ(ForgottenIn(d.Advance(2 * kHour)), 1u);
  EXPECT_EQ(d.state().FindContact(ContactId(1)), nullptr);
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_CONNECTED);  // a long conversation is kept
}

TEST(ContactsForgotten, TheIdempotencyKeyOfAForgottenContactStartsANewContact) {
  RouterDriver d(KeepEndedOneHour());
  d.Submit("k1");
  d.Cancel(1);
  d.Advance(2 * kHour);
  ASSERT_EQ(d.state().FindContact(ContactId(1)), nullptr);
  EXPECT_FALSE(d.state().FindByIdempotencyKey("k1").has_value());
  ExecuteResult again = d.Submit("k1");
  ASSERT_TRUE(again.status.ok());
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(again.contact.value(), 2u);  // ids are never reused
}

TEST(ContactsForgotten, AskingForAForgottenContactIsNotFoundSayingItIsNoLongerKept) {
  RouterDriver d(KeepEndedOneHour());
  d.Submit("k1");
  d.Cancel(1);
  d.Advance(2 * kHour);
  ExecuteResult r = d.Cancel(1);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status.message().find("no longer kept"), std::string::npos) << r.status;
  const absl::Status unknown = d.Cancel(99).status;
  EXPECT_NE(unknown.message().find("no contact 99"), std::string::npos) << unknown;
}

TEST(ContactsForgotten, ReplayAndSnapshotsGiveTheSameState) {
  RouterDriver d(KeepEndedOneHour());
  d.Login("op1");
  for (int i = 0; i < 6; ++i) {
    d.Submit("k" + std::to_string(i));
    if (i % 2 == 0) d.Cancel(d.state().next_contact_id().value() - 1);
    d.Advance(kHour / 2);
  }
  uint32_t forgotten = 0;
  for (const auto& e : d.log) forgotten += e.contacts_forgotten().count();
  ASSERT_GT(forgotten, 0u);
  Router replayed(KeepEndedOneHour());
  for (const auto& e : d.log) ASSERT_TRUE(replayed.Replay(e).ok());
  EXPECT_EQ(replayed.state().StateHash(), d.state().StateHash());
  absl::StatusOr<RouterState> restored = RouterState::FromSnapshot(d.state().ToSnapshot());
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->StateHash(), d.state().StateHash());
  EXPECT_EQ(restored->OldestEndedUnixMs(), d.state().OldestEndedUnixMs());
  EXPECT_TRUE(CheckInvariants(*restored).ok());
}

}  // namespace
}  // namespace ekc::router
