#include "router/invariants.h"

#include <fmt/format.h>

#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

absl::Status Broken(std::string message) { return absl::InternalError(std::move(message)); }

absl::Status CheckContact(const RouterState& state, const Contact& c) {
  const Queue* q = state.FindQueue(c.queue());
  if (q == nullptr) return Broken(fmt::format("contact {}: queue {} unknown", c.id, c.queue()));
  const bool in_line = q->waiting.contains(PlaceInLine(c.priority(), c.enqueued_unix_ms, c.id));
  if (in_line != c.IsWaiting()) {
    return Broken(fmt::format("contact {} is {} but {} its line", c.id, ContactStateName(c.state),
                              in_line ? "in" : "not in"));
  }
  const bool held = c.state == v1::CONTACT_STATE_OFFERED ||
                    c.state == v1::CONTACT_STATE_CONNECTED || c.state == v1::CONTACT_STATE_WRAP_UP;
  if (!held) return absl::OkStatus();
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
  } else if (op->active_contact != c.id) {
    return Broken(fmt::format("contact {} is {} with {} whose active contact is {}", c.id,
                              ContactStateName(c.state), op->id, op->active_contact));
  }
  return absl::OkStatus();
}

absl::Status CheckOperator(const RouterState& state, const Operator& op) {
  const bool in_idle = state.idle_operators().contains({op.available_since_unix_ms, op.id});
  if (in_idle != op.Idle()) {
    return Broken(fmt::format("operator {} idle={} but {} the idle set", op.id, op.Idle(),
                              in_idle ? "in" : "not in"));
  }
  if (!op.LoggedIn() &&
      (op.connected || op.offered_contact.value() != 0 || op.active_contact.value() != 0)) {
    return Broken(fmt::format("operator {} is offline but connected or holding a contact", op.id));
  }
  if (op.offered_contact.value() != 0 && op.active_contact.value() != 0) {
    return Broken(fmt::format("operator {} holds an offer while handling a contact", op.id));
  }
  if (op.offered_contact.value() != 0) {
    const Contact* c = state.FindContact(op.offered_contact);
    if (c == nullptr || c->state != v1::CONTACT_STATE_OFFERED || c->operator_id != op.id) {
      return Broken(
          fmt::format("operator {} holds offer {} that is not theirs", op.id, op.offered_contact));
    }
    if (!op.connected || op.state != v1::OPERATOR_STATE_AVAILABLE) {
      return Broken(
          fmt::format("operator {} holds an offer while {}", op.id, OperatorStateName(op.state)));
    }
  }
  const Contact* active =
      op.active_contact.value() == 0 ? nullptr : state.FindContact(op.active_contact);
  if (op.state == v1::OPERATOR_STATE_BUSY &&
      (active == nullptr || active->state != v1::CONTACT_STATE_CONNECTED)) {
    return Broken(fmt::format("operator {} is busy without a connected contact", op.id));
  }
  if (op.state == v1::OPERATOR_STATE_WRAP_UP &&
      (active == nullptr || active->state != v1::CONTACT_STATE_WRAP_UP)) {
    return Broken(fmt::format("operator {} is in wrap-up without a contact in wrap-up", op.id));
  }
  if (active != nullptr && op.state != v1::OPERATOR_STATE_BUSY &&
      op.state != v1::OPERATOR_STATE_WRAP_UP) {
    return Broken(fmt::format("operator {} has contact {} while {}", op.id, active->id,
                              OperatorStateName(op.state)));
  }
  const bool grace_timer = state.timers().contains(
      Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  if (op.LoggedIn() && !op.connected && !grace_timer) {
    return Broken(fmt::format("operator {} lost their connection without a grace timer", op.id));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckInvariants(const RouterState& state) {
  size_t waiting = 0;
  for (const auto& [id, c] : state.contacts()) {
    if (absl::Status s = CheckContact(state, c); !s.ok()) return s;
    if (c.IsWaiting()) ++waiting;
  }
  size_t lined = 0;
  for (const auto& [name, q] : state.queues()) {
    lined += q.waiting.size();
    size_t by_priority = 0;
    for (uint32_t n : q.waiting_by_priority) by_priority += n;
    if (by_priority != q.waiting.size()) {
      return Broken(fmt::format("queue {}: counts by priority {} != line length {}", name,
                                by_priority, q.waiting.size()));
    }
  }
  if (lined != waiting)
    return Broken(fmt::format("{} contacts in lines, {} waiting", lined, waiting));
  for (const auto& [id, op] : state.operators()) {
    if (absl::Status s = CheckOperator(state, op); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace ekc::router
