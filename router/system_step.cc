// The core's own steps: timers that fall due, and offers of waiting contacts to free operators.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide.h"
#include "router/decide_internal.h"
#include "router/dispatch.h"
#include "router/event_factory.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

std::vector<v1::EventRecord> OfferTimedOut(const RouterState& state, const RouterConfig& config,
                                           const Contact& c, int64_t now) {
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED);
  const QueueConfig& queue = QueueSettings(config, c.queue());
  std::vector<v1::EventRecord> out;
  out.push_back(events::Revoked(c, v1::REVOKE_REASON_TIMEOUT, "", now + queue.reoffer_delay_ms));
  // After K offers in a row left unanswered the operator is not at their desk: no more offers until
  // they say they are back.
  const Operator* op = state.FindOperator(c.operator_id);
  const uint32_t k = config.not_responding_after_misses;
  if (k > 0 && op->consecutive_misses + 1 >= k) {
    out.push_back(
        events::StateChanged(op->id, v1::OPERATOR_STATE_NOT_RESPONDING,
                             fmt::format("missed {} offers in a row", op->consecutive_misses + 1)));
  }
  return out;
}

std::vector<v1::EventRecord> GraceEnded(const RouterState& state, const Operator& op, int64_t now) {
  EKC_CHECK(op.LoggedIn() && !op.connected);
  std::vector<v1::EventRecord> out;
  // The operator never came back to finish: close their conversations on their behalf.
  for (ContactId id : op.active) {
    const Contact* c = state.FindContact(id);
    if (c->state == v1::CONTACT_STATE_CONNECTED) {
      out.push_back(events::ConversationEnded(*c, "connection_lost", "", now));
    }
    out.push_back(events::Completed(*c));
  }
  out.push_back(events::LoggedOut(op.id, "connection_lost"));
  return out;
}

v1::EventRecord Overflow(const RouterConfig& config, const Contact& c, const QueueConfig& to,
                         int64_t now, std::string reason) {
  v1::EventRecord e;
  e.set_contact_id(c.id.value());
  v1::ContactOverflowed* body = e.mutable_contact_overflowed();
  body->set_from_queue(c.queue());
  body->set_to_queue(to.name);
  for (const std::string& skill : to.skills) body->add_required_skills(skill);
  body->set_service_level_threshold_s(to.service_level_threshold_s);
  body->set_short_abandon_s(to.short_abandon_s);
  *body->mutable_place() = ToProto(c.Place());  // it keeps its place in time
  body->set_next_escalation_unix_ms(internal::FirstEscalation(to, now));
  body->set_reason(std::move(reason));
  (void)config;
  return e;
}

// The contact reached its queue's next escalation step: a wider ring, or the end of the wait here.
std::vector<v1::EventRecord> Escalate(const RouterConfig& config, const Contact& c, int64_t now) {
  const QueueConfig& q = QueueSettings(config, c.queue());
  const uint32_t next = c.escalation_step + 1;
  if (next >= q.escalation.size())
    return internal::One(events::Escalated(c, c.escalation_step, 0, ""));  // config shrank
  const EscalationStep& step = q.escalation[next];
  const int64_t after_next =
      next + 1 < q.escalation.size() ? c.enqueued_unix_ms + q.escalation[next + 1].after_ms : 0;
  if (const QueueConfig* to = config.FindQueue(step.overflow_to); to != nullptr && c.InLine()) {
    return internal::One(Overflow(config, c, *to, now, "escalation"));
  }
  if (step.callback && c.state == v1::CONTACT_STATE_QUEUED) {
    return internal::One(events::CallbackRequested(c, "", "escalation"));
  }
  return internal::One(events::Escalated(c, next, after_next, step.summary));
}

std::vector<v1::EventRecord> FireTimer(const RouterState& state, const RouterConfig& config,
                                       const Timer& timer, int64_t now) {
  switch (timer.kind) {
    case TimerKind::kOfferTimeout:
      return OfferTimedOut(state, config, *state.FindContact(ContactId(timer.contact)), now);
    case TimerKind::kWrapUpEnd: {
      const Contact* c = state.FindContact(ContactId(timer.contact));
      EKC_CHECK(c != nullptr && c->state == v1::CONTACT_STATE_WRAP_UP);
      return internal::One(events::Completed(*c));
    }
    case TimerKind::kGraceEnd:
      return GraceEnded(state, *state.FindOperator(OperatorId(timer.operator_id)), now);
    case TimerKind::kEscalation:
      return Escalate(config, *state.FindContact(ContactId(timer.contact)), now);
  }
  EKC_CHECK_MSG(false, "unknown timer");
  return {};
}

// Ended contacts kept longer than the config says are let go, in batches: once the oldest is
// `kept / 24` past its time, everything that ended more than `kept` ago goes in one event.
std::optional<v1::EventRecord> ForgetEnded(const RouterState& state, const RouterConfig& config,
                                           int64_t now) {
  const int64_t oldest = state.OldestEndedUnixMs();
  if (oldest == 0) return std::nullopt;
  const int64_t kept = config.keep_ended_contacts_ms;
  const int64_t before = now - kept;
  if (oldest >= before - std::max<int64_t>(kept / 24, 1000)) return std::nullopt;
  return events::ContactsForgotten(before, state.EndedBefore(before));
}

}  // namespace

std::vector<v1::EventRecord> DecideSystemStep(const RouterState& state, const RouterConfig& config,
                                              int64_t now_unix_ms, DispatchHints& hints) {
  if (!state.timers().empty() && state.timers().begin()->at_unix_ms <= now_unix_ms) {
    return FireTimer(state, config, *state.timers().begin(), now_unix_ms);
  }
  if (std::optional<v1::EventRecord> forget = ForgetEnded(state, config, now_unix_ms)) {
    return {std::move(*forget)};
  }
  if (std::optional<v1::EventRecord> offer = DispatchStep(state, config, now_unix_ms, hints)) {
    return {std::move(*offer)};
  }
  return {};
}

}  // namespace ekc::router
