#pragma once

// ekcctl info, classify and health: the Admin service and the standard health check.

#include <string>

#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

struct ClassifyOptions {
  std::string text;
  std::string ivr_choice;
  std::string channel;  // empty: not said
};

int RunInfo(const GlobalOptions& global);
int RunClassify(const GlobalOptions& global, const ClassifyOptions& options);

// Exit 0 when ekcd reports SERVING and its event log is writable, 1 otherwise.
int RunHealth(const GlobalOptions& global);

}  // namespace ekc::ctl
