// Property tests: thousands of seeded random command sequences over the whole routing model
// (skills, channels and capacities, strategies, escalation, aging, callbacks, transfers, supervisor
// actions, disconnections) against the invariants — no contact offered to two operators, no
// operator over capacity or outside their skills, every contact served, abandoned or still in the
// system in a consistent state — and replay = live.

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "tests/router/router_driver.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;
using testing::RouterDriver;

constexpr int kRuns = 2000;
constexpr int kCommandsPerRun = 300;

RouterConfig RichConfig(uint32_t seed) {
  RouterConfig config;
  const SelectionStrategy strategies[] = {
      SelectionStrategy::kLongestIdle, SelectionStrategy::kMostSkilled,
      SelectionStrategy::kLeastOccupied, SelectionStrategy::kRoundRobin};
  QueueConfig family{.name = "family",
                     .situations = {"child_birth"},
                     .skills = {"family"},
                     .offer_timeout_ms = 15'000,
                     .wrap_up_ms = 5'000,
                     .waiting_max = 12,
                     .reoffer_delay_ms = 10'000,
                     .strategy = strategies[seed % 4],
                     .overflow_when_full = "general"};
  family.escalation = {{.after_ms = 0, .same_office = true, .min_proficiency = 5},
                       {.after_ms = 20'000, .same_region = true},
                       {.after_ms = 40'000},
                       {.after_ms = 90'000, .overflow_to = "general"}};
  QueueConfig crisis{.name = "crisis",
                     .situations = {"domestic_violence"},
                     .skills = {"crisis"},
                     .offer_timeout_ms = 10'000,
                     .wrap_up_ms = 0,
                     .strategy = strategies[(seed + 1) % 4]};
  crisis.escalation = {{.after_ms = 0}, {.after_ms = 60'000, .callback = true}};
  QueueConfig general{.name = "general",
                      .offer_timeout_ms = 20'000,
                      .wrap_up_ms = 10'000,
                      .waiting_max = 50,
                      .short_abandon_s = 3,
                      .strategy = strategies[(seed + 2) % 4]};
  config.queues = {family, crisis, general};
  config.default_queue = "general";
  config.urgent_queue = "crisis";
  config.operator_grace_ms = 30'000;
  config.not_responding_after_misses = 2;
  config.priority_aging_ms = seed % 2 == 0 ? 0 : 30'000;
  config.chat_during_voice = seed % 3 == 0;
  return config;
}

struct OperatorProfile {
  std::vector<std::pair<std::string, uint32_t>> skills;
  std::vector<std::pair<v1::Channel, uint32_t>> channels;
  std::string office;
  std::string region;
};

const std::vector<OperatorProfile>& Profiles() {
  static const auto* profiles = new std::vector<OperatorProfile>{
      {{{"family", 8}}, {{v1::CHANNEL_VOICE, 1}}, "smfc-1", "77"},
      {{{"family", 3}, {"crisis", 6}},
       {{v1::CHANNEL_VOICE, 1}, {v1::CHANNEL_CHAT, 3}},
       "smfc-2",
       "77"},
      {{{"crisis", 9}}, {}, "smfc-3", "50"},
      {{}, {{v1::CHANNEL_CHAT, 2}, {v1::CHANNEL_PORTAL, 4}}, "smfc-1", "77"},
      {{{"family", 6}, {"crisis", 4}},
       {{v1::CHANNEL_VOICE, 1}, {v1::CHANNEL_CHAT, 2}},
       "smfc-9",
       "50"},
  };
  return *profiles;
}

command::Login LoginOf(size_t i, bool ready) {
  const OperatorProfile& p = Profiles()[i];
  command::Login l{.operator_id = OperatorId("op" + std::to_string(i)),
                   .office = p.office,
                   .region = p.region,
                   .ready = ready};
  for (const auto& [name, proficiency] : p.skills) {
    v1::Skill s;
    s.set_name(name);
    s.set_proficiency(proficiency);
    l.skills.push_back(s);
  }
  for (const auto& [channel, capacity] : p.channels) {
    v1::ChannelCapacity c;
    c.set_channel(channel);
    c.set_capacity(capacity);
    l.channels.push_back(c);
  }
  return l;
}

// What must hold beyond CheckInvariants (which RouterDriver runs after every command).
void ExpectWithinCapacityAndSkills(const RouterState& state) {
  for (const auto& [id, op] : state.operators()) {
    std::vector<ContactId> held = op.active;
    if (op.offered_contact.value() != 0) held.push_back(op.offered_contact);
    std::array<uint32_t, 5> by_channel{};
    for (ContactId c : held) {
      const Contact* contact = state.FindContact(c);
      ASSERT_NE(contact, nullptr);
      ++by_channel[contact->channel()];
      // A transfer to a named operator may hand them a contact of a queue whose skills they lack:
      // the sender chose them. Everything else needs the skills.
      if (contact->state == v1::CONTACT_STATE_OFFERED && contact->reserved_for.value().empty()) {
        EXPECT_TRUE(op.HasSkills(contact->required_skills))
            << "operator " << id << " contact " << c;
      }
    }
    for (int ch = v1::CHANNEL_VOICE; ch <= v1::CHANNEL_MESSENGER; ++ch) {
      const uint32_t cap = op.channels.empty() ? 1 : op.Capacity(static_cast<v1::Channel>(ch));
      EXPECT_LE(by_channel[ch], cap) << "operator " << id << " over capacity in channel " << ch;
    }
    if (op.channels.empty()) {
      EXPECT_LE(held.size(), 1u) << "operator " << id;
    }
  }
}

void RichWorkload(RouterDriver& d, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const std::vector<std::vector<std::string>> situations = {
      {}, {"child_birth"}, {"domestic_violence"}};
  const v1::Channel channels[] = {v1::CHANNEL_VOICE, v1::CHANNEL_CHAT, v1::CHANNEL_PORTAL};
  const std::string offices[] = {"smfc-1", "smfc-2", ""};
  int submitted = 0;
  for (int i = 0; i < kCommandsPerRun; ++i) {
    const size_t op_index = static_cast<size_t>(pick(static_cast<int>(Profiles().size())));
    const OperatorId op("op" + std::to_string(op_index));
    const Operator* o = d.state().FindOperator(op);
    const uint64_t some_contact = submitted > 0 ? 1 + static_cast<uint64_t>(pick(submitted)) : 1;
    switch (pick(16)) {
      case 0:
      case 1:
      case 2: {
        command::Submit s{.idempotency_key = "k" + std::to_string(submitted++),
                          .request_fingerprint = 1,
                          .channel = channels[pick(3)],
                          .region = pick(2) ? "77" : "50",
                          .office = offices[pick(3)]};
        for (const auto& code : situations[pick(3)])
          s.classification.add_situations()->set_code(code);
        s.classification.set_priority(pick(8) == 0 ? v1::PRIORITY_URGENT
                                                   : static_cast<v1::Priority>(1 + pick(3)));
        d.Run(std::move(s), v1::ACTOR_KIND_INTAKE);
        break;
      }
      case 3:
        d.Run(LoginOf(op_index, pick(4) != 0), v1::ACTOR_KIND_OPERATOR);
        break;
      case 4:
        if (o != nullptr && o->offered_contact.value() != 0)
          d.Accept(op.value(), o->offered_contact.value());
        break;
      case 5:
        if (o != nullptr && o->offered_contact.value() != 0)
          d.Decline(op.value(), o->offered_contact.value());
        break;
      case 6:
        if (o != nullptr && !o->active.empty())
          d.Complete(op.value(), o->active[pick(static_cast<int>(o->active.size()))].value());
        break;
      case 7:
        d.Cancel(some_contact);
        break;
      case 8:
        d.Run(command::ChangeState{
            op, pick(2) ? v1::OPERATOR_STATE_AVAILABLE : v1::OPERATOR_STATE_BREAK, "b"});
        break;
      case 9:
        d.Run(pick(3) == 0 ? CommandBody(command::Logout{op, ""})
                           : CommandBody(command::ConnectionLost{op}));
        break;
      case 10:
        d.Run(command::RequestCallback{ContactId(some_contact), "ref"});
        break;
      case 11:
        if (o != nullptr && !o->active.empty()) {
          const std::string queues[] = {"", "general", "family", "crisis"};
          const OperatorId to = pick(2) ? OperatorId() : OperatorId("op" + std::to_string(pick(5)));
          d.Run(command::Transfer{op, o->active.front(), queues[pick(4)], to, ""},
                v1::ACTOR_KIND_OPERATOR);
        }
        break;
      case 12:
        d.Run(command::Reassign{ContactId(some_contact), op, ""}, v1::ACTOR_KIND_SUPERVISOR);
        break;
      case 13:
        d.Run(command::ChangePriority{ContactId(some_contact),
                                      static_cast<v1::Priority>(1 + pick(4)), ""},
              v1::ACTOR_KIND_SUPERVISOR);
        break;
      case 14: {
        const std::string queues[] = {"general", "family", "crisis"};
        if (pick(3) == 0)
          d.Run(command::SetQueuePaused{queues[pick(3)], pick(2) == 0, ""},
                v1::ACTOR_KIND_SUPERVISOR);
        if (pick(10) == 0) d.Run(command::Recover{});
        break;
      }
      default:
        d.Advance(pick(3) == 0 ? 10'000 + pick(60'000) : pick(5'000));
    }
    ExpectWithinCapacityAndSkills(d.state());
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(Property, RandomDaysKeepTheInvariantsAndReplayToTheLiveState) {
  for (uint32_t seed = 1; seed <= kRuns; ++seed) {
    RouterDriver live(RichConfig(seed));
    RichWorkload(live, seed);
    ASSERT_FALSE(HasFailure()) << "seed " << seed;
    Router replayed(RichConfig(seed));
    for (const auto& e : live.log) ASSERT_TRUE(replayed.Replay(e).ok()) << "seed " << seed;
    ASSERT_EQ(replayed.state().StateHash(), live.state().StateHash()) << "seed " << seed;
    auto restored = RouterState::FromSnapshot(live.state().ToSnapshot());
    ASSERT_TRUE(restored.ok()) << restored.status() << " seed " << seed;
    ASSERT_EQ(restored->StateHash(), live.state().StateHash()) << "seed " << seed;
  }
}

TEST(Property, EveryEventKindAppearsInTheRandomDays) {
  std::set<int> kinds;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    RouterDriver d(RichConfig(seed));
    RichWorkload(d, seed);
    for (const auto& e : d.log) kinds.insert(e.event_case());
  }
  for (int kind = v1::EventRecord::kContactReceived; kind <= v1::EventRecord::kQueuePauseChanged;
       ++kind) {
    EXPECT_TRUE(kinds.contains(kind))
        << "event kind " << kind << " never happened: the workload misses a path";
  }
}

}  // namespace
}  // namespace ekc::router
