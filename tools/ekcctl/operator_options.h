#pragma once

// ekcctl operator's command line and the Login it becomes.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/operator_desk.pb.h"

namespace ekc::ctl {

struct OperatorOptions {
  std::string operator_id;
  std::string name;
  std::string skills;    // "family,crisis:8": name[:proficiency]
  std::string channels;  // "voice,chat:3": channel[:capacity]
  std::string office;
  std::string region;
  bool auto_accept = false;
  int handle_s = 5;  // how long a contact is "handled" before Complete is sent
  std::string outcome = "consulted";
  // ≥ 0: end the wrap-up this many seconds after Complete (ChangeState AVAILABLE); -1: let the
  // queue's wrap-up time run out (often a minute or more, long for a script or a test).
  int wrap_up_s = -1;
  bool break_after_login = false;  // log in on BREAK instead of AVAILABLE
  int max_contacts = 0;            // 0: until Ctrl-C
};

// "family,crisis:8" → skills; INVALID_ARGUMENT naming the bad item.
absl::StatusOr<std::vector<ekc::v1::Skill>> ParseSkills(std::string_view list);
// "voice,chat:3" → channel capacities; INVALID_ARGUMENT naming the bad item.
absl::StatusOr<std::vector<ekc::v1::ChannelCapacity>> ParseChannels(std::string_view list);

// The Login request the options describe.
absl::StatusOr<ekc::v1::Login> MakeLogin(const OperatorOptions& options);

}  // namespace ekc::ctl
