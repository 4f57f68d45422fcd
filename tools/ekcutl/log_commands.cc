// `ekcutl log …`: audit, replay and retention of an event log folder, offline.

#include "tools/ekcutl/log_commands.h"

#include <CLI/CLI.hpp>

#include "tools/ekcutl/command_registry.h"

namespace ekc::utl::log {
namespace {

const CommandRegistration kRegistration([](CLI::App& app, int& exit_status) {
  CLI::App* log = app.add_subcommand(
      "log", "the event log, offline: dump, verify, replay, snapshots, export, prune, reclassify");
  log->require_subcommand(1);
  AddDumpCommand(*log, exit_status);
  AddVerifyCommand(*log, exit_status);
  AddReplayCommand(*log, exit_status);
  AddSnapshotsCommand(*log, exit_status);
  AddRetentionCommands(*log, exit_status);
  AddReclassifyCommand(*log, exit_status);
});

}  // namespace
}  // namespace ekc::utl::log
