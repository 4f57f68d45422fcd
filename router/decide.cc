#include "router/decide.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "router/event_factory.h"
#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

// A proficiency of 0 in a request means "not said": the middle of the 1–10 scale.
constexpr uint32_t kDefaultProficiency = 5;
constexpr uint32_t kProficiencyMax = 10;

Decision Refuse(absl::Status status) {
  EKC_DCHECK(!status.ok());
  return Decision{.status = std::move(status)};
}

Decision Emit(std::vector<v1::EventRecord> events) { return Decision{.events = std::move(events)}; }

absl::StatusOr<const Operator*> LoggedInOperator(const RouterState& state, const OperatorId& id) {
  const Operator* op = state.FindOperator(id);
  if (op == nullptr || !op->LoggedIn()) {
    return absl::FailedPreconditionError(fmt::format("operator {} is not logged in", id));
  }
  return op;
}

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

// Events that finish a wrap-up now: the contact is completed.
void FinishWrapUp(const RouterState& state, const Operator& op, std::vector<v1::EventRecord>& out) {
  if (op.active_contact.value() == 0) return;
  const Contact* c = state.FindContact(op.active_contact);
  EKC_CHECK(c != nullptr && c->state == v1::CONTACT_STATE_WRAP_UP);
  out.push_back(events::Completed(*c));
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
  const v1::Classification& classification = cmd.classification;
  std::vector<std::string_view> codes;
  for (const auto& s : classification.situations()) codes.push_back(s.code());
  const v1::Priority priority = classification.priority() == v1::PRIORITY_UNSPECIFIED
                                    ? v1::PRIORITY_NORMAL
                                    : classification.priority();
  const QueueConfig& queue = config.QueueFor(codes, priority == v1::PRIORITY_URGENT);
  const Queue* line = state.FindQueue(queue.name);
  const uint32_t waiting = line == nullptr ? 0 : static_cast<uint32_t>(line->waiting.size());
  if (waiting >= queue.waiting_max) {
    return Refuse(absl::ResourceExhaustedError(
        fmt::format("queue {} is full: {} contacts are waiting and its waiting_max is {}",
                    queue.name, waiting, queue.waiting_max)));
  }
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
  card->set_text(cmd.text);
  card->set_ivr_choice(cmd.ivr_choice);
  for (const auto& [key, value] : cmd.attributes) (*card->mutable_attributes())[key] = value;
  *card->mutable_classification() = classification;
  card->set_priority(priority);
  card->set_queue(queue.name);
  card->set_received_unix_ms(now);
  for (const std::string& skill : queue.skills) r->add_required_skills(skill);
  r->set_position(position);
  r->set_estimated_wait_s(EstimateWaitSeconds(state, queue, position));
  r->set_service_level_threshold_s(queue.service_level_threshold_s);
  r->set_short_abandon_s(queue.short_abandon_s);
  Decision d = Emit({});
  d.events.push_back(std::move(e));
  d.contact = id;
  return d;
}

Decision DecideCancel(const RouterState& state, const command::Cancel& cmd, int64_t now) {
  const Contact* c = state.FindContact(cmd.contact);
  if (c == nullptr) {
    return Refuse(absl::NotFoundError(fmt::format("contact_id: no contact {}", cmd.contact)));
  }
  std::vector<v1::EventRecord> out;
  switch (c->state) {
    case v1::CONTACT_STATE_ABANDONED:
      return Emit({});  // cancelling twice is not an error: the citizen left either way
    case v1::CONTACT_STATE_OFFERED:
      out.push_back(events::Revoked(*c, v1::REVOKE_REASON_CONTACT_CANCELLED, cmd.reason, 0));
      [[fallthrough]];
    case v1::CONTACT_STATE_QUEUED:
      out.push_back(
          events::Abandoned(*c, cmd.reason, std::max<int64_t>(0, now - c->enqueued_unix_ms)));
      return Emit(std::move(out));
    default:
      return Refuse(absl::FailedPreconditionError(
          fmt::format("contact {} is {}: once an operator accepted it, the operator completes it",
                      c->id, ContactStateName(c->state))));
  }
}

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
  if (resumed) {
    r->set_state(existing->state);
    r->set_break_reason(existing->break_reason);
  } else {
    r->set_state(cmd.ready ? v1::OPERATOR_STATE_AVAILABLE : v1::OPERATOR_STATE_BREAK);
    r->set_break_reason(cmd.ready ? "" : "login");
  }
  return Emit({std::move(e)});
}

Decision DecideChangeState(const RouterState& state, const command::ChangeState& cmd) {
  if (cmd.state != v1::OPERATOR_STATE_AVAILABLE && cmd.state != v1::OPERATOR_STATE_BREAK) {
    return Refuse(absl::InvalidArgumentError(fmt::format(
        "change_state.state: must be AVAILABLE or BREAK, not {}", OperatorStateName(cmd.state))));
  }
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  const Operator& o = **op;
  if (o.state == v1::OPERATOR_STATE_BUSY) {
    return Refuse(absl::FailedPreconditionError(fmt::format(
        "operator {} is handling contact {}: complete it first", o.id, o.active_contact)));
  }
  const std::string reason = cmd.state == v1::OPERATOR_STATE_BREAK ? cmd.break_reason : "";
  if (o.state == cmd.state && o.break_reason == reason) return Emit({});
  std::vector<v1::EventRecord> out;
  FinishWrapUp(state, o, out);
  if (cmd.state != v1::OPERATOR_STATE_AVAILABLE && o.offered_contact.value() != 0) {
    const Contact* c = state.FindContact(o.offered_contact);
    EKC_CHECK(c != nullptr);
    out.push_back(events::Revoked(*c, v1::REVOKE_REASON_OPERATOR_UNAVAILABLE, "", 0));
  }
  out.push_back(events::StateChanged(o.id, cmd.state, reason));
  return Emit(std::move(out));
}

Decision DecideLogout(const RouterState& state, const command::Logout& cmd) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  const Operator& o = **op;
  if (o.state == v1::OPERATOR_STATE_BUSY) {
    return Refuse(absl::FailedPreconditionError(
        fmt::format("operator {} is handling contact {}: complete it before logging out", o.id,
                    o.active_contact)));
  }
  std::vector<v1::EventRecord> out;
  FinishWrapUp(state, o, out);
  if (o.offered_contact.value() != 0) {
    const Contact* c = state.FindContact(o.offered_contact);
    EKC_CHECK(c != nullptr);
    out.push_back(events::Revoked(*c, v1::REVOKE_REASON_OPERATOR_UNAVAILABLE, "", 0));
  }
  out.push_back(events::LoggedOut(o.id, cmd.reason.empty() ? "logout" : cmd.reason));
  return Emit(std::move(out));
}

Decision DecideAccept(const RouterState& state, const command::Accept& cmd) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto c = HeldOffer(state, **op, cmd.contact, "accept");
  if (!c.ok()) return Refuse(c.status());
  return Emit({events::Connected(**c)});
}

Decision DecideDecline(const RouterState& state, const RouterConfig& config,
                       const command::Decline& cmd, int64_t now) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  auto c = HeldOffer(state, **op, cmd.contact, "decline");
  if (!c.ok()) return Refuse(c.status());
  const QueueConfig& queue = QueueSettings(config, (*c)->queue());
  return Emit(
      {events::Revoked(**c, v1::REVOKE_REASON_DECLINED, cmd.reason, now + queue.reoffer_delay_ms)});
}

Decision DecideComplete(const RouterState& state, const RouterConfig& config,
                        const command::Complete& cmd, int64_t now) {
  auto op = LoggedInOperator(state, cmd.operator_id);
  if (!op.ok()) return Refuse(op.status());
  const Contact* c = state.FindContact(cmd.contact);
  if (c == nullptr || (*op)->active_contact != cmd.contact ||
      c->state != v1::CONTACT_STATE_CONNECTED) {
    return Refuse(absl::FailedPreconditionError(
        fmt::format("complete.contact_id: operator {} is not connected to contact {}",
                    cmd.operator_id, cmd.contact)));
  }
  const QueueConfig& queue = QueueSettings(config, c->queue());
  std::vector<v1::EventRecord> out;
  out.push_back(events::ConversationEnded(*c, cmd.outcome_code, cmd.notes, now + queue.wrap_up_ms));
  // The wrap-up ends with its timer (DecideSystemStep), at once when the queue's wrap-up is zero.
  return Emit(std::move(out));
}

// Revokes the operator's offer and starts their grace period.
void LoseConnection(const RouterState& state, const RouterConfig& config, const Operator& op,
                    int64_t now, std::vector<v1::EventRecord>& out) {
  if (!op.LoggedIn() || !op.connected) return;
  if (op.offered_contact.value() != 0) {
    const Contact* c = state.FindContact(op.offered_contact);
    EKC_CHECK(c != nullptr);
    out.push_back(events::Revoked(*c, v1::REVOKE_REASON_CONNECTION_LOST, "", 0));
  }
  out.push_back(events::ConnectionLost(op.id, now + config.operator_grace_ms));
}

Decision DecideConnectionLost(const RouterState& state, const RouterConfig& config,
                              const command::ConnectionLost& cmd, int64_t now) {
  std::vector<v1::EventRecord> out;
  if (const Operator* op = state.FindOperator(cmd.operator_id)) {
    LoseConnection(state, config, *op, now, out);
  }
  return Emit(std::move(out));
}

Decision DecideRecover(const RouterState& state, const RouterConfig& config, int64_t now) {
  std::vector<v1::EventRecord> out;
  for (const auto& [id, op] : state.operators()) LoseConnection(state, config, op, now, out);
  return Emit(std::move(out));
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
  uint32_t staffed = 0;
  uint32_t idle = 0;
  for (const auto& [id, op] : state.operators()) {
    if (!op.LoggedIn() || !op.HasSkills(queue.skills)) continue;
    ++staffed;
    if (op.Idle()) ++idle;
  }
  if (position <= idle) return 0;
  const Queue* line = state.FindQueue(queue.name);
  const int64_t handle_ms = line != nullptr && line->completed > 0
                                ? line->handle_ms_total / static_cast<int64_t>(line->completed)
                                : queue.expected_handle_ms;
  const int64_t wait_ms =
      static_cast<int64_t>(position - idle) * handle_ms / std::max<int64_t>(1, staffed);
  return static_cast<uint32_t>(std::min<int64_t>(wait_ms / 1000, UINT32_MAX));
}

Decision Decide(const RouterState& state, const RouterConfig& config, const Command& command) {
  const int64_t now = command.now_unix_ms;
  return std::visit(
      [&](const auto& cmd) -> Decision {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, command::Submit>)
          return DecideSubmit(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Cancel>) return DecideCancel(state, cmd, now);
        if constexpr (std::is_same_v<T, command::Login>) return DecideLogin(state, cmd);
        if constexpr (std::is_same_v<T, command::ChangeState>) return DecideChangeState(state, cmd);
        if constexpr (std::is_same_v<T, command::Logout>) return DecideLogout(state, cmd);
        if constexpr (std::is_same_v<T, command::Accept>) return DecideAccept(state, cmd);
        if constexpr (std::is_same_v<T, command::Decline>)
          return DecideDecline(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::Complete>)
          return DecideComplete(state, config, cmd, now);
        if constexpr (std::is_same_v<T, command::ConnectionLost>) {
          return DecideConnectionLost(state, config, cmd, now);
        }
        if constexpr (std::is_same_v<T, command::Tick>) return Emit({});
        if constexpr (std::is_same_v<T, command::Recover>) return DecideRecover(state, config, now);
      },
      command.body);
}

}  // namespace ekc::router
