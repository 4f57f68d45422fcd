// ekc-load: simulated citizens and softphones driving a running ekcd over gRPC, with a report of
// throughput, latency percentiles and the service level both sides saw. docs/load.md.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "base/absl_fmt.h"
#include "tools/ekc_load/corpus.h"
#include "tools/ekc_load/options.h"
#include "tools/ekc_load/phase.h"

namespace ekc::load {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // the run could not start, or had errors
constexpr int kExitUsage = 2;

void AddOptions(CLI::App& app, LoadOptions& o) {
  app.add_option("--target", o.target, "ekcd's gRPC address HOST:PORT")
      ->envname("EKC_TARGET")
      ->capture_default_str();
  app.add_flag("--allow-remote", o.allow_remote, "allow a target that is not loopback");
  app.add_option("--token", o.token, "bearer token sent as 'authorization: Bearer <token>'")
      ->envname("EKC_TOKEN");
  auto* citizens = "citizens";
  app.add_option("--rate", o.rate_per_s, "open loop: Poisson arrivals, contacts per second")
      ->group(citizens);
  app.add_flag("--max", o.max, "closed loop: as fast as it goes, with --concurrency citizens")
      ->group(citizens);
  app.add_option("--concurrency", o.concurrency, "closed loop: citizens at once")
      ->capture_default_str()
      ->group(citizens);
  app.add_option("--duration", o.duration_s, "stop submitting after this many seconds")
      ->group(citizens);
  app.add_option("--contacts", o.contacts, "stop submitting after this many contacts")
      ->group(citizens);
  app.add_option("--corpus", o.corpus_path, "citizens' messages, one per line (default: shipped)")
      ->group(citizens);
  app.add_option("--patience", o.patience_s,
                 "mean seconds (exponential) a citizen waits before hanging up; 0: never")
      ->capture_default_str()
      ->group(citizens);
  app.add_option("--citizen-connections", o.citizen_connections, "gRPC connections for submits")
      ->capture_default_str()
      ->group(citizens);
  app.add_option("--in-flight-max", o.in_flight_max, "open loop: calls awaiting answers at most")
      ->capture_default_str()
      ->group(citizens);
  auto* operators = "operators";
  app.add_option("--operators", o.operators, "softphone streams (OperatorDesk.Connect)")
      ->capture_default_str()
      ->group(operators);
  app.add_option("--skills", o.skills, "operators' skills, name[:proficiency],...")
      ->capture_default_str()
      ->group(operators);
  app.add_option("--accept-delay", o.accept_delay_s, "seconds from an offer to its Accept")
      ->capture_default_str()
      ->group(operators);
  app.add_option("--aht", o.aht_s, "mean talk time in seconds (exponential); 0: complete at once")
      ->capture_default_str()
      ->group(operators);
  app.add_option("--wrap-up", o.wrap_up_s,
                 "end the wrap-up this many seconds after completing; default: the queue's")
      ->group(operators);
  app.add_option("--operator-connections", o.operator_connections,
                 "gRPC connections for the streams; 0: one per operator")
      ->capture_default_str()
      ->group(operators);
  app.add_option("--operator-prefix", o.operator_prefix, "operator ids are <prefix><n>")
      ->capture_default_str()
      ->group(operators);
  auto* run = "run and report";
  app.add_option("--seed", o.seed, "seed of the arrivals, texts, talk times and patience")
      ->capture_default_str()
      ->group(run);
  app.add_option("--drain", o.drain_s,
                 "seconds to wait, after submitting ends, for every contact to finish")
      ->capture_default_str()
      ->group(run);
  app.add_option("--timeout-ms", o.timeout_ms, "deadline of each unary call")
      ->capture_default_str()
      ->group(run);
  app.add_option("--sl-threshold", o.sl_threshold_s,
                 "service-level threshold (seconds) of the client-side figures")
      ->capture_default_str()
      ->group(run);
  app.add_option("--baseline", o.baseline,
                 "HOST:PORT of a no-op server (tests/bench/noop_server): run the same submits "
                 "there first and report ekcd / no-op")
      ->group(run);
  app.add_flag("--json", o.json, "print one JSON object instead of text")->group(run);
  app.add_option("--acked-out", o.acked_out, "write the id of every acknowledged contact here")
      ->group(run);
  app.add_option("--server-pid", o.server_pid, "ekcd's pid, to report its memory (/proc)")
      ->group(run);
}

std::string RunId() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return fmt::format("load-{:x}-{}", ns, ::getpid());
}

int WriteAcked(const std::string& path, const std::vector<uint64_t>& ids) {
  std::ofstream out(path, std::ios::trunc);
  for (uint64_t id : ids) out << id << '\n';
  out.close();
  if (!out) {
    fmt::print(stderr, "ekc-load: {}: cannot write the acknowledged ids\n", path);
    return kExitFailed;
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "ekc-load: simulated citizens (SubmitContact, CancelContact) and softphones "
      "(OperatorDesk.Connect) driving a running ekcd; reports throughput, latency percentiles and "
      "the service level both sides saw. See docs/load.md."};
  LoadOptions options;
  AddOptions(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (absl::Status s = Validate(options); !s.ok()) {
    fmt::print(stderr, "ekc-load: {}\n", s.message());
    return kExitUsage;
  }
  options.progress = !options.json && ::isatty(STDERR_FILENO) == 1;
  if (options.corpus_path.empty()) options.corpus_path = Corpus::DefaultPath();
  absl::StatusOr<Corpus> corpus = Corpus::Load(options.corpus_path);
  if (!corpus.ok()) {
    fmt::print(stderr, "ekc-load: --corpus: {}\n", corpus.status().message());
    return kExitUsage;
  }
  const std::string run_id = RunId();
  std::optional<PhaseResult> baseline;
  if (!options.baseline.empty()) {
    LoadOptions submit_only = options;
    submit_only.target = options.baseline;
    submit_only.operators = 0;
    submit_only.patience_s = 0;
    submit_only.server_pid = 0;
    absl::StatusOr<PhaseResult> r = RunPhase(submit_only, *corpus, run_id + "-noop");
    if (!r.ok()) {
      fmt::print(stderr, "ekc-load: --baseline {}: {}\n", options.baseline, r.status().message());
      return kExitFailed;
    }
    baseline = std::move(*r);
  }
  absl::StatusOr<PhaseResult> result = RunPhase(options, *corpus, run_id);
  if (!result.ok()) {
    fmt::print(stderr, "ekc-load: {}: {}\n", options.target, result.status().message());
    return kExitFailed;
  }
  if (options.json) {
    fmt::print("{}\n", ReportJson(*result, baseline).dump());
  } else {
    fmt::print("{}", ReportText(*result, baseline));
  }
  if (!options.acked_out.empty() && WriteAcked(options.acked_out, result->acked_ids) != kExitOk)
    return kExitFailed;
  const bool failed = result->errors > 0 || (baseline && baseline->errors > 0) ||
                      (result->agreement && !result->agreement->agrees);
  return failed ? kExitFailed : kExitOk;
}

}  // namespace
}  // namespace ekc::load

int main(int argc, char** argv) { return ekc::load::Main(argc, argv); }
