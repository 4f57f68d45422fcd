// `ekcutl log replay`: fold a log into a fresh routing core the way ekcd recovers, and print the
// resulting state and its statistics, with a progress bar on a terminal and events/s at the end.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/common.pb.h"

#include "router/state.h"
#include "router/statistics.h"
#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_commands.h"
#include "tools/ekcutl/log_common.h"

namespace ekc::utl::log {
namespace {

struct ReplayOptions {
  CommonOptions common;
  bool full = false;  // ignore snapshots: apply every event from the first
};

constexpr int kProgressBarWidth = 40;

void DrawProgress(uint64_t applied, uint64_t total) {
  const double done = total == 0 ? 1.0 : static_cast<double>(applied) / static_cast<double>(total);
  const int filled = static_cast<int>(done * kProgressBarWidth);
  fmt::print(stderr, "\r[{}{}] {:5.1f}% {}/{} events", std::string(filled, '#'),
             std::string(kProgressBarWidth - filled, ' '), done * 100, applied, total);
  std::fflush(stderr);
}

std::string StateName(const google::protobuf::EnumDescriptor* type, int value,
                      std::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByNumber(value);
  if (v == nullptr) return std::to_string(value);
  std::string name = v->name();
  if (name.starts_with(prefix)) name = name.substr(prefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

nlohmann::json Summary(const router::RouterState& state) {
  nlohmann::json out;
  std::map<std::string, uint64_t> contacts;
  for (const auto& [id, contact] : state.contacts()) {
    ++contacts[StateName(ekc::v1::ContactState_descriptor(), contact.state, "CONTACT_STATE_")];
  }
  std::map<std::string, uint64_t> operators;
  for (const auto& [id, op] : state.operators()) {
    ++operators[StateName(ekc::v1::OperatorState_descriptor(), op.shown, "OPERATOR_STATE_")];
  }
  out["contacts"] = {{"total", state.contacts().size()}, {"by_state", contacts}};
  out["operators"] = {{"total", state.operators().size()},
                      {"logged_in", state.LoggedInCount()},
                      {"by_state", operators}};
  out["waiting"] = state.WaitingCount();
  nlohmann::json queues = nlohmann::json::object();
  const router::Statistics& statistics = state.statistics();
  for (const auto& [name, queue] : state.queues()) {
    const router::WaitTally t = statistics.QueueTotal(name);
    queues[name] = {{"waiting", queue.line.size()}, {"arrivals", t.arrivals},
                    {"answered", t.answered},       {"abandoned", t.abandoned},
                    {"completed", t.completed},     {"service_level", t.ServiceLevel()},
                    {"asa_ms", t.AsaMs()},          {"aht_ms", t.AhtMs()}};
  }
  out["queues"] = queues;
  return out;
}

int RunReplay(const ReplayOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.common.data_dir);
  if (!log.ok()) return Fail(log.status());
  const bool bar = !options.common.json && ::isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Folded> folded = Fold(**log, !options.full,
                                       bar ? std::function<void(uint64_t, uint64_t)>(DrawProgress)
                                           : std::function<void(uint64_t, uint64_t)>());
  if (bar) fmt::print(stderr, "\n");
  if (!folded.ok()) return Fail(folded.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const storage::RecoveryReport& report = folded->report;
  const double replay_s = static_cast<double>(report.replay_ms) / 1000.0;
  const double rate = replay_s > 0 ? static_cast<double>(report.events_replayed) / replay_s : 0;
  const router::RouterState& state = folded->router->state();

  nlohmann::json out = Summary(state);
  out["data_dir"] = options.common.data_dir;
  out["snapshot"] = report.snapshot.value();
  out["events_replayed"] = report.events_replayed;
  out["last_sequence"] = state.last_sequence().value();
  out["last_time"] = state.last_time_unix_ms() == 0 ? "" : UtcTime(state.last_time_unix_ms());
  out["state_hash"] = fmt::format("{:016x}", state.StateHash());
  out["seconds"] = seconds;
  out["events_per_s"] = rate;
  out["snapshots_skipped"] = report.skipped;
  if (options.common.json) {
    fmt::print("{}\n", out.dump());
    return kExitOk;
  }
  for (const std::string& why : report.skipped) fmt::print("snapshot not used: {}\n", why);
  fmt::print("{}: {}{} events replayed in {:.3f} s ({:.0f} events/s)\n", options.common.data_dir,
             report.snapshot.value() == 0
                 ? std::string()
                 : fmt::format("snapshot of event {} + ", report.snapshot.value()),
             report.events_replayed, seconds, rate);
  fmt::print("last event {} at {}; state hash {}\n", state.last_sequence().value(),
             out["last_time"].get<std::string>(), out["state_hash"].get<std::string>());
  fmt::print("contacts: {} ({} waiting)", state.contacts().size(), state.WaitingCount());
  for (const auto& [name, count] : out["contacts"]["by_state"].items()) {
    fmt::print(", {} {}", name, count.get<uint64_t>());
  }
  fmt::print("\noperators: {} ({} logged in)", state.operators().size(), state.LoggedInCount());
  for (const auto& [name, count] : out["operators"]["by_state"].items()) {
    fmt::print(", {} {}", name, count.get<uint64_t>());
  }
  fmt::print("\n");
  for (const auto& [name, q] : out["queues"].items()) {
    fmt::print(
        "queue {}: waiting {}, arrivals {}, answered {}, abandoned {}, completed {}, service "
        "level {:.1f}%, ASA {:.1f} s, AHT {:.1f} s\n",
        name, q["waiting"].get<uint64_t>(), q["arrivals"].get<uint64_t>(),
        q["answered"].get<uint64_t>(), q["abandoned"].get<uint64_t>(),
        q["completed"].get<uint64_t>(), q["service_level"].get<double>() * 100,
        q["asa_ms"].get<double>() / 1000, q["aht_ms"].get<double>() / 1000);
  }
  return kExitOk;
}

}  // namespace

void AddReplayCommand(CLI::App& log, int& exit_status) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* replay = log.add_subcommand(
      "replay",
      "fold the log into a fresh core as ekcd recovers (newest good snapshot + the events after "
      "it); print the state, statistics and events/s");
  AddCommonOptions(*replay, options->common);
  replay->add_flag("--full", options->full, "ignore snapshots: apply every event from the first");
  replay->callback([options, &exit_status] { exit_status = RunReplay(*options); });
}

}  // namespace ekc::utl::log
