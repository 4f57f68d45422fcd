#pragma once

// ekcctl submit, watch and cancel: the ContactIntake service, as a front end would use it.

#include <cstdint>
#include <string>
#include <vector>

#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

struct SubmitOptions {
  std::string text;
  std::string channel = "chat";
  std::string ivr_choice;
  std::string region;
  std::string citizen_ref;
  std::string idempotency_key;          // empty: a fresh random key
  std::vector<std::string> attributes;  // "key=value"
};

int RunSubmit(const GlobalOptions& global, const SubmitOptions& options);

// Prints the contact's progress until ekcd ends the stream (connected, or ended).
int RunWatch(const GlobalOptions& global, uint64_t contact_id);

int RunCancel(const GlobalOptions& global, uint64_t contact_id, const std::string& reason);

}  // namespace ekc::ctl
