// ekcutl: offline tools for ekc — rules testing, log audit and replay, simulation. See
// tools/README.md.

#include <iostream>

#include <CLI/CLI.hpp>

#include "tools/ekcutl/command_registry.h"

int main(int argc, char** argv) {
  CLI::App app{"ekcutl — offline tools for ekc: rules, the event log, simulation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", EKC_VERSION);
  int exit_status = ekc::utl::kExitOk;
  for (const auto& add : ekc::utl::CommandRegistration::Adders()) add(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? ekc::utl::kExitOk : ekc::utl::kExitUsage;
  }
  return exit_status;
}
