// `ekcutl log snapshots`, `log export` and `log prune`: the stored snapshots, and retention —
// old events leave the log only once an export file holds them (storage/retention.h).

#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "router/state.h"
#include "storage/retention.h"
#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_commands.h"
#include "tools/ekcutl/log_common.h"

namespace ekc::utl::log {
namespace {

struct ExportOptions {
  CommonOptions common;
  uint64_t to = 0;
  std::string out;
};

struct PruneOptions {
  CommonOptions common;
  std::string exported;
};

nlohmann::json SummaryJson(const storage::ExportSummary& s) {
  return {{"first", s.first.value()},
          {"last", s.last.value()},
          {"records", s.records},
          {"bytes", s.bytes}};
}

// A snapshot recovery could start from: it reads back and the core accepts it.
absl::Status Loadable(const ekc::v1::RouterSnapshot& snapshot) {
  return router::RouterState::FromSnapshot(snapshot).status();
}

int RunSnapshots(const CommonOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  absl::StatusOr<std::vector<storage::SnapshotInfo>> infos = (*log)->ListSnapshots();
  if (!infos.ok()) return Fail(infos.status());
  nlohmann::json list = nlohmann::json::array();
  for (const storage::SnapshotInfo& info : *infos) {
    absl::Status good = info.header_status;
    if (good.ok()) {
      absl::StatusOr<ekc::v1::RouterSnapshot> snapshot = (*log)->ReadSnapshot(info.sequence);
      good = snapshot.ok() ? Loadable(*snapshot) : snapshot.status();
    }
    nlohmann::json item = {{"sequence", info.sequence.value()},
                           {"written", info.written_unix_ms ? UtcTime(info.written_unix_ms) : ""},
                           {"bytes", info.payload_bytes},
                           {"parts", info.parts},
                           {"ok", good.ok()},
                           {"problem", std::string(good.message())}};
    if (!options.json) {
      fmt::print("snapshot of event {}: {} bytes in {} parts, written {}: {}\n",
                 info.sequence.value(), info.payload_bytes, info.parts,
                 item["written"].get<std::string>(),
                 good.ok() ? "good" : "BAD: " + std::string(good.message()));
    }
    list.push_back(std::move(item));
  }
  if (options.json) fmt::print("{}\n", nlohmann::json{{"snapshots", list}}.dump());
  if (!options.json && infos->empty()) fmt::print("no snapshots\n");
  return kExitOk;
}

int RunExport(const ExportOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.common.data_dir);
  if (!log.ok()) return Fail(log.status());
  absl::StatusOr<storage::ExportSummary> written =
      storage::ExportEvents(**log, Sequence(options.to), options.out);
  if (!written.ok()) return Fail(written.status());
  // Read back what was written before anyone relies on it.
  absl::StatusOr<storage::ExportSummary> read = storage::ReadExport(options.out);
  if (!read.ok()) return Fail(read.status());
  if (options.common.json) {
    nlohmann::json out = SummaryJson(*read);
    out["file"] = options.out;
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("exported events {}..{} ({} events, {} bytes) to {}; verified\n",
               read->first.value(), read->last.value(), read->records, read->bytes, options.out);
  }
  return kExitOk;
}

int RunPrune(const PruneOptions& options) {
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForChange(options.common.data_dir);
  if (!log.ok()) return Fail(log.status());
  absl::StatusOr<storage::ExportSummary> pruned = storage::Prune(**log, options.exported, Loadable);
  if (!pruned.ok()) return Fail(pruned.status());
  absl::StatusOr<Sequence> first = (*log)->FirstSequence();
  if (options.common.json) {
    nlohmann::json out = SummaryJson(*pruned);
    out["file"] = options.exported;
    out["log_first"] = first.ok() ? first->value() : 0;
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("deleted events {}..{} (held by {}); the log now starts at event {}\n",
               pruned->first.value(), pruned->last.value(), options.exported,
               first.ok() ? first->value() : 0);
  }
  return kExitOk;
}

}  // namespace

void AddSnapshotsCommand(CLI::App& log, int& exit_status) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* snapshots =
      log.add_subcommand("snapshots", "list the stored snapshots, each read back and checked");
  AddCommonOptions(*snapshots, *options);
  snapshots->callback([options, &exit_status] { exit_status = RunSnapshots(*options); });
}

void AddRetentionCommands(CLI::App& log, int& exit_status) {
  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* export_command = log.add_subcommand(
      "export",
      "write the events from the first stored one through --to into a new file, synced "
      "and read back (the folder is not changed)");
  AddCommonOptions(*export_command, export_options->common);
  export_command->add_option("--to", export_options->to, "the last event to export")->required();
  export_command->add_option("--out", export_options->out, "the file to write (must not exist)")
      ->required();
  export_command->callback(
      [export_options, &exit_status] { exit_status = RunExport(*export_options); });

  auto prune_options = std::make_shared<PruneOptions>();
  CLI::App* prune = log.add_subcommand(
      "prune",
      "delete the events an export file holds, once the file reads back whole, matches the log "
      "event by event and a good snapshot covers them (ekcd must be stopped)");
  AddCommonOptions(*prune, prune_options->common);
  prune->add_option("--exported", prune_options->exported, "an export file written by log export")
      ->required();
  prune->callback([prune_options, &exit_status] { exit_status = RunPrune(*prune_options); });
}

}  // namespace ekc::utl::log
