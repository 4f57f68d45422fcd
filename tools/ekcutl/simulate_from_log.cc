// `ekcutl simulate --from-log DIR`: what happened (the log folded, with the statistics the core
// computed) beside what would have happened (log_simulation.h), per queue and overall.

#include "tools/ekcutl/simulate_from_log.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/absl_fmt.h"
#include "daemon/config.h"
#include "router/state.h"
#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_common.h"
#include "tools/ekcutl/log_simulation.h"
#include "tools/ekcutl/rules_file.h"
#include "tools/ekcutl/staffing_file.h"

namespace ekc::utl::log {

namespace {

constexpr double kOperatorsScaleMax = 10;

int Usage(std::string_view message) {
  std::cerr << "ekcutl simulate: " << message << "\n";
  return kExitUsage;
}

// The figures of a set of waits, as the statistics module defines them (router/statistics.h).
nlohmann::json Figures(const router::WaitTally& t) {
  return {{"offered", t.arrivals},
          {"answered", t.answered},
          {"answered_within_target", t.answered_within_target},
          {"abandoned", t.abandoned},
          {"short_abandoned", t.short_abandoned},
          {"moved_on", t.moved_on},
          {"not_ended", t.arrivals - std::min(t.arrivals, t.ended + t.short_abandoned)},
          {"completed", t.completed},
          {"service_level", t.ServiceLevel()},
          {"asa_s", t.AsaMs() / 1000},
          {"answer_wait_mean_s", t.AnswerWaitMeanMs() / 1000},
          {"longest_wait_s", static_cast<double>(t.longest_wait_ms) / 1000},
          {"abandon_rate", t.PAbandon()},
          {"aht_s", t.AhtMs() / 1000}};
}

// Every queue and the operators: the overall figures.
nlohmann::json Overall(const router::Statistics& s, int64_t end_unix_ms, uint64_t contacts) {
  nlohmann::json j = Figures(s.AllQueues());
  j["contacts"] = contacts;
  j["operators"] = s.operators().size();
  double occupancy = 0;
  for (const auto& [id, op] : s.operators()) occupancy += op.Occupancy(end_unix_ms);
  j["occupancy"] =
      s.operators().empty() ? 0.0 : occupancy / static_cast<double>(s.operators().size());
  return j;
}

nlohmann::json Delta(const nlohmann::json& recorded, const nlohmann::json& simulated) {
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [key, value] : simulated.items()) {
    if (!recorded.contains(key)) continue;
    d[key] = value.is_number_float() || recorded[key].is_number_float()
                 ? nlohmann::json(value.get<double>() - recorded[key].get<double>())
                 : nlohmann::json(static_cast<int64_t>(value.get<uint64_t>()) -
                                  static_cast<int64_t>(recorded[key].get<uint64_t>()));
  }
  return d;
}

nlohmann::json Comparison(const nlohmann::json& recorded, const nlohmann::json& simulated) {
  return {{"recorded", recorded}, {"simulated", simulated}, {"delta", Delta(recorded, simulated)}};
}

// How a row of the table prints its values.
enum class Unit { kCount, kShare, kSeconds };
struct Row {
  std::string_view label;
  std::string_view key;
  Unit unit;
};
constexpr Row kRows[] = {
    {"offered", "offered", Unit::kCount},
    {"answered", "answered", Unit::kCount},
    {"abandoned", "abandoned", Unit::kCount},
    {"not ended (still waiting)", "not_ended", Unit::kCount},
    {"service level", "service_level", Unit::kShare},
    {"ASA (all ended waits)", "asa_s", Unit::kSeconds},
    {"mean wait to answer", "answer_wait_mean_s", Unit::kSeconds},
    {"longest wait", "longest_wait_s", Unit::kSeconds},
    {"abandon rate", "abandon_rate", Unit::kShare},
    {"AHT", "aht_s", Unit::kSeconds},
    {"occupancy", "occupancy", Unit::kShare},
};

std::string Cell(const nlohmann::json& v, Unit unit, bool delta) {
  // A tenth as printed, with no "-0.0" for a difference that rounds to nothing.
  auto tenths = [](double x) { return std::round(x * 10) / 10 + 0.0; };
  switch (unit) {
    case Unit::kCount:
      return delta ? fmt::format("{:+}", v.get<int64_t>()) : fmt::format("{}", v.get<uint64_t>());
    case Unit::kShare:
      return delta ? fmt::format("{:+.1f} pp", tenths(v.get<double>() * 100))
                   : fmt::format("{:.1f} %", v.get<double>() * 100);
    case Unit::kSeconds:
      return delta ? fmt::format("{:+.1f} s", tenths(v.get<double>()))
                   : fmt::format("{:.1f} s", v.get<double>());
  }
  return "";
}

void PrintBlock(const std::string& title, const nlohmann::json& c) {
  fmt::print("{}\n", title);
  for (const Row& row : kRows) {
    const std::string key(row.key);
    if (!c["recorded"].contains(key)) continue;
    fmt::print("  {:<27}{:>12}{:>12}{:>12}\n", row.label, Cell(c["recorded"][key], row.unit, false),
               Cell(c["simulated"][key], row.unit, false), Cell(c["delta"][key], row.unit, true));
  }
}

void PrintText(const nlohmann::json& out) {
  const nlohmann::json& o = out["options"];
  fmt::print("what if: {} — {} contacts, {} … {}\n", o["data_dir"].get<std::string>(),
             out["recorded"]["contacts"].get<uint64_t>(), o["from"].get<std::string>(),
             o["to"].get<std::string>());
  fmt::print("  rules:     {}\n", o["rules"].is_null() ? std::string("the recorded classification")
                                                       : o["rules"].get<std::string>());
  fmt::print(
      "  config:    {}; strategy {}\n", o["config"].get<std::string>(),
      o["strategy"].is_null() ? std::string("as configured") : o["strategy"].get<std::string>());
  fmt::print("  operators: {} ({} in the log; scale {})\n", o["operators"].get<uint64_t>(),
             o["recorded_operators"].get<uint64_t>(), o["operators_scale"].get<double>());
  if (!o["staffing"].is_null()) fmt::print("  staffing:  {}\n", o["staffing"].get<std::string>());
  fmt::print(
      "  handling:  {} recorded, {} drawn; patience: {} as recorded, {} drawn above the wait, "
      "{} never abandon; seed {}\n",
      o["handle_times_recorded"].get<uint64_t>(), o["handle_times_drawn"].get<uint64_t>(),
      o["patience_recorded"].get<uint64_t>(), o["patience_drawn"].get<uint64_t>(),
      o["never_abandon"].get<uint64_t>(), o["seed"].get<uint64_t>());
  if (o["refused"].get<uint64_t>() > 0)
    fmt::print("  refused:   {} arrivals (a full queue)\n", o["refused"].get<uint64_t>());
  fmt::print("\n  {:<27}{:>12}{:>12}{:>12}\n", "", "recorded", "simulated", "delta");
  PrintBlock(
      "all queues",
      {{"recorded", out["recorded"]}, {"simulated", out["simulated"]}, {"delta", out["delta"]}});
  for (const nlohmann::json& q : out["per_queue"])
    PrintBlock("queue " + q["queue"].get<std::string>(), q);
}

absl::StatusOr<router::SelectionStrategy> StrategyNamed(const std::string& name) {
  for (auto s :
       {router::SelectionStrategy::kLongestIdle, router::SelectionStrategy::kMostSkilled,
        router::SelectionStrategy::kLeastOccupied, router::SelectionStrategy::kRoundRobin}) {
    if (router::SelectionStrategyName(s) == name) return s;
  }
  return absl::InvalidArgumentError(fmt::format(
      "--strategy: must be longest_idle, most_skilled, least_occupied or round_robin, not \"{}\"",
      name));
}

// What the options ask for, ready to run: the log read, the config, rules and staffing loaded.
struct Prepared {
  Recording recording;
  Folded folded;
  LogSimulationOptions simulation;
};

absl::StatusOr<Prepared> Prepare(const FromLogOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.data_dir);
  if (!log.ok()) return log.status();
  absl::StatusOr<daemon::DaemonConfig> config = daemon::LoadDaemonConfig(options.config);
  if (!config.ok()) return config.status();
  Prepared p;
  p.simulation.config = std::move(config->routing);
  if (!options.strategy.empty()) {
    absl::StatusOr<router::SelectionStrategy> strategy = StrategyNamed(options.strategy);
    if (!strategy.ok()) return strategy.status();
    for (router::QueueConfig& q : p.simulation.config.queues) q.strategy = *strategy;
  }
  if (!options.rules.empty()) {
    absl::StatusOr<std::shared_ptr<const router::RuleSet>> rules =
        rules::LoadRulesFile(options.rules);
    if (!rules.ok()) return rules.status();
    p.simulation.rules = std::move(*rules);
  }
  // The whole log, from event 1: the simulation needs every arrival the figures count.
  absl::StatusOr<Folded> folded = Fold(**log, /*use_snapshots=*/false);
  if (!folded.ok()) {
    return absl::Status(
        folded.status().code(),
        fmt::format("a what-if needs the whole log from event 1: {}", folded.status().message()));
  }
  p.folded = std::move(*folded);
  RecordingBuilder builder;
  absl::Status read = (*log)->ReadFrom(Sequence(0), [&](const ekc::v1::EventRecord& e) {
    builder.Observe(e);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  p.recording = builder.Finish();
  p.simulation.operators = p.recording.operators;
  if (!options.staffing.empty()) {
    absl::StatusOr<std::vector<RecordedOperator>> staffing =
        LoadStaffingFile(options.staffing, p.recording.first_unix_ms);
    if (!staffing.ok()) return staffing.status();
    p.simulation.operators = std::move(*staffing);
  }
  if (options.operators_scale != 1) {
    p.simulation.operators =
        ScaleStaffing(p.simulation.operators, options.operators_scale, options.seed);
  }
  p.simulation.seed = options.seed;
  return p;
}

nlohmann::json OptionsJson(const FromLogOptions& options, const Prepared& p,
                           const LogSimulationResult& r) {
  uint64_t handled = 0, abandoned = 0;
  for (const RecordedArrival& a : p.recording.arrivals) {
    handled += a.talk_ms >= 0;
    abandoned += a.abandoned_after_ms >= 0;
  }
  auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  return {{"data_dir", options.data_dir},
          {"config", options.config},
          {"rules", or_null(options.rules)},
          {"rules_version",
           p.simulation.rules ? nlohmann::json(p.simulation.rules->version()) : nlohmann::json()},
          {"strategy", or_null(options.strategy)},
          {"operators_scale", options.operators_scale},
          {"staffing", or_null(options.staffing)},
          {"seed", options.seed},
          {"from", p.recording.first_unix_ms == 0 ? "" : UtcTime(p.recording.first_unix_ms)},
          {"to", p.recording.last_unix_ms == 0 ? "" : UtcTime(p.recording.last_unix_ms)},
          {"recorded_operators", p.recording.operators.size()},
          {"operators", p.simulation.operators.size()},
          {"handle_times_recorded", handled},
          {"handle_times_drawn", r.handle_times_drawn},
          {"patience_recorded", abandoned},
          {"patience_drawn", r.patience_drawn},
          {"never_abandon", r.never_abandon},
          {"refused", r.refused},
          {"waiting_at_end", r.waiting_at_end},
          {"events", r.events},
          {"commands_refused", r.commands_refused}};
}

}  // namespace

CLI::Option* AddFromLogOptions(CLI::App& simulate, FromLogOptions& o) {
  simulate.footer(
      "What if (--from-log DIR --config ekcd.yaml): the arrivals the log recorded, at their times "
      "and with their cards, go through a fresh routing core on a virtual clock. Operators keep "
      "their recorded log-ins, breaks and log-outs and accept every offer after their median "
      "recorded answer delay; handled contacts keep their talk and wrap-up times, others get "
      "times drawn from their queue's; a citizen who hung up after w seconds hangs up after w "
      "again, one who was answered after w gets a patience drawn from the recorded hang-ups "
      "after more than w (none: never hangs up). Figures are the core's own statistics, "
      "recorded beside simulated, per queue and overall. docs/operations.md, \"What if\", has "
      "the details.");
  CLI::Option* from_log = simulate.add_option(
      "--from-log,--data-dir", o.data_dir,
      "what if: replay the arrivals recorded in this data folder (a stopped ekcd's, or a backup) "
      "and compare with what happened");
  // The what-if's file and name options, each meaningful only with --from-log.
  struct TextOption {
    const char* name;
    std::string* target;
    const char* help;
  };
  const TextOption text_options[] = {
      {"--config", &o.config,
       "with --from-log: the ekcd.yaml to route with (its queues and routing section; required: "
       "the log does not record the config)"},
      {"--rules", &o.rules,
       "with --from-log: classify every arrival again with this rules file (default: the "
       "recorded classification)"},
      {"--strategy", &o.strategy,
       "with --from-log: every queue's selection strategy: longest_idle, most_skilled, "
       "least_occupied or round_robin (default: the config's)"},
      {"--staffing", &o.staffing,
       "with --from-log: a YAML list of operators (skills, shift start_s/end_s after the log's "
       "start) in place of the recorded ones"}};
  for (const TextOption& option : text_options)
    simulate.add_option(option.name, *option.target, option.help)->needs(from_log);
  simulate
      .add_option("--operators-scale", o.operators_scale,
                  "with --from-log: operators × this (0.5 keeps half, chosen by --seed; 1.2 "
                  "adds 20 % clones of recorded ones)")
      ->capture_default_str()
      ->needs(from_log);
  return from_log;
}

int RunSimulateFromLog(const FromLogOptions& options) {
  if (options.config.empty()) {
    return Usage(
        "--config: required with --from-log: the log does not record the routing config; give "
        "the ekcd.yaml that was in force (e.g. /etc/ekc/ekcd.yaml)");
  }
  if (!(options.operators_scale > 0 && options.operators_scale <= kOperatorsScaleMax)) {
    return Usage(fmt::format("--operators-scale: must be above 0 and at most {}, not {}",
                             kOperatorsScaleMax, options.operators_scale));
  }
  if (!options.strategy.empty()) {
    if (auto s = StrategyNamed(options.strategy); !s.ok())
      return Usage(std::string(s.status().message()));
  }
  absl::StatusOr<Prepared> p = Prepare(options);
  if (!p.ok()) return Fail(p.status());
  absl::StatusOr<LogSimulationResult> r = SimulateRecording(p->recording, p->simulation);
  if (!r.ok()) return Fail(r.status());

  const router::RouterState& recorded_state = p->folded.router->state();
  const router::Statistics& recorded = recorded_state.statistics();
  nlohmann::json out;
  out["recorded"] =
      Overall(recorded, recorded_state.last_time_unix_ms(), p->recording.arrivals.size());
  // Occupancy over the same span: the simulation may end before or after the log did.
  out["simulated"] = Overall(
      r->statistics, std::max(r->end_unix_ms, recorded_state.last_time_unix_ms()), r->contacts);
  out["delta"] = Delta(out["recorded"], out["simulated"]);
  std::set<std::string> queues;
  for (const auto& [name, intervals] : recorded.queues()) queues.insert(name);
  for (const auto& [name, intervals] : r->statistics.queues()) queues.insert(name);
  out["per_queue"] = nlohmann::json::array();
  for (const std::string& q : queues) {
    nlohmann::json c =
        Comparison(Figures(recorded.QueueTotal(q)), Figures(r->statistics.QueueTotal(q)));
    c["queue"] = q;
    out["per_queue"].push_back(std::move(c));
  }
  out["options"] = OptionsJson(options, *p, *r);
  if (options.json) {
    std::cout << out.dump() << "\n";
  } else {
    PrintText(out);
  }
  return kExitOk;
}

}  // namespace ekc::utl::log
