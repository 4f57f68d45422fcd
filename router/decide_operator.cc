// Operator commands: login, availability, logout, answering offers, completing, losing the stream.

#include <algorithm>

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide_internal.h"
#include "router/event_factory.h"
#include "router/names.h"

namespace ekc::router::internal {

namespace v1 = ekc::v1;

namespace {

// A proficiency of 0 in a request means "not said": the middle of the 1–10 scale.
constexpr uint32_t kDefaultProficiency = 5;
constexpr uint32_t kProficiencyMax = 10;

// The offer `op` holds on `contact`, or a refusal naming the field.
absl::StatusOr<const Contact*> HeldOffer(const RouterState& state, const Operator& op,
                                         ContactId contact, std::string_view field) {
  const Contact* c = state.FindContact(contact);
  if (c == nullptr || op.offered_contact != contact || c->state != v1::CONTACT_STATE_OFFERED) {
    return absl::FailedPreconditionError(fmt::format(
        "{}.contact_id: operator {} holds no offer for contact {}", field, op.id, contact));
  }
  return c;
}

// Revokes the operator's offer and starts their grace period.
void LoseConnection(const RouterState& state, const RouterConfig& config, const Operator& op,
                    int64_t now, std::vector<v1::EventRecord>& out) {
  if (!op.LoggedIn() || !op.connected) return;
  RevokeOffer(state, op, v1::REVOKE_REASON_CONNECTION_LOST, out);
  out.push_back(events::ConnectionLost(op.id, now + config.operator_grace_ms));
}

}  // namespace

Decision DecideLogin(const RouterState& state, const command::Login& cmd) {
  const Operator* existing = state.FindOperator(cmd.operator_id);
  const bool resumed = existing != nullptr && existing->LoggedIn();
  v1::EventRecord e;
  e.set_operator_id(cmd.operator_id.value());
  v1::OperatorLoggedIn* r = e.mutable_operator_logged_in();
  r->set_name(cmd.name);
  r->set_office(cmd.office);
  r->set_region(cmd.region);
  std::vector<v1::Skill> skills = cmd.skills;
  std::sort(skills.begin(), skills.end(),
            [](const v1::Skill& a, const v1::Skill& b) { return a.name() < b.name(); });
  for (size_t i = 0; i < skills.size(); ++i) {
    if (i > 0 && skills[i].name() == skills[i - 1].name()) continue;
    v1::Skill* s = r->add_skills();
    s->set_name(skills[i].name());
    s->set_proficiency(skills[i].proficiency() == 0
                           ? kDefaultProficiency
                           : std::min(skills[i].proficiency(), kProficiencyMax));
  }
  for (const auto& ch : cmd.channels) *r->add_channels() = ch;
  r->set_resumed(resumed);
  if (resumed) {  // the session goes on as it was
    r->set_state(existing->presence);
    r->set_break_reason(existing->break_reason);
  } else {
    r->set_state(cmd.ready ? v1::OPERATOR_STATE_AVAILABLE : v1::OPERATOR_STATE_BREAK);
    r->set_break_reason(cmd.ready ? "" : "login");
  }
  return EmitOne(std::move(e));
}

Decision DecideChangeState(const RouterState& state, const OperatorId& id, v1::OperatorState target,
                           const std::string& break_reason) {
  if (target != v1::OPERATOR_STATE_AVAILABLE && target != v1::OPERATOR_STATE_BREAK) {
    return Refuse(absl::InvalidArgumentError(fmt::format(
        "change_state.state: must be AVAILABLE or BREAK, not {}", OperatorStateName(target))));
  }
  auto op = LoggedInOperator(state, id);
  if (!op.ok()) return Refuse(op.status());
  const Operator& o = **op;
  const std::string reason = target == v1::OPERATOR_STATE_BREAK ? break_reason : "";
  std::vector<v1::EventRecord> out;
  // Choosing a state ends the after-contact work; a conversation goes on, and the new availability
  // shows once it ends (no new offers meanwhile when it is a break).
  FinishWrapUps(state, o, out);
  if (o.presence == target && o.break_reason == reason) return Emit(std::move(out));
  if (target != v1::OPERATOR_STATE_AVAILABLE)
    RevokeOffer(state, o, v1::REVOKE_REASON_OPERATOR_UNAVAILABLE, out);
  out.push_back(events::StateChanged(o.id, target, reason));
  return Emit(std::move(out));
}

Decision DecideLogout(const RouterState& state, const OperatorId& id, const std::string& reason) {
  auto op = LoggedInOperator(state, id);
  if (!op.ok()) return Refuse(op.status());
  const Operator& o = **op;
  if (InConversation(state, o)) {
    return Refuse(absl::FailedPreconditionError(
        fmt::format("operator {} is in a conversation: complete it before logging out", o.id)));
  }
  std::vector<v1::EventRecord> out;
  FinishWrapUps(state, o, out);
  RevokeOffer(state, o, v1::REVOKE_REASON_OPERATOR_UNAVAILABLE, out);
  out.push_back(events::LoggedOut(o.id, reason.empty() ? "logout" : reason));
  return Emit(std::move(out));
}

Decision DecideAccept(const RouterState& state, const command::Accept& cmd) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto c = HeldOffer(state, **op, cmd.contact, "accept");
  if (!c.ok()) return Refuse(c.status());
  return EmitOne(events::Connected(**c));
}

Decision DecideDecline(const RouterState& state, const RouterConfig& config,
                       const command::Decline& cmd, int64_t now) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto c = HeldOffer(state, **op, cmd.contact, "decline");
  if (!c.ok()) return Refuse(c.status());
  const QueueConfig& queue = QueueSettings(config, (*c)->queue());
  return EmitOne(
      events::Revoked(**c, v1::REVOKE_REASON_DECLINED, cmd.reason, now + queue.reoffer_delay_ms));
}

Decision DecideComplete(const RouterState& state, const RouterConfig& config,
                        const command::Complete& cmd, int64_t now) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto connected = ConnectedContact(state, cmd.operator_id, cmd.contact, "complete");
  if (!connected.ok()) return Refuse(connected.status());
  const Contact* c = *connected;
  const QueueConfig& queue = QueueSettings(config, c->queue());
  // The wrap-up ends with its timer (DecideSystemStep), at once when the queue's wrap-up is zero.
  return EmitOne(
      events::ConversationEnded(*c, cmd.outcome_code, cmd.notes, now + queue.wrap_up_ms));
}

Decision DecideConnectionLost(const RouterState& state, const RouterConfig& config,
                              const command::ConnectionLost& cmd, int64_t now) {
  std::vector<v1::EventRecord> out;
  if (const Operator* op = state.FindOperator(cmd.operator_id))
    LoseConnection(state, config, *op, now, out);
  return Emit(std::move(out));
}

Decision DecideRecover(const RouterState& state, const RouterConfig& config, int64_t now) {
  std::vector<v1::EventRecord> out;
  for (const auto& [id, op] : state.operators()) LoseConnection(state, config, op, now, out);
  return Emit(std::move(out));
}

}  // namespace ekc::router::internal
