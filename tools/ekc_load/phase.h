#pragma once

// One run of the workload against one target (RunPhase), and what it measured (PhaseResult). A run
// of ekc-load is one phase against ekcd, preceded, with --baseline, by the same submits against a
// no-op server.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

#include "tools/ekc_load/agreement.h"
#include "tools/ekc_load/corpus.h"
#include "tools/ekc_load/histogram.h"
#include "tools/ekc_load/options.h"
#include "tools/ekc_load/run_state.h"

namespace ekc::load {

// Actions the scheduler may hold at once (accepts, completions, wrap-ups, heartbeats, patience).
inline constexpr size_t kScheduledMax = 4'000'000;

struct PhaseResult {
  std::string target;
  std::string mode;  // "open" or "closed"
  uint64_t submitted = 0;
  uint64_t acked = 0;
  uint64_t completed = 0;
  uint64_t abandoned = 0;
  uint64_t unfinished = 0;  // acknowledged, neither completed nor abandoned when the drain ended
  uint64_t errors = 0;
  std::vector<std::string> error_examples;
  double submit_window_s = 0;  // first send → last submit answered
  double lifecycle_s = 0;      // first send → last contact resolved
  double contacts_per_s = 0;   // acknowledged submits per second of the submit window
  double lifecycle_per_s = 0;  // completed contacts per second of the lifecycle
  LatencyHistogram submit;     // µs; open loop: from the intended send time
  LatencyHistogram offer;      // µs: intended send → the first offer reached an operator
  LatencyHistogram accept;     // µs: Accept sent → Assignment received
  LatencyHistogram complete;   // µs: Complete sent → Ack received
  LatencyHistogram cancel;     // µs: CancelContact round trip
  std::map<std::string, uint64_t> counters;
  WaitFigures client;  // over every answered or abandoned contact
  std::optional<Agreement> agreement;
  std::string agreement_error;  // why there is no agreement figure
  int64_t rss_before_kib = 0;   // ekcd's VmRSS (with --server-pid)
  int64_t rss_logged_in_kib = 0;
  int64_t rss_end_kib = 0;
  std::vector<uint64_t> acked_ids;  // in submission order
};

// Runs the workload of `options` against `options.target`. An error only when the run could not
// start (unreachable target, operators that could not log in); failures during the run are counted
// in the result.
absl::StatusOr<PhaseResult> RunPhase(const LoadOptions& options, const Corpus& corpus,
                                     const std::string& run_id);

// ekcd's resident memory from /proc/<pid>/status, in KiB; 0 when it cannot be read.
int64_t ReadRssKib(int pid);

nlohmann::json PhaseJson(const PhaseResult& r);
// The whole report: the phase against ekcd, and the baseline with the ratios when there is one.
nlohmann::json ReportJson(const PhaseResult& main, const std::optional<PhaseResult>& baseline);
std::string ReportText(const PhaseResult& main, const std::optional<PhaseResult>& baseline);

}  // namespace ekc::load
