#pragma once

// The `ekcutl log` commands (tools/README.md): dump, verify, replay, snapshots, export, prune. Each
// file adds one (or two) subcommands to the `log` command; log_commands.cc registers the group.

#include <CLI/CLI.hpp>

namespace ekc::utl::log {

void AddDumpCommand(CLI::App& log, int& exit_status);
void AddVerifyCommand(CLI::App& log, int& exit_status);
void AddReplayCommand(CLI::App& log, int& exit_status);
void AddSnapshotsCommand(CLI::App& log, int& exit_status);
void AddRetentionCommands(CLI::App& log, int& exit_status);  // export, prune
void AddReclassifyCommand(CLI::App& log, int& exit_status);

}  // namespace ekc::utl::log
