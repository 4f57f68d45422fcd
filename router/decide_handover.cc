// Handing contacts on and steering the centre: an operator's transfer, and the supervisors' actions
// (reassign a contact, change its priority, force an operator's state, pause a queue). Each is an
// event with the actor of the command that caused it.

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide_internal.h"
#include "router/event_factory.h"
#include "router/names.h"

namespace ekc::router::internal {

namespace v1 = ekc::v1;

namespace {

// Whether a supervisor can still steer the contact: waiting, or offered and not yet accepted.
absl::StatusOr<const Contact*> SteerableContact(const RouterState& state, ContactId id) {
  auto c = ExistingContact(state, id, "contact_id");
  if (!c.ok()) return c.status();
  if (!(*c)->InLine() && (*c)->state != v1::CONTACT_STATE_OFFERED) {
    return absl::FailedPreconditionError(
        fmt::format("contact {} is {}: only a waiting contact can be steered", id,
                    ContactStateName((*c)->state)));
  }
  return c;
}

}  // namespace

Decision DecideTransfer(const RouterState& state, const RouterConfig& config,
                        const command::Transfer& cmd, int64_t now) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto connected = ConnectedContact(state, cmd.operator_id, cmd.contact, "transfer");
  if (!connected.ok()) return Refuse(connected.status());
  const Contact* c = *connected;
  const std::string& to_queue = cmd.to_queue.empty() ? c->queue() : cmd.to_queue;
  const QueueConfig* queue = config.FindQueue(to_queue);
  if (queue == nullptr) {
    return Refuse(
        absl::InvalidArgumentError(fmt::format("transfer.queue: no queue named \"{}\"", to_queue)));
  }
  if (!cmd.to_operator.value().empty()) {
    const Operator* target = state.FindOperator(cmd.to_operator);
    if (target == nullptr || !target->LoggedIn() || cmd.to_operator == cmd.operator_id) {
      return Refuse(absl::FailedPreconditionError(fmt::format(
          "transfer.operator_id: {} is not another logged-in operator", cmd.to_operator)));
    }
  }
  v1::EventRecord e = events::Connected(*c);  // the envelope: the contact and its operator
  e.clear_contact_connected();
  v1::ContactTransferred* body = e.mutable_contact_transferred();
  body->set_to_queue(queue->name);
  body->set_to_operator(cmd.to_operator.value());
  body->set_note(cmd.note);
  for (const std::string& skill : queue->skills) body->add_required_skills(skill);
  // It keeps its place in time: it waited already.
  *body->mutable_place() = ToProto(c->Place());
  body->set_next_escalation_unix_ms(FirstEscalation(*queue, now));
  return EmitOne(std::move(e));
}

Decision DecideReassign(const RouterState& state, const command::Reassign& cmd) {
  auto c = SteerableContact(state, cmd.contact);
  if (!c.ok()) return Refuse(c.status());
  const Operator* target = state.FindOperator(cmd.to_operator);
  if (target == nullptr || !target->LoggedIn()) {
    return Refuse(absl::FailedPreconditionError(
        fmt::format("operator_id: {} is not logged in", cmd.to_operator)));
  }
  const Contact& contact = **c;
  if (contact.state == v1::CONTACT_STATE_OFFERED && contact.operator_id == cmd.to_operator)
    return Emit({});
  std::vector<v1::EventRecord> out;
  if (contact.state == v1::CONTACT_STATE_OFFERED) {
    out.push_back(events::Revoked(contact, v1::REVOKE_REASON_SUPERVISOR, cmd.note, 0));
  }
  out.push_back(events::Reserved(contact, cmd.to_operator, cmd.note));
  return Emit(std::move(out));
}

Decision DecideChangePriority(const RouterState& state, const RouterConfig& config,
                              const command::ChangePriority& cmd) {
  if (cmd.priority < v1::PRIORITY_LOW || cmd.priority > v1::PRIORITY_URGENT) {
    return Refuse(absl::InvalidArgumentError("priority: must be LOW, NORMAL, HIGH or URGENT"));
  }
  auto c = SteerableContact(state, cmd.contact);
  if (!c.ok()) return Refuse(c.status());
  if ((*c)->priority() == cmd.priority) return Emit({});
  const LinePlace place = JoinPlace(config, cmd.priority, (*c)->enqueued_unix_ms, (*c)->id);
  return EmitOne(events::PriorityChanged(**c, cmd.priority, place, cmd.note));
}

Decision DecideForceOperatorState(const RouterState& state,
                                  const command::ForceOperatorState& cmd) {
  switch (cmd.state) {
    case v1::OPERATOR_STATE_AVAILABLE:
    case v1::OPERATOR_STATE_BREAK:
      return DecideChangeState(state, cmd.operator_id, cmd.state,
                               cmd.break_reason.empty() ? "supervisor" : cmd.break_reason);
    case v1::OPERATOR_STATE_OFFLINE:
      return DecideLogout(state, cmd.operator_id, "supervisor");
    default:
      return Refuse(absl::InvalidArgumentError("state: must be AVAILABLE, BREAK or OFFLINE"));
  }
}

Decision DecideSetQueuePaused(const RouterState& state, const RouterConfig& config,
                              const command::SetQueuePaused& cmd) {
  if (config.FindQueue(cmd.queue) == nullptr) {
    return Refuse(
        absl::InvalidArgumentError(fmt::format("queue: no queue named \"{}\"", cmd.queue)));
  }
  const Queue* line = state.FindQueue(cmd.queue);
  const bool paused_now = line != nullptr && line->paused;
  if (paused_now == cmd.paused) return Emit({});
  return EmitOne(events::QueuePauseChanged(cmd.queue, cmd.paused, cmd.note));
}

}  // namespace ekc::router::internal
