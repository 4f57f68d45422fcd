#include "router/state.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

#include "base/absl_fmt.h"
#include "base/check.h"
#include "base/hash.h"
#include "router/invariants.h"
#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

bool Contact::IsRefusedBy(const OperatorId& op, int64_t now_unix_ms) const {
  for (const Refusal& r : refusals) {
    if (r.operator_id == op && r.until_unix_ms > now_unix_ms) return true;
  }
  return false;
}

const v1::Skill* Operator::FindSkill(std::string_view name) const {
  auto it = std::lower_bound(skills.begin(), skills.end(), name,
                             [](const v1::Skill& s, std::string_view n) { return s.name() < n; });
  return it != skills.end() && it->name() == name ? &*it : nullptr;
}

bool Operator::HasSkills(const std::vector<std::string>& required) const {
  return std::all_of(required.begin(), required.end(),
                     [&](const std::string& r) { return FindSkill(r) != nullptr; });
}

bool Operator::TakesChannel(v1::Channel channel) const {
  if (channels.empty()) return true;
  return std::any_of(channels.begin(), channels.end(), [&](const v1::ChannelCapacity& c) {
    return c.channel() == channel && c.capacity() > 0;
  });
}

bool Operator::Idle() const {
  return state == v1::OPERATOR_STATE_AVAILABLE && connected && offered_contact.value() == 0 &&
         active_contact.value() == 0;
}

LinePlace PlaceInLine(v1::Priority priority, int64_t enqueued_unix_ms, ContactId id) {
  return LinePlace{.priority_rank = -static_cast<int>(priority),
                   .enqueued_unix_ms = enqueued_unix_ms,
                   .contact = id.value()};
}

// ---- queries
// ----------------------------------------------------------------------------------------

const Contact* RouterState::FindContact(ContactId id) const {
  auto it = contacts_.find(id.value());
  return it == contacts_.end() ? nullptr : &it->second;
}

const Operator* RouterState::FindOperator(const OperatorId& id) const {
  auto it = operators_.find(id);
  return it == operators_.end() ? nullptr : &it->second;
}

const Queue* RouterState::FindQueue(std::string_view name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : &it->second;
}

std::optional<ContactId> RouterState::FindByIdempotencyKey(const std::string& key) const {
  auto it = idempotency_keys_.find(key);
  if (it == idempotency_keys_.end()) return std::nullopt;
  return ContactId(it->second);
}

uint32_t RouterState::PositionOf(const Contact& contact) const {
  if (!contact.IsWaiting()) return 0;
  const Queue* q = FindQueue(contact.queue());
  EKC_CHECK(q != nullptr);
  const LinePlace place = PlaceInLine(contact.priority(), contact.enqueued_unix_ms, contact.id);
  uint32_t position = 1;
  for (const LinePlace& p : q->waiting) {
    if (p == place) return position;
    ++position;
  }
  EKC_CHECK_MSG(false, "a waiting contact is missing from its queue");
  return 0;
}

uint32_t RouterState::WaitingCount() const {
  uint32_t n = 0;
  for (const auto& [name, q] : queues_) n += static_cast<uint32_t>(q.waiting.size());
  return n;
}

uint32_t RouterState::LoggedInCount() const {
  return static_cast<uint32_t>(std::count_if(operators_.begin(), operators_.end(),
                                             [](const auto& kv) { return kv.second.LoggedIn(); }));
}

// ---- apply
// ------------------------------------------------------------------------------------------

void RouterState::Apply(const v1::EventRecord& e) {
  EKC_CHECK_MSG(
      e.sequence() == last_sequence_.value() + 1,
      fmt::format("event {} does not follow {}", e.sequence(), last_sequence_.value()).c_str());
  switch (e.event_case()) {
    case v1::EventRecord::kContactReceived:
      ApplyContactReceived(e);
      break;
    case v1::EventRecord::kContactOffered:
      ApplyContactOffered(e);
      break;
    case v1::EventRecord::kOfferRevoked:
      ApplyOfferRevoked(e);
      break;
    case v1::EventRecord::kContactConnected:
      ApplyContactConnected(e);
      break;
    case v1::EventRecord::kConversationEnded:
      ApplyConversationEnded(e);
      break;
    case v1::EventRecord::kContactCompleted:
      ApplyContactCompleted(e);
      break;
    case v1::EventRecord::kContactAbandoned:
      ApplyContactAbandoned(e);
      break;
    case v1::EventRecord::kOperatorLoggedIn:
      ApplyOperatorLoggedIn(e);
      break;
    case v1::EventRecord::kOperatorStateChanged:
      ApplyOperatorStateChanged(e);
      break;
    case v1::EventRecord::kOperatorLoggedOut:
      ApplyOperatorLoggedOut(e);
      break;
    case v1::EventRecord::kOperatorConnectionLost:
      ApplyOperatorConnectionLost(e);
      break;
    case v1::EventRecord::EVENT_NOT_SET:
      EKC_CHECK_MSG(false, fmt::format("event {} has no body", e.sequence()).c_str());
  }
  statistics_.Observe(e);
  last_sequence_ = Sequence(e.sequence());
  last_time_unix_ms_ = std::max(last_time_unix_ms_, e.time_unix_ms());
}

Contact& RouterState::MutableContact(uint64_t id) {
  auto it = contacts_.find(id);
  EKC_CHECK_MSG(it != contacts_.end(), fmt::format("no contact {}", id).c_str());
  return it->second;
}

Operator& RouterState::MutableOperator(const std::string& id) {
  auto it = operators_.find(OperatorId(id));
  EKC_CHECK_MSG(it != operators_.end(), fmt::format("no operator {}", id).c_str());
  return it->second;
}

Queue& RouterState::MutableQueue(const std::string& name) {
  auto it = queues_.find(name);
  if (it == queues_.end()) {
    it = queues_.emplace(name, Queue{.name = name}).first;
  }
  return it->second;
}

void RouterState::EnterLine(const Contact& c) {
  Queue& q = MutableQueue(c.queue());
  EKC_CHECK(q.waiting.insert(PlaceInLine(c.priority(), c.enqueued_unix_ms, c.id)).second);
  ++q.waiting_by_priority[static_cast<size_t>(c.priority())];
}

void RouterState::LeaveLine(const Contact& c) {
  Queue& q = MutableQueue(c.queue());
  EKC_CHECK(q.waiting.erase(PlaceInLine(c.priority(), c.enqueued_unix_ms, c.id)) == 1);
  uint32_t& count = q.waiting_by_priority[static_cast<size_t>(c.priority())];
  EKC_CHECK(count > 0);
  --count;
}

void RouterState::SetOperatorState(Operator& op, v1::OperatorState state, std::string break_reason,
                                   int64_t now_unix_ms) {
  if (state == v1::OPERATOR_STATE_AVAILABLE && op.state != v1::OPERATOR_STATE_AVAILABLE) {
    op.available_since_unix_ms = now_unix_ms;
  }
  if (op.state != state || op.break_reason != break_reason) op.state_since_unix_ms = now_unix_ms;
  op.state = state;
  op.break_reason = std::move(break_reason);
}

void RouterState::RefreshIdle(Operator& op) {
  if (auto it = idle_since_.find(op.id); it != idle_since_.end()) {
    idle_.erase({it->second, op.id});
    idle_since_.erase(it);
  }
  if (op.Idle()) {
    idle_.insert({op.available_since_unix_ms, op.id});
    idle_since_[op.id] = op.available_since_unix_ms;
  }
}

void RouterState::DropRefusals(Contact& c) {
  for (const Refusal& r : c.refusals) refusal_expiries_.erase({r.until_unix_ms, c.id.value()});
  c.refusals.clear();
}

int64_t RouterState::NextWakeUp(int64_t now_unix_ms) const {
  int64_t next = timers_.empty() ? 0 : timers_.begin()->at_unix_ms;
  auto it = refusal_expiries_.upper_bound({now_unix_ms, UINT64_MAX});
  if (it != refusal_expiries_.end() && (next == 0 || it->first < next)) next = it->first;
  return next;
}

void RouterState::ApplyContactReceived(const v1::EventRecord& e) {
  const v1::ContactReceived& r = e.contact_received();
  const uint64_t id = e.contact_id();
  EKC_CHECK(id != 0 && r.contact().contact_id() == id);
  EKC_CHECK_MSG(!contacts_.contains(id), fmt::format("contact {} received twice", id).c_str());
  EKC_CHECK(!r.idempotency_key().empty() && !idempotency_keys_.contains(r.idempotency_key()));
  Contact c;
  c.id = ContactId(id);
  c.card = r.contact();
  c.idempotency_key = r.idempotency_key();
  c.request_fingerprint = r.request_fingerprint();
  c.required_skills.assign(r.required_skills().begin(), r.required_skills().end());
  c.initial_position = r.position();
  c.initial_estimated_wait_s = r.estimated_wait_s();
  c.enqueued_unix_ms = e.time_unix_ms();
  EnterLine(c);
  idempotency_keys_.emplace(c.idempotency_key, id);
  contacts_.emplace(id, std::move(c));
  next_contact_id_ = std::max(next_contact_id_, id + 1);
}

void RouterState::ApplyContactOffered(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.IsWaiting());
  EKC_CHECK_MSG(op.Idle(), fmt::format("operator {} is not free for an offer", op.id).c_str());
  LeaveLine(c);
  c.state = v1::CONTACT_STATE_OFFERED;
  c.operator_id = op.id;
  c.offer_deadline_unix_ms = e.contact_offered().deadline_unix_ms();
  ++c.offers;
  op.offered_contact = c.id;
  timers_.insert(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  RefreshIdle(op);
}

void RouterState::ApplyOfferRevoked(const v1::EventRecord& e) {
  const v1::OfferRevoked& r = e.offer_revoked();
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED && c.operator_id == op.id);
  EKC_CHECK(op.offered_contact == c.id);
  timers_.erase(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  c.state = v1::CONTACT_STATE_QUEUED;
  c.operator_id = OperatorId();
  c.offer_deadline_unix_ms = 0;
  EnterLine(c);  // back at its old place: its enqueue time did not change
  if (r.reoffer_not_before_unix_ms() > e.time_unix_ms()) {
    // Keep the refusals that still matter, this operator's newest one among them.
    std::vector<Refusal> kept;
    for (const Refusal& x : c.refusals) {
      if (x.operator_id != op.id && x.until_unix_ms > e.time_unix_ms()) kept.push_back(x);
    }
    kept.push_back(Refusal{op.id, r.reoffer_not_before_unix_ms()});
    DropRefusals(c);
    c.refusals = std::move(kept);
    for (const Refusal& x : c.refusals) refusal_expiries_.insert({x.until_unix_ms, c.id.value()});
  }
  op.offered_contact = ContactId();
  RefreshIdle(op);
}

void RouterState::ApplyContactConnected(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED && c.operator_id == op.id &&
            op.offered_contact == c.id);
  timers_.erase(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  DropRefusals(c);
  c.state = v1::CONTACT_STATE_CONNECTED;
  c.offer_deadline_unix_ms = 0;
  c.connected_unix_ms = e.time_unix_ms();
  op.offered_contact = ContactId();
  op.active_contact = c.id;
  SetOperatorState(op, v1::OPERATOR_STATE_BUSY, "", e.time_unix_ms());
  RefreshIdle(op);
}

void RouterState::ApplyConversationEnded(const v1::EventRecord& e) {
  const v1::ConversationEnded& r = e.conversation_ended();
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_CONNECTED && c.operator_id == op.id &&
            op.active_contact == c.id);
  c.state = v1::CONTACT_STATE_WRAP_UP;
  c.outcome_code = r.outcome_code();
  c.notes = r.notes();
  c.wrap_up_until_unix_ms = r.wrap_up_until_unix_ms();
  timers_.insert(
      Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, c.id.value(), op.id.value()});
  SetOperatorState(op, v1::OPERATOR_STATE_WRAP_UP, "", e.time_unix_ms());
  RefreshIdle(op);
}

void RouterState::ApplyContactCompleted(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_WRAP_UP && c.operator_id == op.id &&
            op.active_contact == c.id);
  timers_.erase(Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, c.id.value(), op.id.value()});
  c.state = v1::CONTACT_STATE_COMPLETED;
  c.ended_unix_ms = e.time_unix_ms();
  op.active_contact = ContactId();
  Queue& q = MutableQueue(c.queue());
  ++q.completed;
  q.handle_ms_total += std::max<int64_t>(0, c.ended_unix_ms - c.connected_unix_ms);
  RefreshIdle(op);
}

void RouterState::ApplyContactAbandoned(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK_MSG(c.IsWaiting(), "only a waiting contact is abandoned; revoke its offer first");
  LeaveLine(c);
  DropRefusals(c);
  c.state = v1::CONTACT_STATE_ABANDONED;
  c.ended_unix_ms = e.time_unix_ms();
  c.end_reason = e.contact_abandoned().reason();
}

void RouterState::ApplyOperatorLoggedIn(const v1::EventRecord& e) {
  const v1::OperatorLoggedIn& r = e.operator_logged_in();
  EKC_CHECK(!e.operator_id().empty());
  auto [it, created] = operators_.try_emplace(OperatorId(e.operator_id()));
  Operator& op = it->second;
  if (created) op.id = OperatorId(e.operator_id());
  if (!op.LoggedIn()) op.logged_in_unix_ms = e.time_unix_ms();
  op.name = r.name();
  op.office = r.office();
  op.region = r.region();
  op.skills.assign(r.skills().begin(), r.skills().end());
  std::sort(op.skills.begin(), op.skills.end(),
            [](const v1::Skill& a, const v1::Skill& b) { return a.name() < b.name(); });
  op.channels.assign(r.channels().begin(), r.channels().end());
  if (!op.connected) {
    timers_.erase(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  }
  op.connected = true;
  op.grace_until_unix_ms = 0;
  SetOperatorState(op, r.state(), r.break_reason(), e.time_unix_ms());
  RefreshIdle(op);
}

void RouterState::ApplyOperatorStateChanged(const v1::EventRecord& e) {
  const v1::OperatorStateChanged& r = e.operator_state_changed();
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn());
  EKC_CHECK_MSG(op.active_contact.value() == 0, "complete the contact before changing state");
  EKC_CHECK(r.state() == v1::OPERATOR_STATE_AVAILABLE || r.state() == v1::OPERATOR_STATE_BREAK ||
            r.state() == v1::OPERATOR_STATE_NOT_RESPONDING);
  EKC_CHECK_MSG(r.state() == v1::OPERATOR_STATE_AVAILABLE || op.offered_contact.value() == 0,
                "revoke the offer before the operator leaves");
  SetOperatorState(op, r.state(), r.break_reason(), e.time_unix_ms());
  RefreshIdle(op);
}

void RouterState::ApplyOperatorLoggedOut(const v1::EventRecord& e) {
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn());
  EKC_CHECK_MSG(op.offered_contact.value() == 0 && op.active_contact.value() == 0,
                "an operator logs out holding nothing");
  if (!op.connected) {
    timers_.erase(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  }
  op.connected = false;
  op.grace_until_unix_ms = 0;
  SetOperatorState(op, v1::OPERATOR_STATE_OFFLINE, "", e.time_unix_ms());
  RefreshIdle(op);
}

void RouterState::ApplyOperatorConnectionLost(const v1::EventRecord& e) {
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn() && op.connected);
  EKC_CHECK_MSG(op.offered_contact.value() == 0, "revoke the offer before the connection is lost");
  op.connected = false;
  op.grace_until_unix_ms = e.operator_connection_lost().grace_until_unix_ms();
  timers_.insert(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  RefreshIdle(op);
}

// ---- snapshot
// ---------------------------------------------------------------------------------------

ekc::v1::RouterSnapshot RouterState::ToSnapshot() const {
  v1::RouterSnapshot s;
  s.set_last_sequence(last_sequence_.value());
  s.set_last_time_unix_ms(last_time_unix_ms_);
  s.set_next_contact_id(next_contact_id_);
  std::vector<const Contact*> sorted;
  sorted.reserve(contacts_.size());
  for (const auto& [id, c] : contacts_) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const Contact* a, const Contact* b) { return a->id < b->id; });
  for (const Contact* c : sorted) {
    v1::ContactSnapshot* out = s.add_contacts();
    *out->mutable_card() = c->card;
    out->set_state(c->state);
    out->set_idempotency_key(c->idempotency_key);
    out->set_request_fingerprint(c->request_fingerprint);
    for (const auto& skill : c->required_skills) out->add_required_skills(skill);
    out->set_initial_position(c->initial_position);
    out->set_initial_estimated_wait_s(c->initial_estimated_wait_s);
    out->set_enqueued_unix_ms(c->enqueued_unix_ms);
    out->set_operator_id(c->operator_id.value());
    out->set_offer_deadline_unix_ms(c->offer_deadline_unix_ms);
    out->set_connected_unix_ms(c->connected_unix_ms);
    out->set_wrap_up_until_unix_ms(c->wrap_up_until_unix_ms);
    out->set_ended_unix_ms(c->ended_unix_ms);
    out->set_outcome_code(c->outcome_code);
    out->set_notes(c->notes);
    out->set_end_reason(c->end_reason);
    for (const Refusal& r : c->refusals) {
      auto* x = out->add_refusals();
      x->set_operator_id(r.operator_id.value());
      x->set_until_unix_ms(r.until_unix_ms);
    }
    out->set_offers(c->offers);
  }
  for (const auto& [id, op] : operators_) {
    v1::OperatorSnapshot* out = s.add_operators();
    out->set_operator_id(id.value());
    out->set_name(op.name);
    out->set_office(op.office);
    out->set_region(op.region);
    for (const auto& skill : op.skills) *out->add_skills() = skill;
    for (const auto& ch : op.channels) *out->add_channels() = ch;
    out->set_state(op.state);
    out->set_break_reason(op.break_reason);
    out->set_state_since_unix_ms(op.state_since_unix_ms);
    out->set_available_since_unix_ms(op.available_since_unix_ms);
    out->set_connected(op.connected);
    out->set_grace_until_unix_ms(op.grace_until_unix_ms);
    out->set_offered_contact_id(op.offered_contact.value());
    out->set_active_contact_id(op.active_contact.value());
    out->set_logged_in_unix_ms(op.logged_in_unix_ms);
  }
  for (const auto& [name, q] : queues_) {
    v1::QueueSnapshot* out = s.add_queues();
    out->set_name(name);
    out->set_completed(q.completed);
    out->set_handle_ms_total(q.handle_ms_total);
  }
  *s.mutable_statistics() = statistics_.ToSnapshot();
  return s;
}

uint64_t RouterState::StateHash() const {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ToSnapshot().SerializeToCodedStream(&coded);
  }
  return StableHash64(bytes);
}

absl::StatusOr<RouterState> RouterState::FromSnapshot(const v1::RouterSnapshot& snapshot) {
  RouterState state;
  state.last_sequence_ = Sequence(snapshot.last_sequence());
  state.last_time_unix_ms_ = snapshot.last_time_unix_ms();
  state.next_contact_id_ = snapshot.next_contact_id();
  for (const v1::QueueSnapshot& q : snapshot.queues()) {
    Queue& queue = state.MutableQueue(q.name());
    queue.completed = q.completed();
    queue.handle_ms_total = q.handle_ms_total();
  }
  for (const v1::OperatorSnapshot& o : snapshot.operators()) {
    auto [it, created] = state.operators_.try_emplace(OperatorId(o.operator_id()));
    if (!created || o.operator_id().empty()) {
      return absl::DataLossError(
          fmt::format("snapshot: operator \"{}\" twice or unnamed", o.operator_id()));
    }
    Operator& op = it->second;
    op.id = OperatorId(o.operator_id());
    op.name = o.name();
    op.office = o.office();
    op.region = o.region();
    op.skills.assign(o.skills().begin(), o.skills().end());
    op.channels.assign(o.channels().begin(), o.channels().end());
    op.state = o.state();
    op.break_reason = o.break_reason();
    op.state_since_unix_ms = o.state_since_unix_ms();
    op.available_since_unix_ms = o.available_since_unix_ms();
    op.connected = o.connected();
    op.grace_until_unix_ms = o.grace_until_unix_ms();
    op.offered_contact = ContactId(o.offered_contact_id());
    op.active_contact = ContactId(o.active_contact_id());
    op.logged_in_unix_ms = o.logged_in_unix_ms();
    if (op.LoggedIn() && !op.connected) {
      state.timers_.insert(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
    }
    state.RefreshIdle(op);
  }
  for (const v1::ContactSnapshot& cs : snapshot.contacts()) {
    const uint64_t id = cs.card().contact_id();
    if (id == 0 || id >= state.next_contact_id_ || state.contacts_.contains(id)) {
      return absl::DataLossError(fmt::format("snapshot: contact {} is out of range or twice", id));
    }
    Contact c;
    c.id = ContactId(id);
    c.card = cs.card();
    c.state = cs.state();
    c.idempotency_key = cs.idempotency_key();
    c.request_fingerprint = cs.request_fingerprint();
    c.required_skills.assign(cs.required_skills().begin(), cs.required_skills().end());
    c.initial_position = cs.initial_position();
    c.initial_estimated_wait_s = cs.initial_estimated_wait_s();
    c.enqueued_unix_ms = cs.enqueued_unix_ms();
    c.operator_id = OperatorId(cs.operator_id());
    c.offer_deadline_unix_ms = cs.offer_deadline_unix_ms();
    c.connected_unix_ms = cs.connected_unix_ms();
    c.wrap_up_until_unix_ms = cs.wrap_up_until_unix_ms();
    c.ended_unix_ms = cs.ended_unix_ms();
    c.outcome_code = cs.outcome_code();
    c.notes = cs.notes();
    c.end_reason = cs.end_reason();
    for (const auto& r : cs.refusals()) {
      c.refusals.push_back(Refusal{OperatorId(r.operator_id()), r.until_unix_ms()});
      state.refusal_expiries_.insert({r.until_unix_ms(), id});
    }
    c.offers = cs.offers();
    if (c.priority() < v1::PRIORITY_LOW || c.priority() > v1::PRIORITY_URGENT ||
        c.queue().empty() || !state.idempotency_keys_.emplace(c.idempotency_key, id).second) {
      return absl::DataLossError(
          fmt::format("snapshot: contact {} has no valid priority, queue or key", id));
    }
    if (c.IsWaiting()) state.EnterLine(c);
    if (c.state == v1::CONTACT_STATE_OFFERED) {
      state.timers_.insert(
          Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, id, c.operator_id.value()});
    } else if (c.state == v1::CONTACT_STATE_WRAP_UP) {
      state.timers_.insert(
          Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, id, c.operator_id.value()});
    }
    state.contacts_.emplace(id, std::move(c));
  }
  auto statistics = Statistics::FromSnapshot(snapshot.statistics());
  if (!statistics.ok()) return statistics.status();
  state.statistics_ = std::move(*statistics);
  // Whatever the snapshot says must hold as it held when it was written.
  if (absl::Status s = CheckInvariants(state); !s.ok()) {
    return absl::DataLossError(fmt::format("snapshot: {}", s.message()));
  }
  return state;
}

}  // namespace ekc::router
