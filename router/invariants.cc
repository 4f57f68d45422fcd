#include "router/invariants.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

absl::Status Broken(std::string message) { return absl::InternalError(std::move(message)); }

bool Holds(v1::ContactState s) {
  return s == v1::CONTACT_STATE_CONNECTED || s == v1::CONTACT_STATE_WRAP_UP;
}

absl::Status CheckContact(const RouterState& state, const Contact& c) {
  const Queue* q = state.FindQueue(c.queue());
  if (q == nullptr) return Broken(fmt::format("contact {}: queue {} unknown", c.id, c.queue()));
  const bool in_line = q->line.contains(c.Place());
  if (in_line != c.InLine()) {
    return Broken(fmt::format("contact {} is {} but {} its line", c.id, ContactStateName(c.state),
                              in_line ? "in" : "not in"));
  }
  const bool escalation_timer = state.timers().contains(
      Timer{c.next_escalation_unix_ms, TimerKind::kEscalation, c.id.value(), ""});
  if ((c.next_escalation_unix_ms != 0) != escalation_timer) {
    return Broken(fmt::format("contact {}: escalation at {} without its timer", c.id,
                              c.next_escalation_unix_ms));
  }
  if (c.next_escalation_unix_ms != 0 && !c.InLine() && c.state != v1::CONTACT_STATE_OFFERED) {
    return Broken(fmt::format("contact {} is {} with an escalation pending", c.id,
                              ContactStateName(c.state)));
  }
  if (!c.reserved_for.value().empty() && !c.InLine() && c.state != v1::CONTACT_STATE_OFFERED) {
    return Broken(
        fmt::format("contact {} is {} and still reserved", c.id, ContactStateName(c.state)));
  }
  if (c.state == v1::CONTACT_STATE_OFFERED || Holds(c.state)) {
    const Operator* op = state.FindOperator(c.operator_id);
    if (op == nullptr)
      return Broken(fmt::format("contact {}: operator {} unknown", c.id, c.operator_id));
    if (c.state == v1::CONTACT_STATE_OFFERED) {
      if (op->offered_contact != c.id) {
        return Broken(fmt::format("contact {} is offered to {} who holds offer {}", c.id, op->id,
                                  op->offered_contact));
      }
      if (!state.timers().contains(Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout,
                                         c.id.value(), op->id.value()})) {
        return Broken(fmt::format("contact {}: offer without its timeout", c.id));
      }
      if (!c.reserved_for.value().empty() && c.reserved_for != op->id) {
        return Broken(fmt::format("contact {} reserved for {} is offered to {}", c.id,
                                  c.reserved_for, op->id));
      }
    } else if (std::find(op->active.begin(), op->active.end(), c.id) == op->active.end()) {
      return Broken(fmt::format("contact {} is {} with {} who does not hold it", c.id,
                                ContactStateName(c.state), op->id));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHeld(const RouterState& state, const Operator& op) {
  std::array<uint8_t, 5> by_channel{};
  bool connected_contact = false;
  for (ContactId id : op.active) {
    const Contact* c = state.FindContact(id);
    if (c == nullptr || !Holds(c->state) || c->operator_id != op.id) {
      return Broken(fmt::format("operator {} holds contact {} that is not theirs", op.id, id));
    }
    ++by_channel[c->channel()];
    connected_contact = connected_contact || c->state == v1::CONTACT_STATE_CONNECTED;
  }
  if (by_channel != op.active_by_channel) {
    return Broken(fmt::format("operator {}: contacts by channel do not add up", op.id));
  }
  const v1::OperatorState shown = !op.LoggedIn() || op.active.empty() ? op.presence
                                  : connected_contact                 ? v1::OPERATOR_STATE_BUSY
                                                                      : v1::OPERATOR_STATE_WRAP_UP;
  if (shown != op.shown) {
    return Broken(fmt::format("operator {} is shown {} but is {}", op.id,
                              OperatorStateName(op.shown), OperatorStateName(shown)));
  }
  if (op.offered_contact.value() != 0) {
    const Contact* c = state.FindContact(op.offered_contact);
    if (c == nullptr || c->state != v1::CONTACT_STATE_OFFERED || c->operator_id != op.id) {
      return Broken(
          fmt::format("operator {} holds offer {} that is not theirs", op.id, op.offered_contact));
    }
    if (!op.connected || op.presence != v1::OPERATOR_STATE_AVAILABLE) {
      return Broken(fmt::format("operator {} holds an offer while {}", op.id,
                                OperatorStateName(op.presence)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOperator(const RouterState& state, const Operator& op) {
  const bool in_ready = state.ready_operators().contains({op.ready_since_unix_ms, op.id});
  if (in_ready != op.Ready()) {
    return Broken(fmt::format("operator {} ready={} but {} the ready set", op.id, op.Ready(),
                              in_ready ? "in" : "not in"));
  }
  for (const auto& skill : op.skills) {
    const ReadySet* by_skill = state.ready_with_skill(skill.name());
    const bool in_skill =
        by_skill != nullptr && by_skill->contains({op.ready_since_unix_ms, op.id});
    if (in_skill != in_ready)
      return Broken(fmt::format("operator {}: ready set of skill {} is off", op.id, skill.name()));
  }
  if (!op.LoggedIn() && (op.connected || op.offered_contact.value() != 0 || !op.active.empty())) {
    return Broken(fmt::format("operator {} is offline but connected or holding a contact", op.id));
  }
  if (absl::Status s = CheckHeld(state, op); !s.ok()) return s;
  const bool grace_timer = state.timers().contains(
      Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  if (op.LoggedIn() && !op.connected && !grace_timer) {
    return Broken(fmt::format("operator {} lost their connection without a grace timer", op.id));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckInvariants(const RouterState& state) {
  size_t in_line = 0;
  size_t ended = 0;
  int64_t oldest_ended = 0;
  for (const auto& [id, c] : state.contacts()) {
    if (absl::Status s = CheckContact(state, c); !s.ok()) return s;
    if (c.InLine()) ++in_line;
    if (c.Ended()) {
      ++ended;
      if (oldest_ended == 0 || c.ended_unix_ms < oldest_ended) oldest_ended = c.ended_unix_ms;
    }
  }
  // Every ended contact waits to be forgotten, the oldest first.
  if (ended != state.EndedBefore(INT64_MAX) || oldest_ended != state.OldestEndedUnixMs()) {
    return Broken(
        fmt::format("{} contacts ended (oldest at {}), {} wait to be forgotten (oldest at {})",
                    ended, oldest_ended, state.EndedBefore(INT64_MAX), state.OldestEndedUnixMs()));
  }
  size_t lined = 0;
  for (const auto& [name, q] : state.queues()) {
    lined += q.line.size();
    size_t by_priority = 0;
    for (uint32_t n : q.waiting_by_priority) by_priority += n;
    if (by_priority != q.line.size()) {
      return Broken(fmt::format("queue {}: counts by priority {} != line length {}", name,
                                by_priority, q.line.size()));
    }
    size_t by_skills = 0;
    for (const auto& [skills, n] : q.line_skill_sets) by_skills += n;
    if (by_skills != q.line.size()) {
      return Broken(fmt::format("queue {}: counts by skill set {} != line length {}", name,
                                by_skills, q.line.size()));
    }
  }
  if (lined != in_line)
    return Broken(fmt::format("{} contacts in lines, {} in line", lined, in_line));
  size_t ready = 0;
  for (const auto& [id, op] : state.operators()) {
    if (absl::Status s = CheckOperator(state, op); !s.ok()) return s;
    ready += op.Ready();
  }
  if (ready != state.ready_operators().size()) {
    return Broken(fmt::format("{} operators ready, {} in the ready set", ready,
                              state.ready_operators().size()));
  }
  return absl::OkStatus();
}

}  // namespace ekc::router
