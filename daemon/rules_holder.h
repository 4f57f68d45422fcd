#pragma once

// RulesHolder: the rule set in force, shared by the RPC threads that classify. A reload builds a
// new, fully compiled and checked set with the loader the server gave, and swaps it in at once;
// classifications already running finish with the set they started with. A loader that fails
// leaves the running set in force.
//
// Threads: any. Reload runs on the caller's thread (an Admin reactor or the signal thread — never
// the core thread); reloads are serialised, so the last one to finish is the one in force.

#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/status/statusor.h"

#include "router/classifier.h"

namespace ekc::daemon {

class RulesHolder {
 public:
  // Reads, compiles and checks the rules file; errors name file:line:column.
  using Loader = std::function<absl::StatusOr<std::shared_ptr<const router::RuleSet>>()>;

  explicit RulesHolder(std::shared_ptr<const router::RuleSet> rules, Loader loader = nullptr)
      : current_(std::move(rules)), loader_(std::move(loader)) {}

  std::shared_ptr<const router::RuleSet> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }

  void Replace(std::shared_ptr<const router::RuleSet> rules) {
    std::lock_guard lock(mu_);
    current_ = std::move(rules);
  }

  // Loads a new set and puts it in force. On error the running set stays and the error is
  // returned. FAILED_PRECONDITION when no loader was given.
  absl::StatusOr<std::shared_ptr<const router::RuleSet>> Reload() {
    std::lock_guard reloading(reload_mu_);
    if (!loader_) return absl::FailedPreconditionError("this ekcd cannot reload its rules");
    absl::StatusOr<std::shared_ptr<const router::RuleSet>> rules = loader_();
    if (!rules.ok()) return rules.status();
    Replace(*rules);
    return rules;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const router::RuleSet> current_;
  std::mutex reload_mu_;  // one reload at a time; held while compiling, never by Current
  const Loader loader_;
};

}  // namespace ekc::daemon
