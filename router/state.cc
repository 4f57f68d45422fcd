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

namespace {

// Weight of the newest completion in a queue's running handle time.
constexpr double kRunningHandleWeight = 0.1;
// Ranks of the two classes when aging is on: urgent first, everything else by aged arrival.
constexpr int kUrgentRank = -100;
constexpr int kAgedRank = 0;

bool IsVoice(v1::Channel c) { return c == v1::CHANNEL_VOICE; }

}  // namespace

StoredCard::StoredCard(const v1::ContactCard& card)
    : channel_(card.channel()),
      priority_(card.priority()),
      queue_(card.queue()),
      region_(card.region()),
      office_(card.office()) {
  EKC_CHECK(card.SerializeToString(&submitted_));
}

v1::ContactCard StoredCard::ToProto() const {
  v1::ContactCard card;
  EKC_CHECK(card.ParseFromString(submitted_));  // written by the constructor
  card.set_channel(channel_);
  card.set_priority(priority_);
  card.set_queue(queue_);
  card.set_region(region_);
  card.set_office(office_);
  return card;
}

std::string StoredCard::callback_ref() const {
  v1::ContactCard card;
  EKC_CHECK(card.ParseFromString(submitted_));
  return std::move(*card.mutable_callback_ref());
}

void StoredCard::set_callback_ref(const std::string& ref) {
  v1::ContactCard card;
  EKC_CHECK(card.ParseFromString(submitted_));
  card.set_callback_ref(ref);
  EKC_CHECK(card.SerializeToString(&submitted_));
}

v1::Classification StoredCard::classification() const {
  v1::ContactCard card;
  EKC_CHECK(card.ParseFromString(submitted_));
  return std::move(*card.mutable_classification());
}

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

uint32_t Operator::ProficiencyIn(const std::vector<std::string>& required) const {
  uint32_t lowest = 10;
  for (const std::string& r : required) {
    const v1::Skill* s = FindSkill(r);
    lowest = std::min(lowest, s == nullptr ? 0u : s->proficiency());
  }
  return lowest;
}

uint32_t Operator::Capacity(v1::Channel channel) const {
  if (channels.empty()) return 1;
  for (const auto& c : channels) {
    if (c.channel() == channel) return IsVoice(channel) ? std::min(c.capacity(), 1u) : c.capacity();
  }
  return 0;
}

bool Operator::CanTake(v1::Channel channel, bool chat_during_voice) const {
  if (presence != v1::OPERATOR_STATE_AVAILABLE || !connected || offered_contact.value() != 0)
    return false;
  // Without channels listed the operator handles one contact at a time, whatever its channel.
  if (channels.empty()) return active.empty();
  if (IsVoice(channel)) return active.empty() && Capacity(channel) > 0;
  if (active_by_channel[v1::CHANNEL_VOICE] > 0 && !chat_during_voice) return false;
  return active_by_channel[channel] < Capacity(channel);
}

bool Operator::Ready() const {
  if (presence != v1::OPERATOR_STATE_AVAILABLE || !connected || offered_contact.value() != 0)
    return false;
  if (channels.empty()) return active.empty();
  for (const auto& c : channels) {
    if (active_by_channel[c.channel()] < Capacity(c.channel())) return true;
  }
  return false;
}

LinePlace PlaceInLine(v1::Priority priority, int64_t joined_unix_ms, ContactId id,
                      int64_t aging_ms) {
  if (priority == v1::PRIORITY_URGENT) return LinePlace{kUrgentRank, joined_unix_ms, id.value()};
  if (aging_ms > 0) {
    const int64_t worth = static_cast<int64_t>(priority - v1::PRIORITY_LOW) * aging_ms;
    return LinePlace{kAgedRank, joined_unix_ms - worth, id.value()};
  }
  return LinePlace{-static_cast<int>(priority), joined_unix_ms, id.value()};
}

v1::LinePlace ToProto(const LinePlace& place) {
  v1::LinePlace p;
  p.set_rank(place.rank);
  p.set_time_unix_ms(place.time_unix_ms);
  return p;
}

// ---- queries ------------------------------------------------------------------------------------

const Contact* RouterState::FindContact(ContactId id) const {
  auto it = contacts_.find(id.value());
  return it == contacts_.end() ? nullptr : &it->second;
}

const Operator* RouterState::FindOperator(const OperatorId& id) const {
  if (const Operator* op = operator_index_.Find(id.value())) return op;
  auto it = operators_.find(id);
  return it == operators_.end() ? nullptr : &it->second;
}

const Queue* RouterState::FindQueue(std::string_view name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : &it->second;
}

std::optional<ContactId> RouterState::FindByIdempotencyKey(const std::string& key) const {
  auto [it, end] = idempotency_index_.equal_range(StableHash64(key));
  for (; it != end; ++it) {
    if (contacts_.at(it->second).idempotency_key == key) return ContactId(it->second);
  }
  return std::nullopt;
}

const ReadySet* RouterState::ready_with_skill(const std::string& skill) const {
  auto it = ready_by_skill_.find(skill);
  return it == ready_by_skill_.end() ? nullptr : &it->second;
}

std::vector<ContactId> RouterState::RefusalsExpiring(int64_t after_unix_ms,
                                                     int64_t until_unix_ms) const {
  std::vector<ContactId> out;
  for (auto it = refusal_expiries_.upper_bound({after_unix_ms, UINT64_MAX});
       it != refusal_expiries_.end() && it->first <= until_unix_ms; ++it) {
    out.push_back(ContactId(it->second));
  }
  return out;
}

int64_t RouterState::NextWakeUp(int64_t now_unix_ms) const {
  int64_t next = timers_.empty() ? 0 : timers_.begin()->at_unix_ms;
  auto it = refusal_expiries_.upper_bound({now_unix_ms, UINT64_MAX});
  if (it != refusal_expiries_.end() && (next == 0 || it->first < next)) next = it->first;
  return next;
}

uint32_t RouterState::PositionOf(const Contact& contact) const {
  if (!contact.InLine()) return 0;
  const Queue* q = FindQueue(contact.queue());
  EKC_CHECK(q != nullptr);
  const LinePlace place = contact.Place();
  uint32_t position = 1;
  for (const LinePlace& p : q->line) {
    if (p == place) return position;
    ++position;
  }
  EKC_CHECK_MSG(false, "a contact in line is missing from its queue");
  return 0;
}

uint32_t RouterState::WaitingCount() const {
  uint32_t n = 0;
  for (const auto& [name, q] : queues_) n += static_cast<uint32_t>(q.line.size());
  return n;
}

uint32_t RouterState::LoggedInCount() const { return logged_in_; }

uint32_t RouterState::LoggedInWithSkills(const std::vector<std::string>& skills) const {
  uint32_t n = logged_in_;
  for (const std::string& skill : skills) {
    auto it = logged_in_by_skill_.find(skill);
    n = std::min(n, it == logged_in_by_skill_.end() ? 0u : it->second);
  }
  return n;
}

void RouterState::CountStaffing(const Operator& op, int delta) {
  logged_in_ += delta;
  for (const auto& s : op.skills) {
    uint32_t& n = logged_in_by_skill_[s.name()];
    n += delta;
    if (n == 0) logged_in_by_skill_.erase(s.name());
  }
}

// ---- apply --------------------------------------------------------------------------------------

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
    case v1::EventRecord::kContactEscalated:
      ApplyContactEscalated(e);
      break;
    case v1::EventRecord::kContactOverflowed:
      ApplyContactOverflowed(e);
      break;
    case v1::EventRecord::kCallbackRequested:
      ApplyCallbackRequested(e);
      break;
    case v1::EventRecord::kContactTransferred:
      ApplyContactTransferred(e);
      break;
    case v1::EventRecord::kContactPriorityChanged:
      ApplyContactPriorityChanged(e);
      break;
    case v1::EventRecord::kContactReserved:
      ApplyContactReserved(e);
      break;
    case v1::EventRecord::kQueuePauseChanged:
      ApplyQueuePauseChanged(e);
      break;
    case v1::EventRecord::kContactsForgotten:
      ApplyContactsForgotten(e);
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
  if (Operator* op = operator_index_.Find(id)) return *op;
  auto it = operators_.find(OperatorId(id));
  EKC_CHECK_MSG(it != operators_.end(), fmt::format("no operator {}", id).c_str());
  operator_index_.Add(it->first.value(), &it->second);
  return it->second;
}

Queue& RouterState::MutableQueue(const std::string& name) {
  auto it = queues_.find(name);
  if (it == queues_.end()) it = queues_.emplace(name, Queue{.name = name}).first;
  return it->second;
}

void RouterState::EnterLine(const Contact& c) {
  Queue& q = MutableQueue(c.queue());
  EKC_CHECK(q.line.insert(c.Place()).second);
  ++q.waiting_by_priority[static_cast<size_t>(c.priority())];
  ++q.line_skill_sets[c.required_skills];
}

void RouterState::LeaveLine(const Contact& c) {
  Queue& q = MutableQueue(c.queue());
  EKC_CHECK(q.line.erase(c.Place()) == 1);
  uint32_t& count = q.waiting_by_priority[static_cast<size_t>(c.priority())];
  EKC_CHECK(count > 0);
  --count;
  auto skills = q.line_skill_sets.find(c.required_skills);
  EKC_CHECK(skills != q.line_skill_sets.end() && skills->second > 0);
  if (--skills->second == 0) q.line_skill_sets.erase(skills);
}

void RouterState::SetEscalationTimer(Contact& c, int64_t next_unix_ms) {
  if (c.next_escalation_unix_ms != 0) {
    timers_.erase(Timer{c.next_escalation_unix_ms, TimerKind::kEscalation, c.id.value(), ""});
  }
  c.next_escalation_unix_ms = next_unix_ms;
  if (next_unix_ms != 0)
    timers_.insert(Timer{next_unix_ms, TimerKind::kEscalation, c.id.value(), ""});
}

void RouterState::AddActive(Operator& op, const Contact& c) {
  op.active.insert(std::upper_bound(op.active.begin(), op.active.end(), c.id), c.id);
  ++op.active_by_channel[c.channel()];
}

void RouterState::RemoveActive(Operator& op, const Contact& c) {
  auto it = std::find(op.active.begin(), op.active.end(), c.id);
  EKC_CHECK(it != op.active.end());
  op.active.erase(it);
  EKC_CHECK(op.active_by_channel[c.channel()] > 0);
  --op.active_by_channel[c.channel()];
}

void RouterState::Reserve(Contact& c, OperatorId op) {
  if (!c.reserved_for.value().empty()) {
    auto it = reservations_.find(c.reserved_for);
    if (it != reservations_.end()) {
      it->second.erase(c.id);
      if (it->second.empty()) reservations_.erase(it);
    }
  }
  c.reserved_for = std::move(op);
  if (!c.reserved_for.value().empty()) reservations_[c.reserved_for].insert(c.id);
}

void RouterState::Refresh(Operator& op, int64_t now_unix_ms) {
  // What is shown: the work in hand over the chosen availability.
  v1::OperatorState shown = op.presence;
  if (op.LoggedIn()) {
    bool connected_contact = false;
    for (ContactId id : op.active) {
      if (contacts_.at(id.value()).state == v1::CONTACT_STATE_CONNECTED) connected_contact = true;
    }
    if (connected_contact) {
      shown = v1::OPERATOR_STATE_BUSY;
    } else if (!op.active.empty()) {
      shown = v1::OPERATOR_STATE_WRAP_UP;
    }
  }
  if (shown != op.shown) {
    op.shown = shown;
    op.state_since_unix_ms = now_unix_ms;
  }
  // The ready sets: keyed by when the operator became ready, kept while they stay ready.
  const bool ready = op.Ready();
  if (op.ready_key && !ready) {
    ready_.erase({*op.ready_key, op.id});
    for (const auto& s : op.skills) ready_by_skill_[s.name()].erase({*op.ready_key, op.id});
    op.ready_key.reset();
  } else if (!op.ready_key && ready) {
    op.ready_since_unix_ms = now_unix_ms;
    ready_.insert({now_unix_ms, op.id});
    for (const auto& s : op.skills) ready_by_skill_[s.name()].insert({now_unix_ms, op.id});
    op.ready_key = now_unix_ms;
  }
}

void RouterState::DropRefusals(Contact& c) {
  for (const Refusal& r : c.refusals) refusal_expiries_.erase({r.until_unix_ms, c.id.value()});
  c.refusals.clear();
}

void RouterState::End(Contact& c, v1::ContactState state, int64_t now_unix_ms) {
  c.state = state;
  c.ended_unix_ms = now_unix_ms;
  ended_.insert({now_unix_ms, c.id.value()});
}

uint32_t RouterState::EndedBefore(int64_t unix_ms) const {
  const auto end = ended_.lower_bound({unix_ms, 0});
  return static_cast<uint32_t>(std::distance(ended_.begin(), end));
}

void RouterState::ApplyContactReceived(const v1::EventRecord& e) {
  const v1::ContactReceived& r = e.contact_received();
  const uint64_t id = e.contact_id();
  EKC_CHECK(id != 0 && r.contact().contact_id() == id);
  EKC_CHECK_MSG(!contacts_.contains(id), fmt::format("contact {} received twice", id).c_str());
  EKC_CHECK(!r.idempotency_key().empty() && !FindByIdempotencyKey(r.idempotency_key()));
  Contact c;
  c.id = ContactId(id);
  c.card = StoredCard(r.contact());
  c.idempotency_key = r.idempotency_key();
  c.request_fingerprint = r.request_fingerprint();
  c.required_skills = skill_sets_.Intern(r.required_skills());
  c.initial_position = r.position();
  c.initial_estimated_wait_s = r.estimated_wait_s();
  c.enqueued_unix_ms = e.time_unix_ms();
  c.service_level_threshold_s = r.service_level_threshold_s();
  // Logs written before places were recorded: by priority, then arrival.
  const LinePlace place = r.has_place() ? LinePlace{r.place().rank(), r.place().time_unix_ms(), id}
                                        : PlaceInLine(c.priority(), e.time_unix_ms(), c.id, 0);
  c.place_rank = place.rank;
  c.place_time_unix_ms = place.time_unix_ms;
  EnterLine(c);
  idempotency_index_.emplace(StableHash64(c.idempotency_key), id);
  Contact& stored = contacts_.emplace(id, std::move(c)).first->second;
  SetEscalationTimer(stored, r.next_escalation_unix_ms());
  next_contact_id_ = std::max(next_contact_id_, id + 1);
}

void RouterState::ApplyContactOffered(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.InLine());
  EKC_CHECK_MSG(op.Ready() && op.CanTake(c.channel(), true),
                fmt::format("operator {} cannot take contact {} now", op.id, c.id).c_str());
  EKC_CHECK(c.reserved_for.value().empty() || c.reserved_for == op.id);
  LeaveLine(c);
  c.state = v1::CONTACT_STATE_OFFERED;
  c.operator_id = op.id;
  c.offer_deadline_unix_ms = e.contact_offered().deadline_unix_ms();
  ++c.offers;
  op.offered_contact = c.id;
  MutableQueue(c.queue()).last_offered_operator = op.id;
  timers_.insert(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyOfferRevoked(const v1::EventRecord& e) {
  const v1::OfferRevoked& r = e.offer_revoked();
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED && c.operator_id == op.id);
  EKC_CHECK(op.offered_contact == c.id);
  timers_.erase(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  c.state = c.callback ? v1::CONTACT_STATE_CALLBACK : v1::CONTACT_STATE_QUEUED;
  c.operator_id = OperatorId();
  c.offer_deadline_unix_ms = 0;
  EnterLine(c);  // back at its old place
  // A reservation holds until the operator it is for turns the contact down (or cannot take it).
  if (c.reserved_for == op.id) Reserve(c, OperatorId());
  if (r.reoffer_not_before_unix_ms() > e.time_unix_ms()) {
    // Keep the refusals that still matter, this operator's newest one among them.
    std::vector<Refusal> kept;
    for (const Refusal& x : c.refusals) {
      if (x.operator_id != op.id && x.until_unix_ms > e.time_unix_ms()) kept.push_back(x);
    }
    kept.push_back(Refusal{op.id, r.reoffer_not_before_unix_ms()});
    std::sort(kept.begin(), kept.end(),
              [](const Refusal& a, const Refusal& b) { return a.until_unix_ms > b.until_unix_ms; });
    if (kept.size() > kRefusalsPerContactMax) kept.resize(kRefusalsPerContactMax);
    DropRefusals(c);
    c.refusals = std::move(kept);
    for (const Refusal& x : c.refusals) refusal_expiries_.insert({x.until_unix_ms, c.id.value()});
  }
  if (r.reason() == v1::REVOKE_REASON_TIMEOUT) ++op.consecutive_misses;
  op.offered_contact = ContactId();
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyContactConnected(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_OFFERED && c.operator_id == op.id &&
            op.offered_contact == c.id);
  timers_.erase(
      Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, c.id.value(), op.id.value()});
  SetEscalationTimer(c, 0);
  DropRefusals(c);
  Reserve(c, OperatorId());
  c.state = v1::CONTACT_STATE_CONNECTED;
  c.offer_deadline_unix_ms = 0;
  c.connected_unix_ms = e.time_unix_ms();
  op.offered_contact = ContactId();
  op.consecutive_misses = 0;
  AddActive(op, c);
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyConversationEnded(const v1::EventRecord& e) {
  const v1::ConversationEnded& r = e.conversation_ended();
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_CONNECTED && c.operator_id == op.id);
  c.state = v1::CONTACT_STATE_WRAP_UP;
  c.outcome_code = r.outcome_code();
  c.notes = r.notes();
  c.wrap_up_until_unix_ms = r.wrap_up_until_unix_ms();
  timers_.insert(
      Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, c.id.value(), op.id.value()});
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyContactCompleted(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_WRAP_UP && c.operator_id == op.id);
  timers_.erase(Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, c.id.value(), op.id.value()});
  End(c, v1::CONTACT_STATE_COMPLETED, e.time_unix_ms());
  RemoveActive(op, c);
  Queue& q = MutableQueue(c.queue());
  const int64_t handle_ms = std::max<int64_t>(0, c.ended_unix_ms - c.connected_unix_ms);
  ++q.completed;
  q.handle_ms_total += handle_ms;
  q.handle_ms_running =
      q.completed == 1
          ? static_cast<double>(handle_ms)
          : q.handle_ms_running + kRunningHandleWeight * (handle_ms - q.handle_ms_running);
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyContactAbandoned(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK_MSG(c.InLine(), "only a contact in line is abandoned; revoke its offer first");
  LeaveLine(c);
  SetEscalationTimer(c, 0);
  DropRefusals(c);
  Reserve(c, OperatorId());
  End(c, v1::CONTACT_STATE_ABANDONED, e.time_unix_ms());
  c.end_reason = e.contact_abandoned().reason();
}

void RouterState::ApplyOperatorLoggedIn(const v1::EventRecord& e) {
  const v1::OperatorLoggedIn& r = e.operator_logged_in();
  EKC_CHECK(!e.operator_id().empty());
  auto [it, created] = operators_.try_emplace(OperatorId(e.operator_id()));
  operator_index_.Add(it->first.value(), &it->second);
  Operator& op = it->second;
  if (created) op.id = OperatorId(e.operator_id());
  // Skills may change with a login: take the operator out of the ready sets under the old ones
  // first.
  if (op.ready_key) {
    ready_.erase({*op.ready_key, op.id});
    for (const auto& s : op.skills) ready_by_skill_[s.name()].erase({*op.ready_key, op.id});
    op.ready_key.reset();
  }
  if (!op.LoggedIn()) {
    op.logged_in_unix_ms = e.time_unix_ms();
  } else {
    CountStaffing(op, -1);  // counted again below, with the skills of this login
  }
  op.name = r.name();
  op.office = r.office();
  op.region = r.region();
  op.skills.assign(r.skills().begin(), r.skills().end());
  std::sort(op.skills.begin(), op.skills.end(),
            [](const v1::Skill& a, const v1::Skill& b) { return a.name() < b.name(); });
  op.channels.assign(r.channels().begin(), r.channels().end());
  if (!op.connected)
    timers_.erase(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  op.connected = true;
  op.grace_until_unix_ms = 0;
  // A resumed session reports the state shown (BUSY, WRAP_UP); its presence is what it was.
  const v1::OperatorState s = r.state();
  if (s != v1::OPERATOR_STATE_BUSY && s != v1::OPERATOR_STATE_WRAP_UP) {
    op.presence = s;
    op.break_reason = r.break_reason();
  }
  if (op.presence == v1::OPERATOR_STATE_AVAILABLE) op.consecutive_misses = 0;
  CountStaffing(op, +1);
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyOperatorStateChanged(const v1::EventRecord& e) {
  const v1::OperatorStateChanged& r = e.operator_state_changed();
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn());
  EKC_CHECK(r.state() == v1::OPERATOR_STATE_AVAILABLE || r.state() == v1::OPERATOR_STATE_BREAK ||
            r.state() == v1::OPERATOR_STATE_NOT_RESPONDING);
  EKC_CHECK_MSG(r.state() == v1::OPERATOR_STATE_AVAILABLE || op.offered_contact.value() == 0,
                "revoke the offer before the operator leaves");
  op.presence = r.state();
  op.break_reason = r.break_reason();
  if (op.presence == v1::OPERATOR_STATE_AVAILABLE) op.consecutive_misses = 0;
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyOperatorLoggedOut(const v1::EventRecord& e) {
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn());
  EKC_CHECK_MSG(op.offered_contact.value() == 0 && op.active.empty(),
                "an operator logs out holding nothing");
  if (!op.connected)
    timers_.erase(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  // Contacts reserved for them are free for anyone again.
  if (auto it = reservations_.find(op.id); it != reservations_.end()) {
    const std::set<ContactId> reserved = it->second;
    for (ContactId id : reserved) Reserve(MutableContact(id.value()), OperatorId());
  }
  CountStaffing(op, -1);
  op.connected = false;
  op.grace_until_unix_ms = 0;
  op.presence = v1::OPERATOR_STATE_OFFLINE;
  op.break_reason.clear();
  op.consecutive_misses = 0;
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyOperatorConnectionLost(const v1::EventRecord& e) {
  Operator& op = MutableOperator(e.operator_id());
  EKC_CHECK(op.LoggedIn() && op.connected);
  EKC_CHECK_MSG(op.offered_contact.value() == 0, "revoke the offer before the connection is lost");
  op.connected = false;
  op.grace_until_unix_ms = e.operator_connection_lost().grace_until_unix_ms();
  timers_.insert(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
  Refresh(op, e.time_unix_ms());
}

void RouterState::ApplyContactEscalated(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK(c.InLine() || c.state == v1::CONTACT_STATE_OFFERED);
  c.escalation_step = e.contact_escalated().step();
  SetEscalationTimer(c, e.contact_escalated().next_escalation_unix_ms());
}

void RouterState::ApplyContactOverflowed(const v1::EventRecord& e) {
  const v1::ContactOverflowed& r = e.contact_overflowed();
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK(c.InLine() && c.queue() == r.from_queue());
  LeaveLine(c);
  c.card.set_queue(r.to_queue());
  c.required_skills = skill_sets_.Intern(r.required_skills());
  c.service_level_threshold_s = r.service_level_threshold_s();
  c.place_rank = r.place().rank();
  c.place_time_unix_ms = r.place().time_unix_ms();
  c.enqueued_unix_ms = e.time_unix_ms();
  c.escalation_step = 0;
  DropRefusals(c);
  Reserve(c, OperatorId());
  EnterLine(c);
  SetEscalationTimer(c, r.next_escalation_unix_ms());
}

void RouterState::ApplyCallbackRequested(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK_MSG(c.state == v1::CONTACT_STATE_QUEUED, "only a queued contact turns into a callback");
  c.state = v1::CONTACT_STATE_CALLBACK;  // same place in the same line
  c.callback = true;
  c.card.set_callback_ref(e.callback_requested().callback_ref());
  SetEscalationTimer(c, 0);  // nobody waits on the line any more
}

void RouterState::ApplyContactTransferred(const v1::EventRecord& e) {
  const v1::ContactTransferred& r = e.contact_transferred();
  Contact& c = MutableContact(e.contact_id());
  Operator& from = MutableOperator(e.operator_id());
  EKC_CHECK(c.state == v1::CONTACT_STATE_CONNECTED && c.operator_id == from.id);
  RemoveActive(from, c);
  c.state = v1::CONTACT_STATE_QUEUED;
  c.operator_id = OperatorId();
  c.card.set_queue(r.to_queue());
  c.required_skills = skill_sets_.Intern(r.required_skills());
  c.place_rank = r.place().rank();
  c.place_time_unix_ms = r.place().time_unix_ms();
  c.enqueued_unix_ms = e.time_unix_ms();
  c.escalation_step = 0;
  c.connected_unix_ms = 0;
  EnterLine(c);
  Reserve(c, OperatorId(r.to_operator()));
  SetEscalationTimer(c, r.next_escalation_unix_ms());
  Refresh(from, e.time_unix_ms());
}

void RouterState::ApplyContactPriorityChanged(const v1::EventRecord& e) {
  const v1::ContactPriorityChanged& r = e.contact_priority_changed();
  Contact& c = MutableContact(e.contact_id());
  const bool in_line = c.InLine();
  if (in_line) LeaveLine(c);
  c.card.set_priority(r.priority());
  c.place_rank = r.place().rank();
  c.place_time_unix_ms = r.place().time_unix_ms();
  if (in_line) EnterLine(c);
}

void RouterState::ApplyContactReserved(const v1::EventRecord& e) {
  Contact& c = MutableContact(e.contact_id());
  EKC_CHECK_MSG(c.InLine(), "revoke the offer before reserving the contact");
  EKC_CHECK(operators_.contains(OperatorId(e.contact_reserved().operator_id())));
  Reserve(c, OperatorId(e.contact_reserved().operator_id()));
}

void RouterState::ApplyQueuePauseChanged(const v1::EventRecord& e) {
  MutableQueue(e.queue_pause_changed().queue()).paused = e.queue_pause_changed().paused();
}

void RouterState::ApplyContactsForgotten(const v1::EventRecord& e) {
  const v1::ContactsForgotten& r = e.contacts_forgotten();
  uint32_t forgotten = 0;
  while (!ended_.empty() && ended_.begin()->first < r.ended_before_unix_ms()) {
    const uint64_t id = ended_.begin()->second;
    ended_.erase(ended_.begin());
    Contact& c = MutableContact(id);
    EKC_CHECK(c.Ended());
    // Refusals and a reservation may outlive the conversation; nothing may point at it afterwards.
    DropRefusals(c);
    Reserve(c, OperatorId());
    auto [it, end] = idempotency_index_.equal_range(StableHash64(c.idempotency_key));
    while (it != end && it->second != id) ++it;
    EKC_CHECK(it != end);
    idempotency_index_.erase(it);
    contacts_.erase(id);
    ++forgotten;
  }
  EKC_CHECK_MSG(forgotten == r.count(),
                fmt::format("event {} forgets {} contacts, but {} ended before {}", e.sequence(),
                            r.count(), forgotten, r.ended_before_unix_ms())
                    .c_str());
}

// ---- snapshot -----------------------------------------------------------------------------------

namespace {

void ContactToProto(const Contact& c, v1::ContactSnapshot* out) {
  *out->mutable_card() = c.card.ToProto();
  out->set_state(c.state);
  out->set_idempotency_key(c.idempotency_key);
  out->set_request_fingerprint(c.request_fingerprint);
  for (const auto& skill : c.required_skills) out->add_required_skills(skill);
  out->set_initial_position(c.initial_position);
  out->set_initial_estimated_wait_s(c.initial_estimated_wait_s);
  out->set_enqueued_unix_ms(c.enqueued_unix_ms);
  out->set_operator_id(c.operator_id.value());
  out->set_offer_deadline_unix_ms(c.offer_deadline_unix_ms);
  out->set_connected_unix_ms(c.connected_unix_ms);
  out->set_wrap_up_until_unix_ms(c.wrap_up_until_unix_ms);
  out->set_ended_unix_ms(c.ended_unix_ms);
  out->set_outcome_code(c.outcome_code);
  out->set_notes(c.notes);
  out->set_end_reason(c.end_reason);
  for (const Refusal& r : c.refusals) {
    auto* x = out->add_refusals();
    x->set_operator_id(r.operator_id.value());
    x->set_until_unix_ms(r.until_unix_ms);
  }
  out->set_offers(c.offers);
  *out->mutable_place() = ToProto(c.Place());
  out->set_escalation_step(c.escalation_step);
  out->set_next_escalation_unix_ms(c.next_escalation_unix_ms);
  out->set_reserved_for(c.reserved_for.value());
  out->set_callback(c.callback);
  out->set_service_level_threshold_s(c.service_level_threshold_s);
}

Contact ContactFromProto(const v1::ContactSnapshot& cs) {
  Contact c;
  c.id = ContactId(cs.card().contact_id());
  c.card = StoredCard(cs.card());
  c.state = cs.state();
  c.idempotency_key = cs.idempotency_key();
  c.request_fingerprint = cs.request_fingerprint();
  c.initial_position = cs.initial_position();
  c.initial_estimated_wait_s = cs.initial_estimated_wait_s();
  c.enqueued_unix_ms = cs.enqueued_unix_ms();
  c.place_rank = cs.place().rank();
  c.place_time_unix_ms = cs.place().time_unix_ms();
  c.escalation_step = cs.escalation_step();
  c.service_level_threshold_s = cs.service_level_threshold_s();
  c.operator_id = OperatorId(cs.operator_id());
  c.callback = cs.callback();
  c.offer_deadline_unix_ms = cs.offer_deadline_unix_ms();
  c.connected_unix_ms = cs.connected_unix_ms();
  c.wrap_up_until_unix_ms = cs.wrap_up_until_unix_ms();
  c.ended_unix_ms = cs.ended_unix_ms();
  c.outcome_code = cs.outcome_code();
  c.notes = cs.notes();
  c.end_reason = cs.end_reason();
  for (const auto& r : cs.refusals())
    c.refusals.push_back(Refusal{OperatorId(r.operator_id()), r.until_unix_ms()});
  c.offers = cs.offers();
  return c;
}

void OperatorToProto(const Operator& op, v1::OperatorSnapshot* out) {
  out->set_operator_id(op.id.value());
  out->set_name(op.name);
  out->set_office(op.office);
  out->set_region(op.region);
  for (const auto& skill : op.skills) *out->add_skills() = skill;
  for (const auto& ch : op.channels) *out->add_channels() = ch;
  out->set_state(op.presence);
  out->set_break_reason(op.break_reason);
  out->set_state_since_unix_ms(op.state_since_unix_ms);
  out->set_available_since_unix_ms(op.ready_since_unix_ms);
  out->set_connected(op.connected);
  out->set_grace_until_unix_ms(op.grace_until_unix_ms);
  out->set_offered_contact_id(op.offered_contact.value());
  out->set_logged_in_unix_ms(op.logged_in_unix_ms);
  for (ContactId id : op.active) out->add_active_contact_ids(id.value());
  out->set_consecutive_misses(op.consecutive_misses);
  out->set_shown_state(op.shown);
}

Operator OperatorFromProto(const v1::OperatorSnapshot& o) {
  Operator op;
  op.id = OperatorId(o.operator_id());
  op.name = o.name();
  op.office = o.office();
  op.region = o.region();
  op.skills.assign(o.skills().begin(), o.skills().end());
  op.channels.assign(o.channels().begin(), o.channels().end());
  op.presence = o.state();
  op.break_reason = o.break_reason();
  op.shown = o.shown_state();
  op.state_since_unix_ms = o.state_since_unix_ms();
  op.ready_since_unix_ms = o.available_since_unix_ms();
  op.connected = o.connected();
  op.grace_until_unix_ms = o.grace_until_unix_ms();
  op.offered_contact = ContactId(o.offered_contact_id());
  op.logged_in_unix_ms = o.logged_in_unix_ms();
  op.consecutive_misses = o.consecutive_misses();
  return op;
}

}  // namespace

v1::RouterSnapshot RouterState::ToSnapshot() const {
  v1::RouterSnapshot s;
  s.set_last_sequence(last_sequence_.value());
  s.set_last_time_unix_ms(last_time_unix_ms_);
  s.set_next_contact_id(next_contact_id_);
  std::vector<const Contact*> sorted;
  sorted.reserve(contacts_.size());
  for (const auto& [id, c] : contacts_) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const Contact* a, const Contact* b) { return a->id < b->id; });
  for (const Contact* c : sorted) ContactToProto(*c, s.add_contacts());
  for (const auto& [id, op] : operators_) OperatorToProto(op, s.add_operators());
  for (const auto& [name, q] : queues_) {
    v1::QueueSnapshot* out = s.add_queues();
    out->set_name(name);
    out->set_completed(q.completed);
    out->set_handle_ms_total(q.handle_ms_total);
    out->set_paused(q.paused);
    out->set_last_offered_operator(q.last_offered_operator.value());
    out->set_handle_ms_running(q.handle_ms_running);
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
    queue.paused = q.paused();
    queue.last_offered_operator = OperatorId(q.last_offered_operator());
    queue.handle_ms_running = q.handle_ms_running();
  }
  for (const v1::ContactSnapshot& cs : snapshot.contacts()) {
    const uint64_t id = cs.card().contact_id();
    if (id == 0 || id >= state.next_contact_id_ || state.contacts_.contains(id)) {
      return absl::DataLossError(fmt::format("snapshot: contact {} is out of range or twice", id));
    }
    Contact c = ContactFromProto(cs);
    c.required_skills = state.skill_sets_.Intern(cs.required_skills());
    if (c.priority() < v1::PRIORITY_LOW || c.priority() > v1::PRIORITY_URGENT ||
        c.queue().empty() || state.FindByIdempotencyKey(c.idempotency_key)) {
      return absl::DataLossError(
          fmt::format("snapshot: contact {} has no valid priority, queue or key", id));
    }
    for (const Refusal& r : c.refusals) state.refusal_expiries_.insert({r.until_unix_ms, id});
    if (c.InLine()) state.EnterLine(c);
    if (c.state == v1::CONTACT_STATE_OFFERED) {
      state.timers_.insert(
          Timer{c.offer_deadline_unix_ms, TimerKind::kOfferTimeout, id, c.operator_id.value()});
    } else if (c.state == v1::CONTACT_STATE_WRAP_UP) {
      state.timers_.insert(
          Timer{c.wrap_up_until_unix_ms, TimerKind::kWrapUpEnd, id, c.operator_id.value()});
    }
    Contact& stored = state.contacts_.emplace(id, std::move(c)).first->second;
    state.idempotency_index_.emplace(StableHash64(stored.idempotency_key), id);
    state.SetEscalationTimer(stored, cs.next_escalation_unix_ms());
    state.Reserve(stored, OperatorId(cs.reserved_for()));
    if (stored.Ended()) state.ended_.insert({stored.ended_unix_ms, id});
  }
  for (const v1::OperatorSnapshot& o : snapshot.operators()) {
    auto [it, created] = state.operators_.try_emplace(OperatorId(o.operator_id()));
    if (!created || o.operator_id().empty()) {
      return absl::DataLossError(
          fmt::format("snapshot: operator \"{}\" twice or unnamed", o.operator_id()));
    }
    Operator& op = it->second;
    op = OperatorFromProto(o);
    for (uint64_t active : o.active_contact_ids()) {
      const Contact* c = state.FindContact(ContactId(active));
      if (c == nullptr)
        return absl::DataLossError(
            fmt::format("snapshot: operator {} holds no contact {}", op.id, active));
      state.AddActive(op, *c);
    }
    if (op.LoggedIn() && !op.connected) {
      state.timers_.insert(Timer{op.grace_until_unix_ms, TimerKind::kGraceEnd, 0, op.id.value()});
    }
    if (op.LoggedIn()) state.CountStaffing(op, +1);
    // Rebuild the ready sets under the key the operator had, so that "longest idle" survives.
    if (op.Ready()) {
      state.ready_.insert({op.ready_since_unix_ms, op.id});
      for (const auto& s : op.skills)
        state.ready_by_skill_[s.name()].insert({op.ready_since_unix_ms, op.id});
      op.ready_key = op.ready_since_unix_ms;
    }
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
