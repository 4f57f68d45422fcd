#pragma once

// LogSimulation: "what if" over a recorded event log. The recorded arrivals — each card as it was
// submitted, at its recorded time — are fed to a fresh routing core (router::Router) on a virtual
// clock, under another routing config, rules file or staffing; the simulator plays the citizens
// and the operators as the log says they behaved. The figures come from the core's own statistics
// module (router/statistics.h) fed with the events the simulated core emitted, as
// erlang_simulation.cc does; nothing here computes a service level of its own.
//
// The model (docs/operations.md, "What if: ekcutl simulate --from-log", says it for people):
// - Arrivals: every ContactReceived, at its time, with its channel, region, office, text, IVR
//   choice and attributes; classified with `rules` when given, else with the recorded
//   classification. The config decides the queue, priority place and skills from it.
// - Operators: each recorded session — log in (with the recorded skills, channels, office and
//   region), the operator's (or a supervisor's) changes to AVAILABLE or BREAK, log out — at its
//   recorded time. A log out that falls in a conversation waits for its end. Operators accept every
//   offer after their own median recorded answer delay (0 when they never accepted one); nobody
//   declines. `operators_scale` and a staffing file change who works (ScaleStaffing).
// - Handling: a contact handled in reality keeps its talk time (connected → conversation ended)
//   and, when shorter than the queue's wrap-up, its wrap-up time (the operator went ready early).
//   A contact never handled gets a (talk, wrap-up) pair drawn, seeded, from the handled contacts
//   of the queue the config sends it to (any queue when it has none; the queue's
//   expected_handle_s when the log has no handled contact at all).
// - Patience: a contact that abandoned after waiting w abandons after w again, if still waiting.
//   One answered after w (or still waiting when the log ends, after w) had a patience above w that
//   the log does not show: it is drawn, seeded, from the recorded abandon waits above w of its
//   queue (of any queue if its queue has none); with none above w it never abandons. A citizen who
//   asked for a callback after w asks again after w.
// - Not modelled: declines and missed offers, transfers (the first operator handles the whole
//   contact), supervisor actions on contacts and queues, restarts of ekcd.
// The simulation runs until nothing is left to happen (contacts still waiting then, with nobody to
// take them, are counted as waiting at the end), bounded in steps.
//
// Deterministic: the same recording and options (seed included) give the same events and figures.
// Thread: the caller's; no clock, no I/O.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "router/classifier.h"
#include "router/commands.h"
#include "router/config.h"
#include "router/statistics.h"

namespace ekc::utl::log {

// A contact as the log recorded it: what was submitted, and what became of it.
struct RecordedArrival {
  int64_t at_unix_ms = 0;
  ContactId contact;
  router::command::Submit submit;  // the card as submitted, with its recorded classification
  std::string queue;               // the queue it joined
  // Times after arrival; -1: it did not happen.
  int64_t answered_after_ms = -1;   // first connected to an operator
  int64_t abandoned_after_ms = -1;  // the citizen left
  int64_t callback_after_ms = -1;   // the citizen asked to be called back
  std::string callback_ref;
  // Handling; -1: not recorded (not handled, or still in wrap-up when the log ends).
  int64_t talk_ms = -1;     // connected → conversation ended
  int64_t wrap_up_ms = -1;  // conversation ended → completed
};

// One step of an operator's recorded day.
struct OperatorStep {
  enum class Kind { kLogin, kAvailable, kBreak, kLogout };
  int64_t at_unix_ms = 0;
  Kind kind = Kind::kLogin;
  std::string break_reason;
  router::command::Login login;  // kLogin: who, with which skills and channels, ready or not
};

struct RecordedOperator {
  OperatorId id;
  std::vector<OperatorStep> steps;  // in time order
  int64_t accept_delay_ms = 0;      // median offer → accepted; 0 when none was accepted
};

struct Recording {
  std::vector<RecordedArrival> arrivals;    // in arrival order
  std::vector<RecordedOperator> operators;  // by id
  int64_t first_unix_ms = 0;                // the first event's time
  int64_t last_unix_ms = 0;                 // the last event's time
};

// Reads a log's events, in sequence order, into a Recording.
class RecordingBuilder {
 public:
  void Observe(const ekc::v1::EventRecord& event);
  Recording Finish();

 private:
  struct Offer {
    std::string operator_id;
    int64_t at_unix_ms = 0;
  };
  struct Handling {
    int64_t connected_unix_ms = 0;
    int64_t ended_unix_ms = 0;
  };
  RecordedArrival* Find(uint64_t contact);
  OperatorStep& AddStep(const ekc::v1::EventRecord& event, OperatorStep::Kind kind);

  Recording recording_;
  std::map<uint64_t, size_t> index_;  // contact id → arrival
  std::map<uint64_t, Offer> offers_;  // contact id → the offer it holds
  std::map<uint64_t, Handling> handling_;
  std::map<std::string, RecordedOperator> operators_;
  std::map<std::string, std::vector<int64_t>> accept_delays_ms_;
};

// Who works: the recorded operators scaled by `scale` (> 0). Below 1, a seeded choice of
// round(n × scale) of them (at least one) keep their days; above 1, every one keeps theirs and
// round(n × scale) − n clones ("<id>.clone<k>") copy the days, skills and answer delays of
// operators chosen the same way, in turn.
std::vector<RecordedOperator> ScaleStaffing(const std::vector<RecordedOperator>& operators,
                                            double scale, uint64_t seed);

struct LogSimulationOptions {
  router::RouterConfig config;                   // must pass router::ValidateRouterConfig
  std::shared_ptr<const router::RuleSet> rules;  // null: the recorded classification
  std::vector<RecordedOperator> operators;       // who works (the recording's, scaled, or a file's)
  uint64_t seed = 1;                             // draws of handle times and patience
};

struct LogSimulationResult {
  router::Statistics statistics;  // fed every event the simulated core emitted
  int64_t end_unix_ms = 0;        // the virtual time when nothing was left to happen
  uint64_t contacts = 0;          // arrivals the simulated core accepted
  uint64_t refused = 0;           // arrivals it refused (a full queue with nowhere to overflow)
  uint64_t waiting_at_end = 0;    // contacts still in line when nothing was left to happen
  uint64_t events = 0;
  uint64_t handle_times_drawn = 0;  // contacts never handled in reality
  uint64_t patience_drawn = 0;      // censored patience drawn from recorded abandons
  uint64_t never_abandon = 0;       // censored patience with no recorded abandon above it
  uint64_t commands_refused = 0;    // operator steps the core refused (should be 0)
};

// Runs the recording's arrivals through a fresh core. INVALID_ARGUMENT past the bounds (contacts,
// operators), FAILED_PRECONDITION when the simulation does not settle within its step bound.
absl::StatusOr<LogSimulationResult> SimulateRecording(const Recording& recording,
                                                      const LogSimulationOptions& options);

}  // namespace ekc::utl::log
