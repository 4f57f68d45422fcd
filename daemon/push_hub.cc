#include "daemon/push_hub.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/check.h"
#include "router/names.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

std::shared_ptr<DeskSession> PushHub::AttachDesk(const OperatorId& op,
                                                 std::shared_ptr<DeskSession> session) {
  std::shared_ptr<DeskSession>& slot = desks_[op];
  std::shared_ptr<DeskSession> previous = slot == session ? nullptr : slot;
  slot = std::move(session);
  return previous;
}

bool PushHub::DetachDesk(const OperatorId& op, const DeskSession* session) {
  auto it = desks_.find(op);
  if (it == desks_.end() || it->second.get() != session) return false;
  desks_.erase(it);
  return true;
}

std::shared_ptr<DeskSession> PushHub::DeskOf(const OperatorId& op) const {
  auto it = desks_.find(op);
  return it == desks_.end() ? nullptr : it->second;
}

void EndDeskStream(DeskSession& desk, const absl::Status& why) {
  v1::DeskEvent m;
  m.mutable_error()->set_code(static_cast<int32_t>(why.code()));
  m.mutable_error()->set_message(std::string(why.message()));
  desk.outbox.Send(std::move(m));
  desk.outbox.Close(
      grpc::Status(static_cast<grpc::StatusCode>(why.code()), std::string(why.message())));
}

void PushHub::CloseAllDesks(const absl::Status& why) {
  for (const auto& [op, desk] : desks_) EndDeskStream(*desk, why);
}

absl::Status PushHub::AddWatcher(std::shared_ptr<WatchSession> watcher) {
  if (watcher_total_ >= kWatchersMax) {
    return absl::ResourceExhaustedError(
        fmt::format("{} contacts are watched already, the limit of this server", kWatchersMax));
  }
  auto& list = watchers_[watcher->contact];
  if (list.size() >= kWatchersPerContactMax) {
    return absl::ResourceExhaustedError(fmt::format("contact {} has {} watchers already, the limit",
                                                    watcher->contact, kWatchersPerContactMax));
  }
  list.push_back(std::move(watcher));
  ++watcher_total_;
  return absl::OkStatus();
}

void PushHub::RemoveWatcher(const WatchSession* watcher) {
  auto it = watchers_.find(watcher->contact);
  if (it == watchers_.end()) return;
  const size_t before = it->second.size();
  std::erase_if(it->second, [&](const auto& w) { return w.get() == watcher; });
  watcher_total_ -= before - it->second.size();
  if (it->second.empty()) watchers_.erase(it);
}

std::vector<PushHub::Push> PushHub::Publish(const std::vector<v1::EventRecord>& events,
                                            const router::RouterState& state) {
  std::vector<Push> out;
  std::set<OperatorId> touched;
  for (const v1::EventRecord& e : events) {
    if (!e.operator_id().empty() && !desks_.empty()) {
      PublishToDesk(e, state, out);
      touched.insert(OperatorId(e.operator_id()));
    }
    if (e.contact_id() != 0 && !watchers_.empty()) PublishToWatchers(e, state, out);
  }
  PublishStates(touched, state, out);
  return out;
}

void PushHub::PublishStates(const std::set<OperatorId>& touched, const router::RouterState& state,
                            std::vector<Push>& out) {
  for (const OperatorId& id : touched) {
    std::shared_ptr<DeskSession> desk = DeskOf(id);
    const router::Operator* op = state.FindOperator(id);
    if (desk == nullptr || op == nullptr) continue;
    v1::DeskEvent message = StateChangedMessage(*op, state);
    if (desk->state_told && SameState(desk->last_state_told, message.state_changed())) continue;
    desk->state_told = true;
    desk->last_state_told = message.state_changed();
    out.push_back(
        [desk, message = std::move(message)]() mutable { desk->outbox.Send(std::move(message)); });
  }
}

void PushHub::PublishToDesk(const v1::EventRecord& e, const router::RouterState& state,
                            std::vector<Push>& out) {
  std::shared_ptr<DeskSession> desk = DeskOf(OperatorId(e.operator_id()));
  if (desk == nullptr) return;
  const router::Contact* contact =
      e.contact_id() == 0 ? nullptr : state.FindContact(ContactId(e.contact_id()));
  v1::DeskEvent message;
  switch (e.event_case()) {
    case v1::EventRecord::kContactOffered:
      EKC_CHECK(contact != nullptr);
      message = OfferMessage(*contact, e.contact_offered().reason(), e.time_unix_ms());
      message.mutable_offer()->set_deadline_unix_ms(e.contact_offered().deadline_unix_ms());
      break;
    case v1::EventRecord::kOfferRevoked:
      if (e.offer_revoked().reason() == v1::REVOKE_REASON_DECLINED) return;  // the decliner knows
      message.mutable_offer_revoked()->set_contact_id(e.contact_id());
      message.mutable_offer_revoked()->set_reason(
          std::string(router::RevokeReasonName(e.offer_revoked().reason())));
      break;
    case v1::EventRecord::kOperatorLoggedOut:
      if (e.actor().kind() != v1::ACTOR_KIND_SUPERVISOR) return;  // their own logout is answered
      // A supervisor took the operator offline: tell the desk why, and end its stream.
      out.push_back([desk] {
        EndDeskStream(*desk, absl::FailedPreconditionError("a supervisor logged you out"));
      });
      DetachDesk(desk->operator_id, desk.get());
      return;
    default:
      return;  // state changes are pushed once per command (PublishStates); the rest is answered
  }
  out.push_back(
      [desk, message = std::move(message)]() mutable { desk->outbox.Send(std::move(message)); });
}

void PushHub::PublishToWatchers(const v1::EventRecord& e, const router::RouterState& state,
                                std::vector<Push>& out) {
  auto it = watchers_.find(ContactId(e.contact_id()));
  if (it == watchers_.end()) return;
  const router::Contact* contact = state.FindContact(ContactId(e.contact_id()));
  EKC_CHECK(contact != nullptr);
  v1::ContactUpdate update = ContactUpdateOf(*contact, state, e.time_unix_ms());
  // The event's own transition, even when later events of the same command moved the contact on.
  switch (e.event_case()) {
    case v1::EventRecord::kContactReceived:
      update.set_state(v1::CONTACT_STATE_QUEUED);
      break;
    case v1::EventRecord::kContactOffered:
      update.set_state(v1::CONTACT_STATE_OFFERED);
      update.set_operator_id(e.operator_id());
      break;
    case v1::EventRecord::kOfferRevoked:
      update.set_state(v1::CONTACT_STATE_QUEUED);
      update.clear_operator_id();
      update.set_reason(std::string(router::RevokeReasonName(e.offer_revoked().reason())));
      break;
    case v1::EventRecord::kContactConnected:
      update.set_state(v1::CONTACT_STATE_CONNECTED);
      update.set_operator_id(e.operator_id());
      break;
    case v1::EventRecord::kConversationEnded:
      update.set_state(v1::CONTACT_STATE_WRAP_UP);
      break;
    case v1::EventRecord::kContactCompleted:
      update.set_state(v1::CONTACT_STATE_COMPLETED);
      break;
    case v1::EventRecord::kContactAbandoned:
      update.set_state(v1::CONTACT_STATE_ABANDONED);
      update.set_reason(e.contact_abandoned().reason());
      break;
    case v1::EventRecord::kCallbackRequested:
      update.set_state(v1::CONTACT_STATE_CALLBACK);
      update.set_reason(e.callback_requested().reason());
      break;
    case v1::EventRecord::kContactOverflowed:
    case v1::EventRecord::kContactTransferred:
    case v1::EventRecord::kContactPriorityChanged:
    case v1::EventRecord::kContactEscalated:
      break;  // still waiting: the update carries its queue, priority and place now
    default:
      return;
  }
  if (update.state() != v1::CONTACT_STATE_QUEUED && update.state() != v1::CONTACT_STATE_CALLBACK) {
    update.set_position(0);
  }
  const bool over = WatchIsOver(update.state());
  for (const auto& watcher : it->second) {
    out.push_back([watcher, update, over] {
      watcher->outbox.Send(update);
      if (over) watcher->outbox.Close(grpc::Status::OK);
    });
  }
  if (over) {
    watcher_total_ -= it->second.size();
    watchers_.erase(it);
  }
}

v1::ContactUpdate ContactUpdateOf(const router::Contact& c, const router::RouterState& state,
                                  int64_t now_unix_ms) {
  v1::ContactUpdate u;
  u.set_contact_id(c.id.value());
  u.set_state(c.state);
  u.set_queue(c.queue());
  u.set_priority(c.priority());
  u.set_position(state.PositionOf(c));
  u.set_operator_id(c.operator_id.value());
  u.set_time_unix_ms(now_unix_ms);
  const int64_t until = c.connected_unix_ms != 0 ? c.connected_unix_ms
                        : c.ended_unix_ms != 0   ? c.ended_unix_ms
                                                 : now_unix_ms;
  u.set_waited_ms(std::max<int64_t>(0, until - c.enqueued_unix_ms));
  u.set_reason(c.end_reason);
  return u;
}

bool WatchIsOver(v1::ContactState state) {
  return state != v1::CONTACT_STATE_QUEUED && state != v1::CONTACT_STATE_OFFERED &&
         state != v1::CONTACT_STATE_CALLBACK;
}

v1::DeskEvent OfferMessage(const router::Contact& c, const v1::OfferReason& reason,
                           int64_t now_unix_ms) {
  v1::DeskEvent m;
  v1::Offer* offer = m.mutable_offer();
  *offer->mutable_contact() = c.card.ToProto();
  offer->set_deadline_unix_ms(c.offer_deadline_unix_ms);
  *offer->mutable_reason() = reason;
  offer->set_waited_ms(std::max<int64_t>(0, now_unix_ms - c.enqueued_unix_ms));
  return m;
}

v1::DeskEvent AssignmentMessage(const router::Contact& c) {
  v1::DeskEvent m;
  *m.mutable_assignment()->mutable_contact() = c.card.ToProto();
  m.mutable_assignment()->set_connected_unix_ms(c.connected_unix_ms);
  return m;
}

v1::DeskEvent StateChangedMessage(const router::Operator& op, const router::RouterState& state) {
  v1::DeskEvent m;
  v1::StateChanged* s = m.mutable_state_changed();
  s->set_state(op.shown);
  if (op.shown == v1::OPERATOR_STATE_BREAK || op.shown == v1::OPERATOR_STATE_NOT_RESPONDING) {
    s->set_break_reason(op.break_reason);
  }
  s->set_since_unix_ms(op.state_since_unix_ms);
  if (op.shown == v1::OPERATOR_STATE_WRAP_UP) {
    int64_t until = 0;
    for (ContactId id : op.active)
      until = std::max(until, state.FindContact(id)->wrap_up_until_unix_ms);
    s->set_wrap_up_until_unix_ms(until);
  }
  return m;
}

bool SameState(const v1::StateChanged& a, const v1::StateChanged& b) {
  return a.state() == b.state() && a.break_reason() == b.break_reason() &&
         a.wrap_up_until_unix_ms() == b.wrap_up_until_unix_ms();
}

}  // namespace ekc::daemon
