#pragma once

// `ekcutl simulate --from-log DIR`: replay the recorded arrivals under another rules file,
// strategy, config or staffing, and compare the statistics with what happened
// (log_simulation.h has the model; docs/operations.md says it for people). simulate_command.cc
// adds these options to `simulate` and runs this mode when --from-log (or --data-dir) is given.

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ekc::utl::log {

struct FromLogOptions {
  std::string data_dir;  // --from-log, or --data-dir as every log command spells it
  std::string config;    // an ekcd.yaml: its queues and routing section
  std::string rules;     // empty: the recorded classification
  std::string strategy;  // empty: the config's
  double operators_scale = 1;
  std::string staffing;  // empty: the recorded operators
  uint64_t seed = 1;
  bool json = false;
};

// Adds --from-log/--data-dir, --config, --rules, --strategy, --operators-scale and --staffing to
// `simulate`; returns the --from-log option (the Erlang options exclude it).
CLI::Option* AddFromLogOptions(CLI::App& simulate, FromLogOptions& options);

// Runs the what-if and prints it; returns the exit status (0; 1 a bad folder or file; 2 a bad
// option value).
int RunSimulateFromLog(const FromLogOptions& options);

}  // namespace ekc::utl::log
