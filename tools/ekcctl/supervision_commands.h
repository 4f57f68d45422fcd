#pragma once

// ekcctl's supervisor commands, over the Supervision service:
//   dashboard [--once]           the live dashboard as a refreshing terminal table (WatchDashboard)
//   contacts                     contacts by queue, state, situation, operator (ListContacts)
//   operators                    logged-in operators, or those in given states (ListOperators)
//   queue pause|resume QUEUE     (SetQueuePaused)
//   contact priority ID PRIORITY (ChangePriority)
//   contact reassign ID OPERATOR (ReassignContact)
//   operator state ID STATE      (ForceOperatorState)
// Each prints text for people or, with -o json, the API's messages as JSON, one per line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

class SupervisionCommands {
 public:
  // Adds the commands to `app`; `operator_command` is ekcctl's existing `operator` (the desk),
  // which gets `state` as a subcommand.
  void Register(CLI::App& app, CLI::App& operator_command);
  // The exit status of the command given, when it is one of these.
  std::optional<int> RunParsed(const GlobalOptions& global) const;

 private:
  struct Options {
    // dashboard
    bool once = false;
    std::vector<std::string> queues;
    uint32_t max_waiting = 15;
    // contacts, operators
    std::string queue;
    std::vector<std::string> states;
    std::string situation;
    std::string operator_id;
    uint32_t limit = 0;
    // actions
    std::string target;  // the queue or operator acted on
    uint64_t contact_id = 0;
    std::string value;  // the priority, the operator, the state
    std::string reason;
    std::string note;
  };

  Options o_;
  CLI::App* dashboard_ = nullptr;
  CLI::App* contacts_ = nullptr;
  CLI::App* operators_ = nullptr;
  CLI::App* queue_pause_ = nullptr;
  CLI::App* queue_resume_ = nullptr;
  CLI::App* contact_priority_ = nullptr;
  CLI::App* contact_reassign_ = nullptr;
  CLI::App* operator_state_ = nullptr;
};

}  // namespace ekc::ctl
