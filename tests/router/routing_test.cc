// The routing model: strategies, capacities, no-answer, aging, bullseye escalation, callbacks,
// transfers, supervisor actions, overflow and the estimated wait.

#include <gtest/gtest.h>

#include "router/names.h"
#include "tests/router/router_driver.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;
using testing::RouterDriver;

RouterConfig OneQueue(QueueConfig q, RouterConfig base = {}) {
  base.queues = {std::move(q)};
  base.default_queue = base.queues[0].name;
  return base;
}

ExecuteResult LoginWith(RouterDriver& d, const std::string& id,
                        std::vector<std::pair<std::string, uint32_t>> skills,
                        std::vector<std::pair<v1::Channel, uint32_t>> channels = {},
                        std::string office = "", std::string region = "") {
  command::Login l{
      .operator_id = OperatorId(id), .office = office, .region = region, .ready = true};
  for (const auto& [name, proficiency] : skills) {
    v1::Skill s;
    s.set_name(name);
    s.set_proficiency(proficiency);
    l.skills.push_back(s);
  }
  for (const auto& [channel, capacity] : channels) {
    v1::ChannelCapacity c;
    c.set_channel(channel);
    c.set_capacity(capacity);
    l.channels.push_back(c);
  }
  return d.Run(std::move(l), v1::ACTOR_KIND_OPERATOR);
}

ExecuteResult SubmitFrom(RouterDriver& d, const std::string& key, const std::string& office,
                         const std::string& region, v1::Channel channel = v1::CHANNEL_VOICE,
                         v1::Priority priority = v1::PRIORITY_NORMAL) {
  command::Submit s{.idempotency_key = key,
                    .request_fingerprint = 1,
                    .channel = channel,
                    .region = region,
                    .office = office};
  s.classification.set_priority(priority);
  return d.Run(std::move(s), v1::ACTOR_KIND_INTAKE);
}

std::string OfferedTo(const RouterDriver& d, uint64_t contact) {
  const Contact& c = d.contact(contact);
  return c.state == v1::CONTACT_STATE_OFFERED ? c.operator_id.value() : "";
}

// ---- strategies ---------------------------------------------------------------------------------

TEST(Strategy, MostSkilledPicksTheHighestProficiency) {
  RouterDriver d(
      OneQueue({.name = "q", .skills = {"family"}, .strategy = SelectionStrategy::kMostSkilled}));
  LoginWith(d, "novice", {{"family", 3}});
  LoginWith(d, "expert", {{"family", 9}});
  LoginWith(d, "middle", {{"family", 6}});
  d.Submit("k");
  EXPECT_EQ(OfferedTo(d, 1), "expert");
  EXPECT_NE(d.log.back().contact_offered().reason().summary().find("most skilled (proficiency 9)"),
            std::string::npos);
}

TEST(Strategy, LeastOccupiedPicksTheOperatorWithFewestChats) {
  RouterDriver d(OneQueue({.name = "q", .strategy = SelectionStrategy::kLeastOccupied}));
  LoginWith(d, "a", {}, {{v1::CHANNEL_CHAT, 3}});
  d.now_unix_ms += 1000;
  LoginWith(d, "b", {}, {{v1::CHANNEL_CHAT, 3}});
  d.Submit("k1", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  ASSERT_EQ(OfferedTo(d, 1), "a");  // longest idle breaks the tie
  d.Accept("a", 1);
  d.Submit("k2", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  EXPECT_EQ(OfferedTo(d, 2), "b");  // a has one chat, b none
}

TEST(Strategy, RoundRobinTakesTurnsInIdOrder) {
  RouterDriver d(
      OneQueue({.name = "q", .wrap_up_ms = 0, .strategy = SelectionStrategy::kRoundRobin}));
  LoginWith(d, "op-c", {});
  LoginWith(d, "op-a", {});
  LoginWith(d, "op-b", {});
  std::vector<std::string> got;
  for (int i = 1; i <= 4; ++i) {
    d.Submit("k" + std::to_string(i));
    got.push_back(OfferedTo(d, i));
    d.Accept(got.back(), i);
    d.Complete(got.back(), i);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"op-a", "op-b", "op-c", "op-a"}));
}

// ---- capacity -----------------------------------------------------------------------------------

TEST(Capacity, AChatOperatorHoldsSeveralChatsUpToTheirCapacity) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "op", {}, {{v1::CHANNEL_CHAT, 2}});
  for (int i = 1; i <= 3; ++i) {
    d.Submit("k" + std::to_string(i), {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
    if (OfferedTo(d, i) == "op") d.Accept("op", i);
  }
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CONNECTED);
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_CONNECTED);
  EXPECT_EQ(d.contact(3).state, v1::CONTACT_STATE_QUEUED);  // full
  EXPECT_EQ(d.op("op").shown, v1::OPERATOR_STATE_BUSY);
  d.Complete("op", 1);
  d.Advance(30'000);  // the wrap-up frees a slot
  EXPECT_EQ(OfferedTo(d, 3), "op");
}

TEST(Capacity, NoChatDuringAVoiceConversationUnlessConfigured) {
  RouterConfig strict = OneQueue({.name = "q"});
  RouterDriver d(strict);
  LoginWith(d, "op", {}, {{v1::CHANNEL_VOICE, 1}, {v1::CHANNEL_CHAT, 3}});
  d.Submit("call");
  d.Accept("op", 1);
  d.Submit("chat", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);

  RouterConfig blended = strict;
  blended.chat_during_voice = true;
  RouterDriver b(blended);
  LoginWith(b, "op", {}, {{v1::CHANNEL_VOICE, 1}, {v1::CHANNEL_CHAT, 3}});
  b.Submit("call");
  b.Accept("op", 1);
  b.Submit("chat", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  EXPECT_EQ(OfferedTo(b, 2), "op");
}

TEST(Capacity, NoCallWhileChatsAreOpen) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "op", {}, {{v1::CHANNEL_VOICE, 1}, {v1::CHANNEL_CHAT, 3}});
  d.Submit("chat", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  d.Accept("op", 1);
  d.Submit("call");
  EXPECT_EQ(d.contact(2).state, v1::CONTACT_STATE_QUEUED);
}

TEST(Capacity, AnOperatorWithoutTheChannelGetsNoneOfIt) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "voice-only", {}, {{v1::CHANNEL_VOICE, 1}});
  d.Submit("chat", {}, v1::PRIORITY_NORMAL, v1::CHANNEL_CHAT);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
}

// ---- no answer ----------------------------------------------------------------------------------

TEST(NoAnswer, AfterKMissesInARowTheOperatorIsNotRespondingUntilTheyReturn) {
  RouterConfig config = OneQueue({.name = "q", .offer_timeout_ms = 10'000, .reoffer_delay_ms = 0});
  config.not_responding_after_misses = 2;
  RouterDriver d(config);
  LoginWith(d, "away", {});
  d.Submit("k");
  d.Advance(10'000);  // miss 1: offered again at once (no reoffer delay)
  EXPECT_EQ(d.op("away").shown, v1::OPERATOR_STATE_AVAILABLE);
  EXPECT_EQ(OfferedTo(d, 1), "away");
  d.Advance(10'000);  // miss 2
  EXPECT_EQ(d.op("away").shown, v1::OPERATOR_STATE_NOT_RESPONDING);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Advance(60'000);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);  // no offers while not responding
  d.Run(command::ChangeState{OperatorId("away"), v1::OPERATOR_STATE_AVAILABLE, ""});
  EXPECT_EQ(OfferedTo(d, 1), "away");
  EXPECT_EQ(d.op("away").consecutive_misses, 0u);
}

TEST(NoAnswer, AnAcceptResetsTheCount) {
  RouterConfig config =
      OneQueue({.name = "q", .offer_timeout_ms = 10'000, .wrap_up_ms = 0, .reoffer_delay_ms = 0});
  config.not_responding_after_misses = 2;
  RouterDriver d(config);
  LoginWith(d, "op", {});
  d.Submit("k1");
  d.Advance(10'000);  // one miss
  d.Accept("op", 1);
  d.Complete("op", 1);
  d.Submit("k2");
  d.Advance(10'000);  // one miss again, not two in a row
  EXPECT_EQ(d.op("op").shown, v1::OPERATOR_STATE_AVAILABLE);
}

TEST(NoAnswer, DeclinesDoNotMakeAnOperatorNotResponding) {
  RouterConfig config = OneQueue({.name = "q", .reoffer_delay_ms = 0});
  config.not_responding_after_misses = 1;
  RouterDriver d(config);
  LoginWith(d, "op", {});
  d.Submit("k");
  d.Decline("op", 1);
  EXPECT_EQ(d.op("op").presence, v1::OPERATOR_STATE_AVAILABLE);
}

// ---- order of service ---------------------------------------------------------------------------

TEST(Aging, ALowPriorityContactThatWaitedLongEnoughGoesAheadOfANewNormalOne) {
  RouterConfig config = OneQueue({.name = "q"});
  config.priority_aging_ms = 60'000;  // a level is worth a minute
  RouterDriver d(config);
  d.Submit("old-low", {}, v1::PRIORITY_LOW);
  d.now_unix_ms += 90'000;
  d.Submit("new-normal", {},
           v1::PRIORITY_NORMAL);  // counts as arrived 60 s earlier: still after old-low
  d.Submit("urgent", {}, v1::PRIORITY_URGENT);
  LoginWith(d, "op", {});
  EXPECT_EQ(OfferedTo(d, 3), "op");  // urgent always first
  d.Accept("op", 3);
  LoginWith(d, "op2", {});
  EXPECT_EQ(OfferedTo(d, 1), "op2");  // aged low before the newer normal
}

TEST(Aging, WithoutAgingPriorityIsStrict) {
  RouterDriver d(OneQueue({.name = "q"}));
  d.Submit("old-low", {}, v1::PRIORITY_LOW);
  d.now_unix_ms += 3'600'000;
  d.Submit("new-normal", {}, v1::PRIORITY_NORMAL);
  LoginWith(d, "op", {});
  EXPECT_EQ(OfferedTo(d, 2), "op");
}

// ---- bullseye escalation ------------------------------------------------------------------------

QueueConfig Bullseye() {
  return QueueConfig{.name = "family",
                     .skills = {"family"},
                     .escalation = {
                         {.after_ms = 0,
                          .same_office = true,
                          .min_proficiency = 7,
                          .summary = "own office, proficiency ≥ 7"},
                         {.after_ms = 30'000, .same_region = true, .summary = "own region"},
                         {.after_ms = 90'000, .summary = "any region"},
                     }};
}

TEST(Escalation, OwnOfficeFirstThenTheRegionThenAnyone) {
  RouterDriver d(OneQueue(Bullseye()));
  LoginWith(d, "same-region", {{"family", 9}}, {}, "smfc-2", "77");
  d.now_unix_ms += 1000;
  LoginWith(d, "same-office-novice", {{"family", 3}}, {}, "smfc-1", "77");
  LoginWith(d, "far-away", {{"family", 9}}, {}, "smfc-9", "50");
  SubmitFrom(d, "k", "smfc-1", "77");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);  // nobody in the first ring
  d.Advance(29'999);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Advance(1);
  EXPECT_EQ(OfferedTo(d, 1), "same-region");
  EXPECT_EQ(d.log.back().contact_offered().reason().step(), "own region");
}

TEST(Escalation, TheFirstRingTakesItAtOnce) {
  RouterDriver d(OneQueue(Bullseye()));
  LoginWith(d, "same-region", {{"family", 9}}, {}, "smfc-2", "77");
  LoginWith(d, "same-office-expert", {{"family", 8}}, {}, "smfc-1", "77");
  SubmitFrom(d, "k", "smfc-1", "77");
  EXPECT_EQ(OfferedTo(d, 1), "same-office-expert");
  EXPECT_NE(d.log.back().contact_offered().reason().summary().find("own office"),
            std::string::npos);
}

TEST(Escalation, TheLastRingIsAnyone) {
  RouterDriver d(OneQueue(Bullseye()));
  LoginWith(d, "far-away", {{"family", 2}}, {}, "smfc-9", "50");
  SubmitFrom(d, "k", "smfc-1", "77");
  d.Advance(89'999);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  d.Advance(1);
  EXPECT_EQ(OfferedTo(d, 1), "far-away");
  EXPECT_EQ(d.contact(1).escalation_step, 2u);
}

TEST(Escalation, FinallyOverflowsToAnotherQueueKeepingItsPlaceInTime) {
  RouterConfig config;
  QueueConfig family = Bullseye();
  family.escalation.push_back({.after_ms = 120'000, .overflow_to = "general"});
  config.queues = {family, QueueConfig{.name = "general"}};
  config.default_queue = "family";
  RouterDriver d(config);
  SubmitFrom(d, "k", "smfc-1", "77");
  d.Advance(60'000);
  d.Submit("newer");  // goes to family too (the default)
  d.Advance(60'000);
  EXPECT_EQ(d.contact(1).queue(), "general");
  EXPECT_EQ(d.contact(1).required_skills, std::vector<std::string>{});
  LoginWith(d, "generalist", {});
  EXPECT_EQ(OfferedTo(d, 1), "generalist");
  const WaitTally family_tally = d.state().statistics().QueueTotal("family");
  EXPECT_EQ(family_tally.moved_on, 1u);
}

TEST(Escalation, FinallyTurnsTheContactIntoACallback) {
  QueueConfig q = Bullseye();
  q.escalation.push_back({.after_ms = 300'000, .callback = true});
  RouterDriver d(OneQueue(q));
  SubmitFrom(d, "k", "smfc-1", "77");
  d.Advance(300'000);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CALLBACK);
}

// ---- callbacks ----------------------------------------------------------------------------------

TEST(Callback, KeepsItsPlaceAndIsOfferedAsACallbackWhenItsTurnComes) {
  RouterDriver d(OneQueue({.name = "q"}));
  d.Submit("first");
  d.Submit("second");
  ASSERT_TRUE(d.Run(command::RequestCallback{ContactId(1), "+7 900 000-00-00"}).status.ok());
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CALLBACK);
  EXPECT_EQ(d.state().PositionOf(d.contact(1)), 1u);
  LoginWith(d, "op", {});
  EXPECT_EQ(OfferedTo(d, 1), "op");
  const auto& reason = d.log.back().contact_offered().reason();
  EXPECT_TRUE(reason.callback());
  EXPECT_EQ(d.contact(1).card.callback_ref(), "+7 900 000-00-00");
  // Declined: back in line as a callback.
  d.Decline("op", 1);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_CALLBACK);
}

TEST(Callback, EndsTheLiveWaitInTheStatistics) {
  RouterDriver d(OneQueue({.name = "q"}));
  d.Submit("k");
  d.now_unix_ms += 5000;
  d.Run(command::RequestCallback{ContactId(1), "ref"});
  LoginWith(d, "op", {});
  d.Accept("op", 1);
  const WaitTally t = d.state().statistics().QueueTotal("q");
  EXPECT_EQ(t.moved_on, 1u);
  EXPECT_EQ(t.answered, 0u);
}

TEST(Callback, OfAConnectedContactIsFailedPrecondition) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "op", {});
  d.Submit("k");
  d.Accept("op", 1);
  EXPECT_EQ(d.Run(command::RequestCallback{ContactId(1), "ref"}).status.code(),
            absl::StatusCode::kFailedPrecondition);
}

// ---- transfers ----------------------------------------------------------------------------------

TEST(Transfer, ToAQueueWaitsThereAheadOfNewerContacts) {
  RouterDriver d;  // general, family, crisis
  LoginWith(d, "general-op", {});
  d.Submit("k");  // general
  d.Accept("general-op", 1);
  d.Submit("newer", {"child_birth"});
  auto r = d.Run(command::Transfer{OperatorId("general-op"), ContactId(1), "family", OperatorId(),
                                   "for family"},
                 v1::ACTOR_KIND_OPERATOR);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(d.contact(1).queue(), "family");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  EXPECT_EQ(d.op("general-op").shown, v1::OPERATOR_STATE_AVAILABLE);
  LoginWith(d, "family-op", {{"family", 5}});
  EXPECT_EQ(OfferedTo(d, 1), "family-op");  // before "newer"
}

TEST(Transfer, ToAnOperatorReservesItForThem) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "a", {});
  d.Submit("k");
  d.Accept("a", 1);
  LoginWith(d, "b", {});
  LoginWith(d, "c", {});
  d.Run(command::ChangeState{OperatorId("b"), v1::OPERATOR_STATE_BREAK, "x"});
  ASSERT_TRUE(
      d.Run(command::Transfer{OperatorId("a"), ContactId(1), "", OperatorId("b"), ""}).status.ok());
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);  // c is free, but it is b's
  d.Run(command::ChangeState{OperatorId("b"), v1::OPERATOR_STATE_AVAILABLE, ""});
  EXPECT_EQ(OfferedTo(d, 1), "b");
}

TEST(Transfer, OfAContactNotHeldOrToAnUnknownQueueIsRefused) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "a", {});
  d.Submit("k");
  EXPECT_EQ(
      d.Run(command::Transfer{OperatorId("a"), ContactId(1), "", OperatorId(), ""}).status.code(),
      absl::StatusCode::kFailedPrecondition);  // offered, not connected
  d.Accept("a", 1);
  auto r = d.Run(command::Transfer{OperatorId("a"), ContactId(1), "nowhere", OperatorId(), ""});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("transfer.queue"), std::string_view::npos);
}

// ---- supervisor actions -------------------------------------------------------------------------

TEST(Supervisor, ReassignWithdrawsTheOfferAndReservesTheContact) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "a", {});
  d.Submit("k");
  ASSERT_EQ(OfferedTo(d, 1), "a");
  LoginWith(d, "b", {});
  auto r = d.Run(command::Reassign{ContactId(1), OperatorId("b"), "b knows the case"},
                 v1::ACTOR_KIND_SUPERVISOR);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.events[0].offer_revoked().reason(), v1::REVOKE_REASON_SUPERVISOR);
  EXPECT_EQ(r.events[1].actor().kind(), v1::ACTOR_KIND_SUPERVISOR);
  EXPECT_EQ(OfferedTo(d, 1), "b");
}

TEST(Supervisor, AReservationEndsWhenTheOperatorDeclines) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "a", {});
  LoginWith(d, "b", {});
  d.Run(command::ChangeState{OperatorId("a"), v1::OPERATOR_STATE_BREAK, ""});
  d.Run(command::ChangeState{OperatorId("b"), v1::OPERATOR_STATE_BREAK, ""});
  d.Submit("k");
  d.Run(command::Reassign{ContactId(1), OperatorId("a"), ""});
  d.Run(command::ChangeState{OperatorId("b"), v1::OPERATOR_STATE_AVAILABLE, ""});
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);  // reserved for a
  d.Run(command::ChangeState{OperatorId("a"), v1::OPERATOR_STATE_AVAILABLE, ""});
  ASSERT_EQ(OfferedTo(d, 1), "a");
  d.Decline("a", 1);
  EXPECT_EQ(OfferedTo(d, 1), "b");
}

TEST(Supervisor, ChangePriorityMovesTheContactInLine) {
  RouterDriver d(OneQueue({.name = "q"}));
  d.Submit("first");
  d.Submit("second");
  ASSERT_TRUE(d.Run(command::ChangePriority{ContactId(2), v1::PRIORITY_HIGH, ""}).status.ok());
  EXPECT_EQ(d.state().PositionOf(d.contact(2)), 1u);
  EXPECT_EQ(d.contact(2).priority(), v1::PRIORITY_HIGH);
}

TEST(Supervisor, ForceOperatorStateTakesAnOperatorOffline) {
  RouterDriver d(OneQueue({.name = "q"}));
  LoginWith(d, "a", {});
  d.Submit("k");
  auto r = d.Run(
      command::ForceOperatorState{OperatorId("a"), v1::OPERATOR_STATE_OFFLINE, "", "left the desk"},
      v1::ACTOR_KIND_SUPERVISOR);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(d.op("a").shown, v1::OPERATOR_STATE_OFFLINE);
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
}

TEST(Supervisor, APausedQueueKeepsItsContactsButOffersNone) {
  RouterDriver d(OneQueue({.name = "q"}));
  ASSERT_TRUE(d.Run(command::SetQueuePaused{"q", true, "drill"}).status.ok());
  LoginWith(d, "a", {});
  d.Submit("k");
  EXPECT_EQ(d.contact(1).state, v1::CONTACT_STATE_QUEUED);
  ASSERT_TRUE(d.Run(command::SetQueuePaused{"q", false, ""}).status.ok());
  EXPECT_EQ(OfferedTo(d, 1), "a");
  EXPECT_EQ(d.Run(command::SetQueuePaused{"nope", true, ""}).status.code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- queue limits and estimates -----------------------------------------------------------------

TEST(QueueLimit, AFullQueueOverflowsWhenConfigured) {
  RouterConfig config;
  config.queues = {QueueConfig{.name = "small", .waiting_max = 1, .overflow_when_full = "big"},
                   QueueConfig{.name = "big"}};
  config.default_queue = "small";
  RouterDriver d(config);
  d.Submit("a");
  auto r = d.Submit("b");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(d.contact(2).queue(), "big");
  EXPECT_EQ(r.events[0].contact_received().overflowed_from(), "small");
}

TEST(EstimatedWait, UsesTheRunningHandleTime) {
  RouterDriver d(OneQueue({.name = "q", .wrap_up_ms = 0, .expected_handle_ms = 300'000}));
  LoginWith(d, "op", {});
  d.Submit("k1");
  d.Accept("op", 1);
  d.now_unix_ms += 60'000;  // handled in a minute
  d.Complete("op", 1);
  d.Run(command::ChangeState{OperatorId("op"), v1::OPERATOR_STATE_BREAK, ""});
  d.Submit("k2");
  d.Submit("k3");
  EXPECT_EQ(d.contact(3).initial_estimated_wait_s, 120u);  // 2nd in line, 1 staffed, 60 s each
}

}  // namespace
}  // namespace ekc::router
