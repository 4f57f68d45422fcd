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
// Thread: one — the core thread in ekcd, or the caller's in tools and tests.

#include <array>
#include <cstdint>
#include <map>
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
#include "router/statistics.h"

namespace ekc::router {

// An operator not to offer a contact to again before a time (they declined it or let it time out).
struct Refusal {
  OperatorId operator_id;
  int64_t until_unix_ms = 0;
};

struct Contact {
  ContactId id;
  ekc::v1::ContactCard card;  // as submitted: channel, text, classification, priority, queue
  ekc::v1::ContactState state = ekc::v1::CONTACT_STATE_QUEUED;
  std::string idempotency_key;
  uint64_t request_fingerprint = 0;
  std::vector<std::string> required_skills;
  uint32_t initial_position = 0;          // the answer given at submission
  uint32_t initial_estimated_wait_s = 0;  // the answer given at submission
  int64_t enqueued_unix_ms = 0;           // its place in line (with priority and id)
  OperatorId operator_id;                 // offered to / connected to / wrapping up with
  int64_t offer_deadline_unix_ms = 0;
  int64_t connected_unix_ms = 0;
  int64_t wrap_up_until_unix_ms = 0;
  int64_t ended_unix_ms = 0;
  std::string outcome_code;
  std::string notes;
  std::string end_reason;
  std::vector<Refusal> refusals;
  uint32_t offers = 0;

  ekc::v1::Priority priority() const { return card.priority(); }
  const std::string& queue() const { return card.queue(); }
  bool IsWaiting() const { return state == ekc::v1::CONTACT_STATE_QUEUED; }
  bool IsRefusedBy(const OperatorId& op, int64_t now_unix_ms) const;
};

struct Operator {
  OperatorId id;
  std::string name;
  std::string office;
  std::string region;
  std::vector<ekc::v1::Skill> skills;  // sorted by name, unique
  std::vector<ekc::v1::ChannelCapacity> channels;
  ekc::v1::OperatorState state = ekc::v1::OPERATOR_STATE_OFFLINE;
  std::string break_reason;
  int64_t state_since_unix_ms = 0;
  int64_t available_since_unix_ms = 0;  // for "longest idle"
  bool connected = false;               // the desk stream is up
  int64_t grace_until_unix_ms = 0;      // when not connected but logged in
  ContactId offered_contact;            // 0: none
  ContactId active_contact;             // connected or wrapping up; 0: none
  int64_t logged_in_unix_ms = 0;

  bool LoggedIn() const { return state != ekc::v1::OPERATOR_STATE_OFFLINE; }
  bool HasSkills(const std::vector<std::string>& required) const;
  const ekc::v1::Skill* FindSkill(std::string_view name) const;
  bool TakesChannel(ekc::v1::Channel channel) const;
  // Free for an offer right now: available, connected, holding nothing.
  bool Idle() const;
};

// A contact's place in line: higher priority first, then older, then lower id.
struct LinePlace {
  int priority_rank = 0;  // -priority, so that URGENT sorts first
  int64_t enqueued_unix_ms = 0;
  uint64_t contact = 0;
  auto operator<=>(const LinePlace&) const = default;
};

struct Queue {
  std::string name;
  std::set<LinePlace> waiting;
  std::array<uint32_t, 5> waiting_by_priority{};  // indexed by ekc::v1::Priority
  uint64_t completed = 0;                         // for the running handle time
  int64_t handle_ms_total = 0;
};

// A timer the core waits for. Each one, when due, produces events (system steps) that remove it.
enum class TimerKind : uint8_t {
  kOfferTimeout = 1,  // contact: the offered operator did not answer
  kWrapUpEnd = 2,     // contact: the operator's wrap-up is over
  kGraceEnd = 3,      // operator: their stream did not come back
};

struct Timer {
  int64_t at_unix_ms = 0;
  TimerKind kind = TimerKind::kOfferTimeout;
  uint64_t contact = 0;
  std::string operator_id;
  auto operator<=>(const Timer&) const = default;
};

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

  const std::unordered_map<uint64_t, Contact>& contacts() const { return contacts_; }
  const std::map<OperatorId, Operator>& operators() const { return operators_; }
  const std::map<std::string, Queue, std::less<>>& queues() const { return queues_; }
  // Operators free for an offer, longest idle first.
  const std::set<std::pair<int64_t, OperatorId>>& idle_operators() const { return idle_; }
  const std::set<Timer>& timers() const { return timers_; }
  // When the core next has something to do on its own after `now`: a timer, or a refusal that
  // expires (the contact may then go to that operator). 0 when nothing is pending.
  int64_t NextWakeUp(int64_t now_unix_ms) const;

  // The contact's 1-based place in its queue while waiting, 0 otherwise. Walks the line:
  // O(position).
  uint32_t PositionOf(const Contact& contact) const;
  uint32_t WaitingCount() const;
  uint32_t LoggedInCount() const;
  // Queue and operator figures derived from every applied event (router/statistics.h).
  const Statistics& statistics() const { return statistics_; }

  // The whole state in canonical order; equal states give byte-identical serializations.
  ekc::v1::RouterSnapshot ToSnapshot() const;
  // A stable hash of ToSnapshot's deterministic serialization.
  uint64_t StateHash() const;
  // The state a snapshot describes, with everything derived from it (lines, idle set, timers, keys)
  // rebuilt. DATA_LOSS naming the contact or operator when the snapshot is not one ToSnapshot could
  // have written (a contact in a queue that does not hold it, an offer without its operator, …): a
  // snapshot comes from disk, so it is checked rather than trusted.
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

  Contact& MutableContact(uint64_t id);
  Operator& MutableOperator(const std::string& id);
  Queue& MutableQueue(const std::string& name);
  void EnterLine(const Contact& c);
  void LeaveLine(const Contact& c);
  void SetOperatorState(Operator& op, ekc::v1::OperatorState state, std::string break_reason,
                        int64_t now_unix_ms);
  // Keeps `idle_` in step with the operator's fields; call after every change to an operator.
  void RefreshIdle(Operator& op);
  void DropRefusals(Contact& c);

  Sequence last_sequence_;
  int64_t last_time_unix_ms_ = 0;
  uint64_t next_contact_id_ = 1;
  std::unordered_map<uint64_t, Contact> contacts_;
  std::unordered_map<std::string, uint64_t> idempotency_keys_;
  std::map<OperatorId, Operator> operators_;
  std::map<std::string, Queue, std::less<>> queues_;
  std::set<std::pair<int64_t, OperatorId>> idle_;
  std::map<OperatorId, int64_t> idle_since_;  // the key each operator has in idle_
  std::set<Timer> timers_;
  Statistics statistics_;
  // Refusal expiries (time, contact): they produce no event, only a wake-up to offer again.
  std::set<std::pair<int64_t, uint64_t>> refusal_expiries_;
};

// The place in line of a contact with this priority, time and id.
LinePlace PlaceInLine(ekc::v1::Priority priority, int64_t enqueued_unix_ms, ContactId id);

}  // namespace ekc::router
