#pragma once

// Statistics: queue and operator figures derived from the events alone — what the dashboard shows,
// what `ekcutl simulate` reports, and what a replay of the log reproduces exactly.
//
// Definitions (docs/routing.md says them for people):
// - A contact's *wait* starts when it joins a queue and ends when it is answered (an operator
// accepted
//   it), abandoned, moved to a callback or overflowed to another queue. Waits are tallied in the
//   interval (15 minutes by default) in which the contact *arrived*, so an interval's figures
//   settle once its contacts have been served.
// - service level = answered within the queue's threshold / waits ended (answered + abandoned +
// moved
//   on). Abandoned contacts count as misses, except *short* abandons (within the queue's
//   short_abandon_s, recorded with the contact), which count in neither.
// - ASA = mean wait of every ended wait (answered: time to answer; abandoned: time to abandon) —
// the
//   oracle's "mean wait over all arrivals". The mean time to answer of answered contacts is
//   reported separately (`AnswerWaitMeanMs`).
// - P(wait) = share of ended waits that were longer than zero; P(abandon) = abandoned / ended
// waits.
// - AHT = mean of connected → completed (talk and wrap-up) over completed contacts.
// - occupancy (per operator) = time handling contacts / time logged in.
//
// Thread: one, like RouterState, which owns one and feeds it every applied event.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "router/name_index.h"

namespace ekc::router {

struct StatisticsOptions {
  int64_t interval_ms = 15 * 60 * 1000;  // the length of an interval
  size_t intervals_kept = 96;            // per queue; older intervals are dropped (a day of 15 min)
  // Tally only contacts that arrive at or after this time (a simulation's warm-up); 0: all.
  int64_t measure_from_unix_ms = 0;
};

// The figures of one queue over some set of arrivals.
struct WaitTally {
  uint64_t arrivals = 0;
  uint64_t ended = 0;  // waits ended: answered + abandoned (not short) + moved on
  uint64_t answered = 0;
  uint64_t answered_within_target = 0;
  uint64_t abandoned = 0;        // not counting short abandons
  uint64_t short_abandoned = 0;  // in neither `ended` nor `abandoned`
  uint64_t moved_on = 0;         // overflowed or turned into a callback before an answer
  uint64_t waited = 0;           // ended waits longer than zero
  int64_t wait_ms_total = 0;     // over ended waits
  int64_t answer_wait_ms_total = 0;
  int64_t longest_wait_ms = 0;
  uint64_t completed = 0;
  int64_t handle_ms_total = 0;

  double ServiceLevel() const;  // 1 when nothing ended yet
  double PWait() const;
  double PAbandon() const;
  double AsaMs() const;
  double AnswerWaitMeanMs() const;
  double AhtMs() const;
  void Add(const WaitTally& other);
};

struct OperatorTally {
  uint64_t offers = 0;
  uint64_t accepted = 0;
  uint64_t declined = 0;
  uint64_t missed = 0;  // offers that timed out
  uint64_t completed = 0;
  int64_t handle_ms_total = 0;
  int64_t logged_in_ms_total = 0;       // closed sessions; the open one is added at query time
  int64_t logged_in_since_unix_ms = 0;  // 0 when logged out
  int64_t handling_since_unix_ms = 0;   // 0 when handling nothing
  uint32_t handling = 0;                // contacts connected or in wrap-up now
  int64_t busy_ms_total = 0;            // wall time with at least one contact, closed spans

  double Occupancy(int64_t now_unix_ms) const;
};

class Statistics {
 public:
  explicit Statistics(StatisticsOptions options = {}) : options_(options) {}

  // Feeds one applied event. Events about contacts it never saw arrive are ignored (a measurement
  // that starts late).
  void Observe(const ekc::v1::EventRecord& e);

  // All kept intervals of the queue together (a zero tally for an unknown queue).
  WaitTally QueueTotal(const std::string& queue) const;
  // The queue's intervals by start time.
  const std::map<int64_t, WaitTally>* QueueIntervals(const std::string& queue) const;
  // Every queue's kept intervals together.
  WaitTally AllQueues() const;
  const std::map<std::string, OperatorTally>& operators() const { return operators_; }
  const std::map<std::string, std::map<int64_t, WaitTally>>& queues() const { return queues_; }
  const StatisticsOptions& options() const { return options_; }

  ekc::v1::StatisticsSnapshot ToSnapshot() const;
  static absl::StatusOr<Statistics> FromSnapshot(const ekc::v1::StatisticsSnapshot& snapshot,
                                                 StatisticsOptions options = {});

 private:
  // A contact between arrival and completion.
  struct Tracked {
    uint32_t queue = 0;           // an interned name (`names_`)
    uint32_t operator_id = 0;     // an interned name; "" while not connected
    int64_t interval = 0;         // start of its arrival interval
    int64_t arrived_unix_ms = 0;  // when its current wait started
    int64_t threshold_ms = 0;
    int64_t short_abandon_ms = 0;
    int64_t connected_unix_ms = 0;  // 0 while not connected to an operator
    bool wait_ended = false;  // answered, moved on or a callback: a later connect is not an answer
  };

  WaitTally* TallyOf(const Tracked& t);
  void Arrive(uint64_t contact, const std::string& queue, int64_t now, int64_t threshold_ms,
              int64_t short_abandon_ms);
  void EndWait(Tracked& t, int64_t wait_ms, bool answered, bool abandoned);
  void OnOperatorEvent(const ekc::v1::EventRecord& e);
  // The number of a queue or operator name, given on first sight; a tracked contact holds numbers
  // rather than two strings of its own.
  uint32_t Intern(const std::string& name);
  // The operator's tally, made on first sight.
  OperatorTally& OperatorTallyOf(const std::string& id);

  StatisticsOptions options_;
  std::map<std::string, std::map<int64_t, WaitTally>> queues_;  // queue → interval start → tally
  std::map<std::string, OperatorTally> operators_;
  NameIndex<OperatorTally> operator_index_;  // operators_ by id, for lookups on every event
  std::unordered_map<uint64_t, Tracked> tracked_;
  std::vector<std::string> names_;  // by number
  std::unordered_map<std::string, uint32_t> name_numbers_;
};

}  // namespace ekc::router
