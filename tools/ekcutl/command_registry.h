#pragma once

// How ekcutl's subcommands join the program: each command file defines one static
// CommandRegistration that adds its subcommands to the CLI11 app. main.cc knows none of them by
// name, so the rules tools, the log tools and the simulator grow in their own files.

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace ekc::utl {

// Exit statuses of every ekcutl command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed =
    1;  // the command ran and found a problem (a bad folder, a check failed)
inline constexpr int kExitUsage = 2;  // a bad command line

// Adds subcommands to the app. A subcommand's callback sets the exit status through `exit_status`.
using CommandAdder = std::function<void(CLI::App& app, int& exit_status)>;

class CommandRegistration {
 public:
  explicit CommandRegistration(CommandAdder adder) { Adders().push_back(std::move(adder)); }
  static std::vector<CommandAdder>& Adders() {
    static std::vector<CommandAdder> adders;
    return adders;
  }
};

}  // namespace ekc::utl
