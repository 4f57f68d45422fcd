#pragma once

// RulesHolder: the rule set in force, shared by the RPC threads that classify. A reload swaps in a
// new, fully compiled set; classifications already running finish with the set they started with.
//
// Threads: any.

#include <memory>
#include <mutex>
#include <utility>

#include "router/classifier.h"

namespace ekc::daemon {

class RulesHolder {
 public:
  explicit RulesHolder(std::shared_ptr<const router::RuleSet> rules) : current_(std::move(rules)) {}

  std::shared_ptr<const router::RuleSet> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }

  void Replace(std::shared_ptr<const router::RuleSet> rules) {
    std::lock_guard lock(mu_);
    current_ = std::move(rules);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const router::RuleSet> current_;
};

}  // namespace ekc::daemon
