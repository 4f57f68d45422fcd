#pragma once

// RouterState: the routing core's state — contacts, operators, queues and the timers that are
// pending — and `Apply`, the only code that changes it. Live running and replay call the same
// `Apply` with the same events, so they cannot disagree: two states that applied the same events
// are equal, byte for byte
// (`ToSnapshot`, `StateHash`).
//
// `Apply` trusts its events: they were produced by `Decide` against this state (live) or read back
// from the log that recorded them (replay). An event that does not fit the state is a bug or a
// corrupt log, and stops the process (EKC_CHECK) rather than build a state that the log does not
// explain.
//
// Besides the state proper it keeps indexes derived from it (the lines of each queue, the operators
// ready for work by skill, the timers, the idempotency keys); they are rebuilt from a snapshot and
// never written.
//
// Thread: one — the core thread in ekcd, or the caller's in tools and tests.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "router/name_index.h"
#include "router/statistics.h"

namespace ekc::router {

// An operator not to offer a contact to again before a time (they declined it or let it time out).
struct Refusal {
  OperatorId operator_id;
  int64_t until_unix_ms = 0;
};

// A contact's place in its queue's line: lower rank first, then earlier time, then lower id.
struct LinePlace {
  int rank = 0;
  int64_t time_unix_ms = 0;
  uint64_t contact = 0;
  auto operator<=>(const LinePlace&) const = default;
};

// Refusals remembered per contact, at most; the oldest expiring goes first.
inline constexpr size_t kRefusalsPerContactMax = 32;

// A contact's card as submitted, kept compact. Routing reads a few of its fields on every offer,
// and two of them change as the contact moves (queue, priority): those stand alone.
// The rest — the text, citizen ref, IVR choice, attributes and classification, which only people
// read — stays in its wire form, so that a waiting contact costs one allocation for its card
// rather than a dozen parsed strings and messages. `ToProto` gives the card as a message again.
class StoredCard {
 public:
  StoredCard() = default;
  explicit StoredCard(const ekc::v1::ContactCard& card);

  // The card as submitted, with the queue, priority and callback ref it has now.
  ekc::v1::ContactCard ToProto() const;
  // Parsed from the wire form on each call.
  ekc::v1::Classification classification() const;

  ekc::v1::Channel channel() const { return channel_; }
  ekc::v1::Priority priority() const { return priority_; }
  const std::string& queue() const { return queue_; }
  const std::string& region() const { return region_; }
  const std::string& office() const { return office_; }
  // Parsed from the wire form on each call.
  std::string callback_ref() const;

  void set_priority(ekc::v1::Priority priority) { priority_ = priority; }
  void set_queue(std::string queue) { queue_ = std::move(queue); }
  // Rewrites the wire form: a rare change (the citizen asks to be called back).
  void set_callback_ref(const std::string& ref);

 private:
  ekc::v1::Channel channel_ = ekc::v1::CHANNEL_UNSPECIFIED;
  ekc::v1::Priority priority_ = ekc::v1::PRIORITY_UNSPECIFIED;
  std::string queue_;
  std::string region_;
  std::string office_;
  std::string submitted_;  // the serialized ContactCard: as received, with its callback ref now
};

// The skills a contact needs: one immutable list shared by every contact that needs the same skills
// (most of a line), so that a contact holds a pointer rather than a vector of strings of its own.
// Copies of a state share them too. Reads as a `const std::vector<std::string>&`.
class SkillSet {
 public:
  using value_type = std::string;
  using const_iterator = std::vector<std::string>::const_iterator;
  using iterator = const_iterator;

  SkillSet() = default;
  const std::vector<std::string>& names() const { return names_ != nullptr ? *names_ : kNone; }
  operator const std::vector<std::string>&() const { return names(); }  // NOLINT: reads as one
  const_iterator begin() const { return names().begin(); }
  const_iterator end() const { return names().end(); }
  bool empty() const { return names().empty(); }
  size_t size() const { return names().size(); }
  friend bool operator==(const SkillSet& a, const std::vector<std::string>& b) {
    return a.names() == b;
  }

 private:
  friend class SkillSets;
  explicit SkillSet(std::shared_ptr<const std::vector<std::string>> names)
      : names_(std::move(names)) {}
  static inline const std::vector<std::string> kNone;
  std::shared_ptr<const std::vector<std::string>> names_;
};

// The distinct skill sets in use, each held once. Sets no contact holds any more are let go once
// more than `kSkillSetsKeptMax` are kept.
class SkillSets {
 public:
  template <typename Range>
  SkillSet Intern(const Range& skills);

 private:
  static constexpr size_t kSkillSetsKeptMax = 256;
  struct RangeLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
  };
  std::map<std::vector<std::string>, std::shared_ptr<const std::vector<std::string>>, RangeLess>
      sets_;
};

template <typename Range>
SkillSet SkillSets::Intern(const Range& skills) {
  if (skills.begin() == skills.end()) return SkillSet();
  if (auto it = sets_.find(skills); it != sets_.end()) return SkillSet(it->second);
  if (sets_.size() >= kSkillSetsKeptMax) {
    std::erase_if(sets_, [](const auto& entry) { return entry.second.use_count() == 1; });
  }
  std::vector<std::string> names(skills.begin(), skills.end());
  auto shared = std::make_shared<const std::vector<std::string>>(names);
  sets_.emplace(std::move(names), shared);
  return SkillSet(std::move(shared));
}

struct Contact {
  // (Members are in an order that leaves no padding: a state holds one per contact not yet
  // forgotten, ContactsForgotten.)
  ContactId id;
  StoredCard card;  // as submitted: channel, text, classification, priority, queue
  ekc::v1::ContactState state = ekc::v1::CONTACT_STATE_QUEUED;
  bool callback = false;  // the citizen waits for a call back
  std::string idempotency_key;
  uint64_t request_fingerprint = 0;
  SkillSet required_skills;
  uint32_t initial_position = 0;          // the answer given at submission
  uint32_t initial_estimated_wait_s = 0;  // the answer given at submission
  int64_t enqueued_unix_ms = 0;           // when it joined its current queue
  int place_rank = 0;                     // its place in line (with place_time and the id)
  uint32_t escalation_step = 0;
  int64_t place_time_unix_ms = 0;
  int64_t next_escalation_unix_ms = 0;  // 0: no further step
  uint32_t service_level_threshold_s = 0;
  uint32_t offers = 0;
  OperatorId operator_id;   // offered to / connected to / wrapping up with
  OperatorId reserved_for;  // only this operator may take it (a transfer or a reassignment)
  int64_t offer_deadline_unix_ms = 0;
  int64_t connected_unix_ms = 0;
  int64_t wrap_up_until_unix_ms = 0;
  int64_t ended_unix_ms = 0;
  std::string outcome_code;
  std::string notes;
  std::string end_reason;
  std::vector<Refusal> refusals;

  ekc::v1::Priority priority() const { return card.priority(); }
  const std::string& queue() const { return card.queue(); }
  ekc::v1::Channel channel() const { return card.channel(); }
  // In its queue's line, waiting to be offered: QUEUED, or CALLBACK.
  bool InLine() const {
    return state == ekc::v1::CONTACT_STATE_QUEUED || state == ekc::v1::CONTACT_STATE_CALLBACK;
  }
  // Over: completed, or abandoned by the citizen (kept until ContactsForgotten).
  bool Ended() const {
    return state == ekc::v1::CONTACT_STATE_COMPLETED || state == ekc::v1::CONTACT_STATE_ABANDONED;
  }
  bool IsRefusedBy(const OperatorId& op, int64_t now_unix_ms) const;
  LinePlace Place() const { return LinePlace{place_rank, place_time_unix_ms, id.value()}; }
};

struct Operator {
  OperatorId id;
  std::string name;
  std::string office;
  std::string region;
  std::vector<ekc::v1::Skill> skills;  // sorted by name, unique
  std::vector<ekc::v1::ChannelCapacity> channels;
  // The availability the operator (or a supervisor, or the no-answer rule) chose: OFFLINE,
  // AVAILABLE, BREAK or NOT_RESPONDING. What dashboards show is `shown` (BUSY or WRAP_UP over it).
  ekc::v1::OperatorState presence = ekc::v1::OPERATOR_STATE_OFFLINE;
  std::string break_reason;
  ekc::v1::OperatorState shown = ekc::v1::OPERATOR_STATE_OFFLINE;
  int64_t state_since_unix_ms = 0;  // of `shown`
  int64_t ready_since_unix_ms = 0;  // when it last became free to take a contact (longest idle)
  bool connected = false;           // the desk stream is up
  int64_t grace_until_unix_ms = 0;  // when not connected but logged in
  ContactId offered_contact;        // 0: none (one offer at a time)
  std::vector<ContactId> active;    // connected or in wrap-up, ascending
  std::array<uint8_t, 5> active_by_channel{};  // indexed by ekc::v1::Channel
  uint32_t consecutive_misses = 0;
  int64_t logged_in_unix_ms = 0;
  // Derived, not written: the key the operator has in the ready sets while in them.
  std::optional<int64_t> ready_key;

  bool LoggedIn() const { return presence != ekc::v1::OPERATOR_STATE_OFFLINE; }
  bool HasSkills(const std::vector<std::string>& required) const;
  const ekc::v1::Skill* FindSkill(std::string_view name) const;
  // The lowest proficiency among `required` (10 when nothing is required).
  uint32_t ProficiencyIn(const std::vector<std::string>& required) const;
  // How many contacts of this channel the operator takes at once (0: not this channel).
  uint32_t Capacity(ekc::v1::Channel channel) const;
  // Could take one more contact of this channel now: available, connected, holding no offer, with
  // room in the channel, and (for anything but voice during voice) `chat_during_voice`.
  bool CanTake(ekc::v1::Channel channel, bool chat_during_voice) const;
  // Could take one more contact of some channel now (the ready index).
  bool Ready() const;
  uint32_t ActiveCount() const { return static_cast<uint32_t>(active.size()); }
};

struct Queue {
  std::string name;
  std::set<LinePlace> line;  // QUEUED and CALLBACK contacts, in order of service
  std::array<uint32_t, 5> waiting_by_priority{};  // indexed by ekc::v1::Priority
  // The skill sets the contacts in line need, with how many need each: a free operator who has
  // none of them skips the line without walking it (dispatch).
  std::map<std::vector<std::string>, uint32_t> line_skill_sets;
  bool paused = false;
  uint64_t completed = 0;
  int64_t handle_ms_total = 0;
  double handle_ms_running = 0;  // exponentially weighted, for the estimated wait
  OperatorId last_offered_operator;
};

// A timer the core waits for. Each one, when due, produces events (system steps) that remove it.
enum class TimerKind : uint8_t {
  kOfferTimeout = 1,  // contact: the offered operator did not answer
  kWrapUpEnd = 2,     // contact: the operator's wrap-up is over
  kGraceEnd = 3,      // operator: their stream did not come back
  kEscalation = 4,    // contact: its queue's next escalation step starts
};

struct Timer {
  int64_t at_unix_ms = 0;
  TimerKind kind = TimerKind::kOfferTimeout;
  uint64_t contact = 0;
  std::string operator_id;
  auto operator<=>(const Timer&) const = default;
};

using ReadySet = std::set<std::pair<int64_t, OperatorId>>;  // (ready since, id): longest idle first

class RouterState {
 public:
  // The only mutator. Checks that the event fits the state (EKC_CHECK).
  void Apply(const ekc::v1::EventRecord& event);

  Sequence last_sequence() const { return last_sequence_; }
  int64_t last_time_unix_ms() const { return last_time_unix_ms_; }
  ContactId next_contact_id() const { return ContactId(next_contact_id_); }

  const Contact* FindContact(ContactId id) const;
  const Operator* FindOperator(const OperatorId& id) const;
  const Queue* FindQueue(std::string_view name) const;
  std::optional<ContactId> FindByIdempotencyKey(const std::string& key) const;
  // When the contact that ended (completed or abandoned) longest ago ended; 0 when none is kept.
  int64_t OldestEndedUnixMs() const { return ended_.empty() ? 0 : ended_.begin()->first; }
  // How many ended contacts are kept and ended strictly before `unix_ms`.
  uint32_t EndedBefore(int64_t unix_ms) const;

  const std::unordered_map<uint64_t, Contact>& contacts() const { return contacts_; }
  const std::map<OperatorId, Operator>& operators() const { return operators_; }
  const std::map<std::string, Queue, std::less<>>& queues() const { return queues_; }
  // Operators free to take a contact of some channel, longest idle first; all, and by skill.
  const ReadySet& ready_operators() const { return ready_; }
  const ReadySet* ready_with_skill(const std::string& skill) const;
  const std::set<Timer>& timers() const { return timers_; }
  // Refusals that expire after `after` and up to `until` (inclusive): their contacts may go to that
  // operator again.
  std::vector<ContactId> RefusalsExpiring(int64_t after_unix_ms, int64_t until_unix_ms) const;
  // When the core next has something to do on its own after `now`: a timer, or a refusal that
  // expires. 0 when nothing is pending.
  int64_t NextWakeUp(int64_t now_unix_ms) const;

  // The contact's 1-based place in its queue while in line, 0 otherwise. Walks the line:
  // O(position).
  uint32_t PositionOf(const Contact& contact) const;
  uint32_t WaitingCount() const;
  uint32_t LoggedInCount() const;
  // Operators logged in with every one of these skills (all logged in when none): for the staffing
  // of a queue. Approximated by the least staffed of the skills when there are several.
  uint32_t LoggedInWithSkills(const std::vector<std::string>& skills) const;

  // Queue and operator figures derived from every applied event (router/statistics.h).
  const Statistics& statistics() const { return statistics_; }

  // The whole state in canonical order; equal states give byte-identical serializations.
  ekc::v1::RouterSnapshot ToSnapshot() const;
  // A stable hash of ToSnapshot's deterministic serialization.
  uint64_t StateHash() const;
  // The state a snapshot describes, with everything derived from it (lines, ready sets, timers,
  // keys) rebuilt. DATA_LOSS naming the contact or operator when the snapshot is not one ToSnapshot
  // could have written (a contact in a queue that does not hold it, an offer without its operator,
  // …): a snapshot comes from disk, so it is checked rather than trusted.
  static absl::StatusOr<RouterState> FromSnapshot(const ekc::v1::RouterSnapshot& snapshot);

 private:
  void ApplyContactReceived(const ekc::v1::EventRecord& e);
  void ApplyContactOffered(const ekc::v1::EventRecord& e);
  void ApplyOfferRevoked(const ekc::v1::EventRecord& e);
  void ApplyContactConnected(const ekc::v1::EventRecord& e);
  void ApplyConversationEnded(const ekc::v1::EventRecord& e);
  void ApplyContactCompleted(const ekc::v1::EventRecord& e);
  void ApplyContactAbandoned(const ekc::v1::EventRecord& e);
  void ApplyOperatorLoggedIn(const ekc::v1::EventRecord& e);
  void ApplyOperatorStateChanged(const ekc::v1::EventRecord& e);
  void ApplyOperatorLoggedOut(const ekc::v1::EventRecord& e);
  void ApplyOperatorConnectionLost(const ekc::v1::EventRecord& e);
  void ApplyContactEscalated(const ekc::v1::EventRecord& e);
  void ApplyContactOverflowed(const ekc::v1::EventRecord& e);
  void ApplyCallbackRequested(const ekc::v1::EventRecord& e);
  void ApplyContactTransferred(const ekc::v1::EventRecord& e);
  void ApplyContactPriorityChanged(const ekc::v1::EventRecord& e);
  void ApplyContactReserved(const ekc::v1::EventRecord& e);
  void ApplyQueuePauseChanged(const ekc::v1::EventRecord& e);
  void ApplyContactsForgotten(const ekc::v1::EventRecord& e);

  Contact& MutableContact(uint64_t id);
  Operator& MutableOperator(const std::string& id);
  Queue& MutableQueue(const std::string& name);
  void EnterLine(const Contact& c);
  void LeaveLine(const Contact& c);
  void SetEscalationTimer(Contact& c, int64_t next_unix_ms);
  void AddActive(Operator& op, const Contact& c);
  void RemoveActive(Operator& op, const Contact& c);
  void Reserve(Contact& c, OperatorId op);
  // Keeps `shown`, `state_since`, `ready_since` and the ready sets in step with the operator's
  // fields; call after every change to an operator.
  void Refresh(Operator& op, int64_t now_unix_ms);
  void DropRefusals(Contact& c);
  // The contact completed or was abandoned now: it waits in `ended_` to be forgotten.
  void End(Contact& c, ekc::v1::ContactState state, int64_t now_unix_ms);
  // Counts the operator in (+1) or out (-1) of the staffing of their skills.
  void CountStaffing(const Operator& op, int delta);

  Sequence last_sequence_;
  int64_t last_time_unix_ms_ = 0;
  uint64_t next_contact_id_ = 1;
  std::unordered_map<uint64_t, Contact> contacts_;
  // Contacts by a stable hash of their idempotency key (the key itself lives in the contact once).
  std::unordered_multimap<uint64_t, uint64_t> idempotency_index_;
  std::map<OperatorId, Operator> operators_;
  NameIndex<Operator> operator_index_;  // operators_ by id, for lookups on every event
  std::map<std::string, Queue, std::less<>> queues_;
  ReadySet ready_;
  std::map<std::string, ReadySet> ready_by_skill_;
  std::map<OperatorId, std::set<ContactId>> reservations_;  // operator → contacts reserved for them
  std::map<std::string, uint32_t> logged_in_by_skill_;
  uint32_t logged_in_ = 0;
  std::set<Timer> timers_;
  SkillSets skill_sets_;
  Statistics statistics_;
  // Refusal expiries (time, contact): they produce no event, only a wake-up to offer again.
  std::set<std::pair<int64_t, uint64_t>> refusal_expiries_;
  // Ended contacts by (ended time, id): the oldest are forgotten first (ContactsForgotten).
  std::set<std::pair<int64_t, uint64_t>> ended_;
};

// The place in line of a contact of this priority that joins at `joined_unix_ms`: urgent contacts
// always first; with aging (a level worth `aging_ms` of waiting) the others by arrival moved
// earlier by their priority's worth; without, by priority and then arrival.
LinePlace PlaceInLine(ekc::v1::Priority priority, int64_t joined_unix_ms, ContactId id,
                      int64_t aging_ms);

ekc::v1::LinePlace ToProto(const LinePlace& place);

}  // namespace ekc::router
