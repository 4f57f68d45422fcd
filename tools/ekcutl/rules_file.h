#pragma once

// A rules file read and compiled, for every ekcutl command that takes --rules.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "router/classifier.h"

namespace ekc::utl::rules {

// The file at `path` compiled; errors name file:line:column.
absl::StatusOr<std::shared_ptr<const router::RuleSet>> LoadRulesFile(const std::string& path);

}  // namespace ekc::utl::rules
