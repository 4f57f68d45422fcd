#pragma once

// ekc-load's settings (docs/load.md describes every flag) and their checks. The command line fills
// a LoadOptions (main.cc); Validate refuses what cannot run and fills what depends on other
// settings.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace ekc::load {

// Bounds of every setting: a typo must not start a run that cannot end or that eats the machine.
inline constexpr double kRatePerSecondMax = 1'000'000;
inline constexpr int kConcurrencyMax = 100'000;
inline constexpr double kDurationSecondsMax = 86'400;
inline constexpr uint64_t kContactsMax = 100'000'000;
inline constexpr int kOperatorsMax = 100'000;
inline constexpr int kConnectionsMax = 100'000;
inline constexpr int kInFlightMax = 100'000;
inline constexpr double kDelaySecondsMax = 3'600;  // accept delay, AHT, wrap-up, patience
inline constexpr double kDrainSecondsMax = 3'600;
inline constexpr int kTimeoutMsMax = 600'000;

// Every skill of the default config's queues (deploy/ekcd.yaml): a simulated operator takes all of
// them unless --skills says otherwise.
inline constexpr std::string_view kDefaultSkills =
    "family,disability,social_support,svo,psychologist,crisis";

struct LoadOptions {
  std::string target = "127.0.0.1:7070";
  bool allow_remote = false;
  std::string token;  // --token or EKC_TOKEN: "authorization: Bearer <token>" on every call

  // Citizens.
  double rate_per_s = 0;  // > 0: open loop, Poisson arrivals at this rate
  bool max = false;       // closed loop, as fast as it goes with `concurrency` citizens
  int concurrency = 16;
  double duration_s = 0;    // submitting stops after this long …
  uint64_t contacts = 0;    // … or after this many submits, whichever comes first (0: no limit)
  std::string corpus_path;  // empty: the corpus shipped with the tool
  int citizen_connections = 4;
  int in_flight_max = 10'000;  // open loop: submits awaiting their answer at most
  double patience_s = 0;  // mean (exponential) time before a waiting citizen hangs up; 0: never

  // Operators.
  int operators = 0;
  std::string skills = std::string(kDefaultSkills);
  double accept_delay_s = 0;
  double aht_s = 0;       // mean (exponential) talk time
  double wrap_up_s = -1;  // the operator ends wrap-up this long after completing; < 0: the queue's
  int operator_connections = 0;  // 0: one connection per operator, like real softphones
  std::string operator_prefix = "load-op-";

  // The run.
  uint64_t seed = 1;
  double drain_s = 30;  // after submitting ends, how long to wait for every contact to be resolved
  int timeout_ms = 10'000;     // deadline of each unary call
  double sl_threshold_s = 20;  // the service-level threshold the client-side figures use
  std::string baseline;        // HOST:PORT of a no-op server to run the same submits against first
  bool json = false;
  std::string acked_out;
  int server_pid = 0;     // ekcd's pid, to read its memory from /proc
  bool progress = false;  // set by main: stderr is a terminal
};

// Refuses impossible or unbounded settings with a message naming the flag; fills defaults that
// depend on others (the number of operator connections).
absl::Status Validate(LoadOptions& options);

// True for 127.0.0.0/8, ::1 and localhost targets, with a port ("127.0.0.1:7070", "[::1]:7070",
// "localhost:7070", optionally with gRPC's "ipv4:" / "ipv6:" / "dns:///" prefixes).
bool IsLoopbackTarget(std::string_view target);

// Parses "family,crisis:8" into (name, proficiency) pairs; proficiency 0 when not given.
absl::Status ParseSkills(std::string_view text, std::vector<std::pair<std::string, int>>* skills);

}  // namespace ekc::load
