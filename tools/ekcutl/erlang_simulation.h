#pragma once

// ErlangSimulation: the real routing core on a virtual clock, under the load queueing theory
// describes — Poisson arrivals, exponential handling times, N identical operators with one skill,
// instant accept, no wrap-up, first come first served, and optionally exponential patience (Erlang
// C, or Erlang A with abandonment). The figures come from the core's own statistics module
// (router/statistics.h) fed with the events the core emitted; the simulator only plays the citizens
// and the operators.
//
// Deterministic: the same options (seed included) give the same events and figures.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"

#include "router/statistics.h"

namespace ekc::utl {

struct ErlangSimulationOptions {
  double arrival_rate_per_s = 0.5;
  double aht_s = 10;
  uint32_t operators = 7;
  uint32_t sl_threshold_s = 5;
  uint64_t contacts = 200'000;
  uint64_t seed = 1;
  std::optional<double> patience_s;  // mean patience; none: nobody abandons (Erlang C)
  double warmup_fraction = 0.1;      // the first arrivals are not measured
  uint32_t batches = 20;             // for the batch-means confidence intervals
};

struct ErlangSimulationResult {
  router::WaitTally measured;              // every measured arrival
  std::vector<router::WaitTally> batches;  // the same arrivals in consecutive time batches
  double occupancy = 0;                    // mean over operators, over the whole run
  uint64_t events = 0;                     // events the core emitted
  int64_t simulated_ms = 0;                // virtual time covered
};

// Checks the options (INVALID_ARGUMENT naming the option) and runs the simulation to the end: every
// contact answered and completed, or abandoned.
absl::StatusOr<ErlangSimulationResult> RunErlangSimulation(const ErlangSimulationOptions& options);

// The half-width of a 95 % confidence interval of a metric from its per-batch values (Student's t).
double BatchMeansHalfWidth(const std::vector<double>& batch_values);

}  // namespace ekc::utl
