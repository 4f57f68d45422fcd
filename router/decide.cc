// The command dispatcher, the intake commands (submit, cancel, callback) and the helpers the
// handlers share.

#include "router/decide.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide_internal.h"
#include "router/event_factory.h"
#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace internal {

absl::StatusOr<const Operator*> LoggedInOperator(const RouterState& state, const OperatorId& id) {
  const Operator* op = state.FindOperator(id);
  if (op == nullptr || !op->LoggedIn()) {
    return absl::FailedPreconditionError(fmt::format("operator {} is not logged in", id));
  }
  return op;
}

absl::StatusOr<const Contact*> ExistingContact(const RouterState& state, ContactId id,
                                               std::string_view field) {
  const Contact* c = state.FindContact(id);
  if (c == nullptr && id.value() != 0 && id.value() < state.next_contact_id().value()) {
    return absl::NotFoundError(
        fmt::format("{}: contact {} ended more than routing.keep_ended_contacts_s ago and is no "
                    "longer kept (its history is in the log)",
                    field, id));
  }
  if (c == nullptr) return absl::NotFoundError(fmt::format("{}: no contact {}", field, id));
  return c;
}

absl::StatusOr<const Contact*> ConnectedContact(const RouterState& state,
                                                const OperatorId& operator_id, ContactId id,
                                                std::string_view command) {
  const Contact* c = state.FindContact(id);
  if (c == nullptr || c->operator_id != operator_id || c->state != v1::CONTACT_STATE_CONNECTED) {
    return absl::FailedPreconditionError(fmt::format(
        "{}.contact_id: operator {} is not connected to contact {}", command, operator_id, id));
  }
  return c;
}

void FinishWrapUps(const RouterState& state, const Operator& op,
                   std::vector<v1::EventRecord>& out) {
  for (ContactId id : op.active) {
    const Contact* c = state.FindContact(id);
    EKC_CHECK(c != nullptr);
    if (c->state == v1::CONTACT_STATE_WRAP_UP) out.push_back(events::Completed(*c));
  }
}

void RevokeOffer(const RouterState& state, const Operator& op, v1::RevokeReason reason,
                 std::vector<v1::EventRecord>& out) {
  if (op.offered_contact.value() == 0) return;
  const Contact* c = state.FindContact(op.offered_contact);
  EKC_CHECK(c != nullptr);
  out.push_back(events::Revoked(*c, reason, "", 0));
}

bool InConversation(const RouterState& state, const Operator& op) {
  return std::any_of(op.active.begin(), op.active.end(), [&](ContactId id) {
    return state.FindContact(id)->state == v1::CONTACT_STATE_CONNECTED;
  });
}

LinePlace JoinPlace(const RouterConfig& config, v1::Priority priority, int64_t now, ContactId id) {
  return PlaceInLine(priority, now, id, config.priority_aging_ms);
}

int64_t FirstEscalation(const QueueConfig& queue, int64_t joined_unix_ms) {
  return queue.escalation.size() > 1 ? joined_unix_ms + queue.escalation[1].after_ms : 0;
}

}  // namespace internal

namespace {

using internal::Emit;
using internal::Refuse;

// The queue a new contact joins: by its situations and urgency, or the overflow of a full one.
// Refuses when the queue is full and has nowhere to overflow (or that is full too).
absl::StatusOr<const QueueConfig*> QueueForNewContact(const RouterState& state,
                                                      const RouterConfig& config,
                                                      const v1::Classification& classification,
                                                      bool urgent, std::string* overflowed_from) {
  std::vector<std::string_view> codes;
  for (const auto& s : classification.situations()) codes.push_back(s.code());
  const QueueConfig* queue = &config.QueueFor(codes, urgent);
  auto waiting = [&](const QueueConfig& q) {
    const Queue* line = state.FindQueue(q.name);
    return line == nullptr ? 0u : static_cast<uint32_t>(line->line.size());
  };
  if (waiting(*queue) < queue->waiting_max) return queue;
  if (const QueueConfig* overflow = config.FindQueue(queue->overflow_when_full);
      overflow != nullptr && waiting(*overflow) < overflow->waiting_max) {
    *overflowed_from = queue->name;
    return overflow;
  }
  return absl::ResourceExhaustedError(
      fmt::format("queue {} is full: {} contacts are waiting and its waiting_max is {}",
                  queue->name, waiting(*queue), queue->waiting_max));
}

Decision DecideSubmit(const RouterState& state, const RouterConfig& config,
                      const command::Submit& cmd, int64_t now) {
  if (auto existing = state.FindByIdempotencyKey(cmd.idempotency_key)) {
    const Contact* found = state.FindContact(*existing);
    EKC_CHECK(found != nullptr);
    if (found->request_fingerprint != cmd.request_fingerprint) {
      return Refuse(absl::FailedPreconditionError(fmt::format(
          "idempotency_key: already used for contact {} by a different request", found->id)));
    }
    return Decision{.contact = found->id, .duplicate = true};
  }
  const v1::Priority priority = cmd.classification.priority() == v1::PRIORITY_UNSPECIFIED
                                    ? v1::PRIORITY_NORMAL
                                    : cmd.classification.priority();
  std::string overflowed_from;
  auto chosen = QueueForNewContact(state, config, cmd.classification,
                                   priority == v1::PRIORITY_URGENT, &overflowed_from);
  if (!chosen.ok()) return Refuse(chosen.status());
  const QueueConfig& queue = **chosen;
  const Queue* line = state.FindQueue(queue.name);
  uint32_t position = 1;
  if (line != nullptr) {
    for (int p = priority; p <= v1::PRIORITY_URGENT; ++p) position += line->waiting_by_priority[p];
  }

  const ContactId id = state.next_contact_id();
  v1::EventRecord e;
  e.set_contact_id(id.value());
  v1::ContactReceived* r = e.mutable_contact_received();
  r->set_idempotency_key(cmd.idempotency_key);
  r->set_request_fingerprint(cmd.request_fingerprint);
  v1::ContactCard* card = r->mutable_contact();
  card->set_contact_id(id.value());
  card->set_channel(cmd.channel);
  card->set_citizen_ref(cmd.citizen_ref);
  card->set_region(cmd.region);
  card->set_office(cmd.office);
  card->set_text(cmd.text);
  card->set_ivr_choice(cmd.ivr_choice);
  for (const auto& [key, value] : cmd.attributes) (*card->mutable_attributes())[key] = value;
  *card->mutable_classification() = cmd.classification;
  card->set_priority(priority);
  card->set_queue(queue.name);
  card->set_received_unix_ms(now);
  for (const std::string& skill : queue.skills) r->add_required_skills(skill);
  r->set_position(position);
  r->set_estimated_wait_s(EstimateWaitSeconds(state, queue, position));
  r->set_service_level_threshold_s(queue.service_level_threshold_s);
  r->set_short_abandon_s(queue.short_abandon_s);
  *r->mutable_place() = ToProto(internal::JoinPlace(config, priority, now, id));
  r->set_next_escalation_unix_ms(internal::FirstEscalation(queue, now));
  r->set_overflowed_from(overflowed_from);
  Decision d = Emit({});
  d.events.push_back(std::move(e));
  d.contact = id;
  return d;
}

Decision DecideCancel(const RouterState& state, const command::Cancel& cmd, int64_t now) {
  auto c = internal::ExistingContact(state, cmd.contact, "contact_id");
  if (!c.ok()) return Refuse(c.status());
  const Contact& contact = **c;
  std::vector<v1::EventRecord> out;
  switch (contact.state) {
    case v1::CONTACT_STATE_ABANDONED:
      return Emit({});  // cancelling twice is not an error: the citizen left either way
    case v1::CONTACT_STATE_OFFERED:
      out.push_back(events::Revoked(contact, v1::REVOKE_REASON_CONTACT_CANCELLED, cmd.reason, 0));
      [[fallthrough]];
    case v1::CONTACT_STATE_QUEUED:
    case v1::CONTACT_STATE_CALLBACK:
      out.push_back(events::Abandoned(contact, cmd.reason,
                                      std::max<int64_t>(0, now - contact.enqueued_unix_ms)));
      return Emit(std::move(out));
    default:
      return Refuse(absl::FailedPreconditionError(
          fmt::format("contact {} is {}: once an operator accepted it, the operator completes it",
                      contact.id, ContactStateName(contact.state))));
  }
}

Decision DecideRequestCallback(const RouterState& state, const command::RequestCallback& cmd) {
  auto c = internal::ExistingContact(state, cmd.contact, "contact_id");
  if (!c.ok()) return Refuse(c.status());
  const Contact& contact = **c;
  if (contact.callback && (contact.InLine() || contact.state == v1::CONTACT_STATE_OFFERED)) {
    return Emit({});  // asked twice: it is a callback already
  }
  std::vector<v1::EventRecord> out;
  switch (contact.state) {
    case v1::CONTACT_STATE_OFFERED:
      out.push_back(events::Revoked(contact, v1::REVOKE_REASON_CALLBACK, "", 0));
      [[fallthrough]];
    case v1::CONTACT_STATE_QUEUED:
      out.push_back(events::CallbackRequested(contact, cmd.callback_ref, "citizen"));
      return Emit(std::move(out));
    default:
      return Refuse(absl::FailedPreconditionError(
          fmt::format("contact {} is {}: only a waiting contact can turn into a callback",
                      contact.id, ContactStateName(contact.state))));
  }
}

}  // namespace

const QueueConfig& QueueSettings(const RouterConfig& config, std::string_view queue_name) {
  if (const QueueConfig* q = config.FindQueue(queue_name)) return *q;
  const QueueConfig* fallback = config.FindQueue(config.default_queue);
  EKC_CHECK(fallback != nullptr);
  return *fallback;
}

uint32_t EstimateWaitSeconds(const RouterState& state, const QueueConfig& queue,
                             uint32_t position) {
  const uint32_t staffed = std::max<uint32_t>(1, state.LoggedInWithSkills(queue.skills));
  uint32_t free_now = 0;
  const ReadySet* ready = queue.skills.empty() ? &state.ready_operators()
                                               : state.ready_with_skill(queue.skills.front());
  if (ready != nullptr) free_now = static_cast<uint32_t>(ready->size());
  if (position <= free_now) return 0;
  const Queue* line = state.FindQueue(queue.name);
  const double handle_ms = line != nullptr && line->completed > 0
                               ? line->handle_ms_running
                               : static_cast<double>(queue.expected_handle_ms);
  const double wait_ms = (position - free_now) * handle_ms / staffed;
  return static_cast<uint32_t>(std::min<double>(wait_ms / 1000, UINT32_MAX));
}

Decision Decide(const RouterState& state, const RouterConfig& config, const Command& command) {
  return Decide(state, config, command, command.now_unix_ms);
}

Decision Decide(const RouterState& state, const RouterConfig& config, const Command& command,
                int64_t now) {
  using namespace internal;
  return std::visit(
      [&](const auto& cmd) -> Decision {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, command::Submit>)
          return DecideSubmit(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Cancel>) return DecideCancel(state, cmd, now);
        if constexpr (std::is_same_v<T, command::RequestCallback>)
          return DecideRequestCallback(state, cmd);
        if constexpr (std::is_same_v<T, command::Login>) return DecideLogin(state, cmd);
        if constexpr (std::is_same_v<T, command::ChangeState>) {
          return DecideChangeState(state, cmd.operator_id, cmd.state, cmd.break_reason);
        }
        if constexpr (std::is_same_v<T, command::Logout>)
          return DecideLogout(state, cmd.operator_id, cmd.reason);
        if constexpr (std::is_same_v<T, command::Accept>) return DecideAccept(state, cmd);
        if constexpr (std::is_same_v<T, command::Decline>)
          return DecideDecline(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Complete>)
          return DecideComplete(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::ConnectionLost>)
          return DecideConnectionLost(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Transfer>)
          return DecideTransfer(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Reassign>) return DecideReassign(state, cmd);
        if constexpr (std::is_same_v<T, command::ChangePriority>)
          return DecideChangePriority(state, config, cmd);
        if constexpr (std::is_same_v<T, command::ForceOperatorState>)
          return DecideForceOperatorState(state, cmd);
        if constexpr (std::is_same_v<T, command::SetQueuePaused>)
          return DecideSetQueuePaused(state, config, cmd);
        if constexpr (std::is_same_v<T, command::Tick>) return Emit({});
        if constexpr (std::is_same_v<T, command::Recover>) return DecideRecover(state, config, now);
      },
      command.body);
}

}  // namespace ekc::router
