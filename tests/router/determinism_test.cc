// Determinism and invariants under seeded random workloads: the same events give the same state,
// byte for byte; replaying what a live core emitted rebuilds its state exactly; and no command
// sequence breaks the core's invariants (RouterDriver checks them after every command).

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "tests/router/router_driver.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;
using testing::RouterDriver;

constexpr int kCommandsPerRun = 600;
constexpr int kRuns = 60;

// A run covers a quarter of an hour or so: keep ended contacts two minutes, so that forgetting them
// (ContactsForgotten) happens within the runs too.
RouterConfig ForgetfulConfig() {
  RouterConfig config = testing::TwoQueueConfig();
  config.keep_ended_contacts_ms = 120'000;
  return config;
}

// Drives a random but plausible day: contacts arrive, operators log in and out, accept, decline,
// let offers time out, complete, lose their connection; time moves in random steps.
void RandomWorkload(RouterDriver& d, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const std::vector<std::string> ops = {"op1", "op2", "op3", "op4", "op5"};
  const std::vector<std::vector<std::string>> skill_sets = {
      {}, {"family"}, {"crisis"}, {"family", "crisis"}};
  const std::vector<std::vector<std::string>> situations = {
      {}, {"child_birth"}, {"large_family"}, {"domestic_violence"}};
  int submitted = 0;
  for (int i = 0; i < kCommandsPerRun; ++i) {
    const std::string& op = ops[pick(static_cast<int>(ops.size()))];
    const Operator* o = d.state().FindOperator(OperatorId(op));
    switch (pick(11)) {
      case 0:
      case 1: {
        const bool urgent = pick(8) == 0;
        d.Submit("key-" + std::to_string(submitted++), situations[pick(4)],
                 urgent ? v1::PRIORITY_URGENT : static_cast<v1::Priority>(1 + pick(3)));
        break;
      }
      case 2:
        d.Login(op, skill_sets[pick(4)], pick(3) != 0);
        break;
      case 3:
        if (o != nullptr && o->offered_contact.value() != 0)
          d.Accept(op, o->offered_contact.value());
        break;
      case 4:
        if (o != nullptr && o->offered_contact.value() != 0)
          d.Decline(op, o->offered_contact.value());
        break;
      case 5:
        if (o != nullptr && !o->active.empty()) d.Complete(op, o->active.front().value());
        break;
      case 6:
        if (submitted > 0) d.Cancel(1 + pick(submitted));
        break;
      case 7:
        d.Run(command::ChangeState{
            OperatorId(op), pick(2) ? v1::OPERATOR_STATE_AVAILABLE : v1::OPERATOR_STATE_BREAK,
            "break"});
        break;
      case 8:
        d.Run(pick(4) == 0 ? CommandBody(command::Logout{OperatorId(op), ""})
                           : CommandBody(command::ConnectionLost{OperatorId(op)}));
        break;
      case 9:
        if (pick(20) == 0) d.Run(command::Recover{});
        break;
      default:
        d.Advance(pick(3) == 0 ? 20'000 + pick(60'000) : pick(3'000));
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(Determinism, ReplayingTheEmittedEventsRebuildsTheSameState) {
  uint64_t forgotten = 0;
  for (uint32_t seed = 1; seed <= kRuns; ++seed) {
    RouterDriver live(ForgetfulConfig());
    RandomWorkload(live, seed);
    ASSERT_FALSE(HasFailure()) << "seed " << seed;
    for (const auto& e : live.log) forgotten += e.contacts_forgotten().count();
    Router replayed(ForgetfulConfig());
    for (const auto& e : live.log) ASSERT_TRUE(replayed.Replay(e).ok()) << "seed " << seed;
    ASSERT_EQ(replayed.state().StateHash(), live.state().StateHash()) << "seed " << seed;
    ASSERT_EQ(replayed.state().ToSnapshot().SerializeAsString(),
              live.state().ToSnapshot().SerializeAsString())
        << "seed " << seed;
    ASSERT_TRUE(CheckInvariants(replayed.state()).ok()) << "seed " << seed;
  }
  EXPECT_GT(forgotten, 0u) << "the runs should forget ended contacts too";
}

TEST(Snapshot, RestoringASnapshotThenReplayingTheRestEqualsTheLiveState) {
  for (uint32_t seed = 200; seed < 200 + kRuns / 2; ++seed) {
    RouterDriver live(ForgetfulConfig());
    RandomWorkload(live, seed);
    ASSERT_FALSE(HasFailure()) << "seed " << seed;
    // Cut the log at a point where the core was at rest (the end of a command): every event before
    // a command's first one. Any prefix that ends a command will do; take the middle one.
    const size_t cut = live.log.size() / 2;
    Router head(ForgetfulConfig());
    size_t applied = 0;
    for (; applied < cut; ++applied) ASSERT_TRUE(head.Replay(live.log[applied]).ok());
    // Extend to the end of the command the cut fell into: events of one command share its time and
    // follow each other; at rest the invariants hold.
    while (applied < live.log.size() && !CheckInvariants(head.state()).ok()) {
      ASSERT_TRUE(head.Replay(live.log[applied++]).ok());
    }
    auto restored = RouterState::FromSnapshot(head.state().ToSnapshot());
    ASSERT_TRUE(restored.ok()) << restored.status() << " seed " << seed;
    ASSERT_EQ(restored->StateHash(), head.state().StateHash()) << "seed " << seed;
    Router tail(ForgetfulConfig(), std::move(*restored));
    for (; applied < live.log.size(); ++applied) ASSERT_TRUE(tail.Replay(live.log[applied]).ok());
    ASSERT_EQ(tail.state().StateHash(), live.state().StateHash()) << "seed " << seed;
    // The restored state keeps running: derived structures (lines, idle set, timers) were rebuilt.
    EXPECT_EQ(tail.state().NextWakeUp(tail.state().last_time_unix_ms()),
              live.state().NextWakeUp(live.state().last_time_unix_ms()));
    EXPECT_EQ(tail.state().ready_operators(), live.state().ready_operators());
  }
}

TEST(Snapshot, ACorruptSnapshotIsRefusedNotTrusted) {
  RouterDriver d;
  d.Login("op1");
  d.Submit("k1");
  v1::RouterSnapshot s = d.state().ToSnapshot();
  s.mutable_operators(0)->set_offered_contact_id(0);  // the contact still says it is offered to op1
  auto restored = RouterState::FromSnapshot(s);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss);
  s = d.state().ToSnapshot();
  *s.add_contacts() = s.contacts(0);  // the same contact twice
  EXPECT_EQ(RouterState::FromSnapshot(s).status().code(), absl::StatusCode::kDataLoss);
}

TEST(Determinism, SameCommandsGiveTheSameEvents) {
  RouterDriver a;
  RouterDriver b;
  RandomWorkload(a, 7);
  RandomWorkload(b, 7);
  ASSERT_EQ(a.log.size(), b.log.size());
  for (size_t i = 0; i < a.log.size(); ++i) {
    ASSERT_EQ(a.log[i].SerializeAsString(), b.log[i].SerializeAsString()) << "event " << i + 1;
  }
  EXPECT_EQ(a.state().StateHash(), b.state().StateHash());
}

TEST(Determinism, DifferentHistoriesGiveDifferentHashes) {
  RouterDriver a;
  RouterDriver b;
  a.Submit("k1");
  b.Submit("k2");
  EXPECT_NE(a.state().StateHash(), b.state().StateHash());
}

TEST(Invariants, NoContactIsEverOfferedToTwoOperators) {
  for (uint32_t seed = 100; seed < 100 + kRuns; ++seed) {
    RouterDriver d;
    RandomWorkload(d, seed);
    ASSERT_FALSE(HasFailure()) << "seed " << seed;
    // Every contact ended served, abandoned, or is still in the system in a consistent state.
    for (const auto& [id, c] : d.state().contacts()) {
      if (c.state == v1::CONTACT_STATE_OFFERED) {
        int holders = 0;
        for (const auto& [opid, op] : d.state().operators()) holders += op.offered_contact == c.id;
        ASSERT_EQ(holders, 1) << "contact " << id << " seed " << seed;
      }
    }
  }
}

}  // namespace
}  // namespace ekc::router
