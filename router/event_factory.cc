#include "router/event_factory.h"

#include <utility>

#include "base/check.h"

namespace ekc::router::events {

namespace v1 = ekc::v1;

namespace {

v1::EventRecord About(const Contact& c) {
  v1::EventRecord e;
  e.set_contact_id(c.id.value());
  e.set_operator_id(c.operator_id.value());
  return e;
}

v1::EventRecord About(const OperatorId& op) {
  v1::EventRecord e;
  e.set_operator_id(op.value());
  return e;
}

}  // namespace

v1::EventRecord Offered(const Contact& c, const Operator& op, int64_t deadline_unix_ms,
                        v1::OfferReason reason) {
  v1::EventRecord e = About(c);
  e.set_operator_id(op.id.value());
  v1::ContactOffered* body = e.mutable_contact_offered();
  body->set_deadline_unix_ms(deadline_unix_ms);
  *body->mutable_reason() = std::move(reason);
  return e;
}

v1::EventRecord Revoked(const Contact& c, v1::RevokeReason reason, std::string note,
                        int64_t reoffer_not_before_unix_ms) {
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED);
  v1::EventRecord e = About(c);
  v1::OfferRevoked* body = e.mutable_offer_revoked();
  body->set_reason(reason);
  body->set_note(std::move(note));
  body->set_reoffer_not_before_unix_ms(reoffer_not_before_unix_ms);
  return e;
}

v1::EventRecord Connected(const Contact& c) {
  v1::EventRecord e = About(c);
  e.mutable_contact_connected();
  return e;
}

v1::EventRecord ConversationEnded(const Contact& c, std::string outcome_code, std::string notes,
                                  int64_t wrap_up_until_unix_ms) {
  v1::EventRecord e = About(c);
  v1::ConversationEnded* body = e.mutable_conversation_ended();
  body->set_outcome_code(std::move(outcome_code));
  body->set_notes(std::move(notes));
  body->set_wrap_up_until_unix_ms(wrap_up_until_unix_ms);
  return e;
}

v1::EventRecord Completed(const Contact& c) {
  v1::EventRecord e = About(c);
  e.mutable_contact_completed();
  return e;
}

v1::EventRecord Abandoned(const Contact& c, std::string reason, int64_t waited_ms) {
  v1::EventRecord e = About(c);
  e.clear_operator_id();
  v1::ContactAbandoned* body = e.mutable_contact_abandoned();
  body->set_reason(std::move(reason));
  body->set_waited_ms(waited_ms);
  return e;
}

v1::EventRecord StateChanged(const OperatorId& op, v1::OperatorState state,
                             std::string break_reason) {
  v1::EventRecord e = About(op);
  v1::OperatorStateChanged* body = e.mutable_operator_state_changed();
  body->set_state(state);
  body->set_break_reason(std::move(break_reason));
  return e;
}

v1::EventRecord LoggedOut(const OperatorId& op, std::string reason) {
  v1::EventRecord e = About(op);
  e.mutable_operator_logged_out()->set_reason(std::move(reason));
  return e;
}

v1::EventRecord ConnectionLost(const OperatorId& op, int64_t grace_until_unix_ms) {
  v1::EventRecord e = About(op);
  e.mutable_operator_connection_lost()->set_grace_until_unix_ms(grace_until_unix_ms);
  return e;
}

v1::EventRecord CallbackRequested(const Contact& c, std::string callback_ref, std::string reason) {
  v1::EventRecord e = About(c);
  e.clear_operator_id();
  v1::CallbackRequested* body = e.mutable_callback_requested();
  body->set_callback_ref(std::move(callback_ref));
  body->set_reason(std::move(reason));
  return e;
}

v1::EventRecord Escalated(const Contact& c, uint32_t step, int64_t next_escalation_unix_ms,
                          std::string summary) {
  v1::EventRecord e = About(c);
  v1::ContactEscalated* body = e.mutable_contact_escalated();
  body->set_step(step);
  body->set_next_escalation_unix_ms(next_escalation_unix_ms);
  body->set_summary(std::move(summary));
  return e;
}

v1::EventRecord Reserved(const Contact& c, const OperatorId& op, std::string note) {
  v1::EventRecord e = About(c);
  e.set_operator_id(op.value());
  e.mutable_contact_reserved()->set_operator_id(op.value());
  e.mutable_contact_reserved()->set_note(std::move(note));
  return e;
}

v1::EventRecord PriorityChanged(const Contact& c, v1::Priority priority, const LinePlace& place,
                                std::string note) {
  v1::EventRecord e = About(c);
  v1::ContactPriorityChanged* body = e.mutable_contact_priority_changed();
  body->set_priority(priority);
  *body->mutable_place() = ToProto(place);
  body->set_note(std::move(note));
  return e;
}

v1::EventRecord QueuePauseChanged(const std::string& queue, bool paused, std::string note) {
  v1::EventRecord e;
  v1::QueuePauseChanged* body = e.mutable_queue_pause_changed();
  body->set_queue(queue);
  body->set_paused(paused);
  body->set_note(std::move(note));
  return e;
}

v1::EventRecord ContactsForgotten(int64_t ended_before_unix_ms, uint32_t count) {
  v1::EventRecord e;
  v1::ContactsForgotten* body = e.mutable_contacts_forgotten();
  body->set_ended_before_unix_ms(ended_before_unix_ms);
  body->set_count(count);
  return e;
}

}  // namespace ekc::router::events
