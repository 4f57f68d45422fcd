// `ekcutl simulate`: the routing core under an Erlang C / Erlang A load on a virtual clock; with
// --from-log, the recorded arrivals of a log under another config, rules or staffing
// (simulate_from_log.h).

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/erlang_simulation.h"
#include "tools/ekcutl/simulate_from_log.h"

namespace ekc::utl {
namespace {

struct SimulateCommandLine {
  ErlangSimulationOptions options;
  double patience_s = 0;  // 0: nobody abandons
  bool json = false;
  log::FromLogOptions from_log;  // the what-if mode, when its folder is given
};

// Per-batch values of a metric, for its confidence interval.
template <typename Metric>
std::vector<double> PerBatch(const ErlangSimulationResult& r, Metric metric) {
  std::vector<double> values;
  for (const auto& b : r.batches) {
    if (b.ended > 0) values.push_back(metric(b));
  }
  return values;
}

nlohmann::json ResultJson(const ErlangSimulationOptions& o, const ErlangSimulationResult& r,
                          double wall_s) {
  const router::WaitTally& m = r.measured;
  auto sl = [](const router::WaitTally& t) { return t.ServiceLevel(); };
  auto pw = [](const router::WaitTally& t) { return t.PWait(); };
  auto asa = [](const router::WaitTally& t) { return t.AsaMs() / 1000; };
  auto pa = [](const router::WaitTally& t) { return t.PAbandon(); };
  nlohmann::json j;
  j["arrival_rate"] = o.arrival_rate_per_s;
  j["aht"] = o.aht_s;
  j["operators"] = o.operators;
  j["sl_threshold_s"] = o.sl_threshold_s;
  j["patience_s"] = o.patience_s ? nlohmann::json(*o.patience_s) : nlohmann::json(nullptr);
  j["contacts"] = o.contacts;
  j["seed"] = o.seed;
  j["offered"] = m.arrivals;
  j["answered"] = m.answered;
  j["abandoned"] = m.abandoned;
  j["service_level"] = m.ServiceLevel();
  j["service_level_ci95"] = BatchMeansHalfWidth(PerBatch(r, sl));
  j["p_wait"] = m.PWait();
  j["p_wait_ci95"] = BatchMeansHalfWidth(PerBatch(r, pw));
  j["asa_s"] = m.AsaMs() / 1000;
  j["asa_s_ci95"] = BatchMeansHalfWidth(PerBatch(r, asa));
  j["p_abandon"] = m.PAbandon();
  j["p_abandon_ci95"] = BatchMeansHalfWidth(PerBatch(r, pa));
  j["answer_wait_mean_s"] = m.AnswerWaitMeanMs() / 1000;
  j["aht_s"] = m.AhtMs() / 1000;
  j["occupancy"] = r.occupancy;
  j["batches"] = r.batches.size();
  j["events"] = r.events;
  j["simulated_s"] = static_cast<double>(r.simulated_ms) / 1000;
  j["wall_s"] = wall_s;
  j["events_per_s"] = wall_s > 0 ? static_cast<double>(r.events) / wall_s : 0.0;
  return j;
}

void PrintText(const nlohmann::json& j) {
  fmt::print("offered {}  answered {}  abandoned {}\n", j["offered"].get<uint64_t>(),
             j["answered"].get<uint64_t>(), j["abandoned"].get<uint64_t>());
  fmt::print("service level  {:.4f} ± {:.4f}\n", j["service_level"].get<double>(),
             j["service_level_ci95"].get<double>());
  fmt::print("P(wait)        {:.4f} ± {:.4f}\n", j["p_wait"].get<double>(),
             j["p_wait_ci95"].get<double>());
  fmt::print("ASA            {:.3f} s ± {:.3f}\n", j["asa_s"].get<double>(),
             j["asa_s_ci95"].get<double>());
  fmt::print("P(abandon)     {:.4f} ± {:.4f}\n", j["p_abandon"].get<double>(),
             j["p_abandon_ci95"].get<double>());
  fmt::print("AHT {:.2f} s  occupancy {:.3f}  {} events in {:.1f} s ({:.0f} events/s)\n",
             j["aht_s"].get<double>(), j["occupancy"].get<double>(), j["events"].get<uint64_t>(),
             j["wall_s"].get<double>(), j["events_per_s"].get<double>());
}

int RunSimulate(SimulateCommandLine& c) {
  if (c.patience_s > 0) c.options.patience_s = c.patience_s;
  const auto start = std::chrono::steady_clock::now();
  auto result = RunErlangSimulation(c.options);
  if (!result.ok()) {
    std::cerr << "ekcutl simulate: " << result.status().message() << "\n";
    return kExitUsage;
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::json j = ResultJson(c.options, *result, wall_s);
  if (c.json) {
    std::cout << j.dump() << "\n";
  } else {
    PrintText(j);
  }
  return kExitOk;
}

const CommandRegistration kSimulate([](CLI::App& app, int& exit_status) {
  auto c = std::make_shared<SimulateCommandLine>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "run the routing core on a virtual clock under an Erlang C / Erlang A load, or (--from-log) "
      "replay a log's recorded arrivals under another config, rules or staffing and compare");
  std::vector<CLI::Option*> erlang = {
      cmd->add_option("--arrival-rate", c->options.arrival_rate_per_s,
                      "arrivals per second (Poisson)"),
      cmd->add_option("--aht", c->options.aht_s, "mean handling time, seconds (exponential)"),
      cmd->add_option("--operators", c->options.operators, "operators, all with the one skill"),
      cmd->add_option("--sl-threshold", c->options.sl_threshold_s,
                      "service-level threshold, whole seconds"),
      cmd->add_option("--contacts", c->options.contacts, "contacts to simulate"),
      cmd->add_option("--patience", c->patience_s,
                      "mean patience, seconds (exponential); 0: nobody abandons"),
      cmd->add_option("--warmup-fraction", c->options.warmup_fraction,
                      "share of the first arrivals not measured"),
      cmd->add_option("--batches", c->options.batches, "batches for the confidence intervals")};
  cmd->add_option("--seed", c->options.seed, "seed of the workload (or of the what-if's draws)")
      ->capture_default_str();
  cmd->add_flag("--json", c->json, "print one JSON object");
  CLI::Option* from_log = log::AddFromLogOptions(*cmd, c->from_log);
  for (CLI::Option* option : erlang) option->capture_default_str()->excludes(from_log);
  cmd->callback([c, &exit_status] {
    if (c->from_log.data_dir.empty()) {
      exit_status = RunSimulate(*c);
      return;
    }
    c->from_log.seed = c->options.seed;
    c->from_log.json = c->json;
    exit_status = log::RunSimulateFromLog(c->from_log);
  });
});

}  // namespace
}  // namespace ekc::utl
