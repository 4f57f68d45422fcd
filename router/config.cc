#include "router/config.h"

#include <set>

#include <fmt/format.h>

#include "base/check.h"

namespace ekc::router {

std::string_view SelectionStrategyName(SelectionStrategy strategy) {
  switch (strategy) {
    case SelectionStrategy::kLongestIdle:
      return "longest_idle";
    case SelectionStrategy::kMostSkilled:
      return "most_skilled";
    case SelectionStrategy::kLeastOccupied:
      return "least_occupied";
    case SelectionStrategy::kRoundRobin:
      return "round_robin";
  }
  return "longest_idle";
}

const QueueConfig* RouterConfig::FindQueue(std::string_view name) const {
  for (const QueueConfig& q : queues) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

const QueueConfig& RouterConfig::QueueFor(const std::vector<std::string_view>& situation_codes,
                                          bool urgent) const {
  if (urgent && !urgent_queue.empty()) {
    if (const QueueConfig* q = FindQueue(urgent_queue)) return *q;
  }
  for (std::string_view code : situation_codes) {
    for (const QueueConfig& q : queues) {
      for (const std::string& s : q.situations) {
        if (s == code) return q;
      }
    }
  }
  const QueueConfig* fallback = FindQueue(default_queue);
  EKC_CHECK_MSG(fallback != nullptr, "RouterConfig used without ValidateRouterConfig");
  return *fallback;
}

namespace {

// Steps start at 0 s, come in increasing time, and only the last may end the wait (overflow or
// callback), to an existing other queue.
absl::Status ValidateEscalation(const RouterConfig& config, size_t index) {
  const QueueConfig& q = config.queues[index];
  auto where = [&](size_t step, std::string_view field) {
    return fmt::format("queues[{}] ({}).escalation[{}].{}", index, q.name, step, field);
  };
  auto overflow_target = [&](const std::string& to, std::string_view field) -> absl::Status {
    if (to.empty()) return absl::OkStatus();
    if (to == q.name)
      return absl::InvalidArgumentError(
          fmt::format("{}: a queue cannot overflow to itself", field));
    if (config.FindQueue(to) == nullptr) {
      return absl::InvalidArgumentError(fmt::format("{}: no queue named \"{}\"", field, to));
    }
    return absl::OkStatus();
  };
  if (absl::Status s = overflow_target(
          q.overflow_when_full, fmt::format("queues[{}] ({}).overflow_when_full", index, q.name));
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < q.escalation.size(); ++i) {
    const EscalationStep& step = q.escalation[i];
    if (i == 0 && step.after_ms != 0)
      return absl::InvalidArgumentError(where(i, "after_s") + ": the first step starts at 0");
    if (i > 0 && step.after_ms <= q.escalation[i - 1].after_ms) {
      return absl::InvalidArgumentError(where(i, "after_s") +
                                        ": must be later than the step before");
    }
    const bool ends_wait = !step.overflow_to.empty() || step.callback;
    if (ends_wait && i + 1 != q.escalation.size()) {
      return absl::InvalidArgumentError(where(i, "overflow_to") +
                                        ": only the last step may overflow or call back");
    }
    if (ends_wait && i == 0)
      return absl::InvalidArgumentError(where(i, "overflow_to") +
                                        ": the first step cannot end the wait");
    if (!step.overflow_to.empty() && step.callback) {
      return absl::InvalidArgumentError(where(i, "callback") +
                                        ": a step overflows or calls back, not both");
    }
    if (absl::Status s = overflow_target(step.overflow_to, where(i, "overflow_to")); !s.ok())
      return s;
    if (step.min_proficiency > 10)
      return absl::InvalidArgumentError(where(i, "min_proficiency") + ": must be 0..10");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRouterConfig(const RouterConfig& config) {
  if (config.queues.empty())
    return absl::InvalidArgumentError("queues: at least one queue is needed");
  std::set<std::string_view> names;
  std::set<std::string_view> situations;
  for (size_t i = 0; i < config.queues.size(); ++i) {
    const QueueConfig& q = config.queues[i];
    auto where = [&](std::string_view field) {
      return fmt::format("queues[{}] ({}).{}", i, q.name.empty() ? "?" : q.name, field);
    };
    if (q.name.empty()) return absl::InvalidArgumentError(where("name") + ": must not be empty");
    if (!names.insert(q.name).second) {
      return absl::InvalidArgumentError(where("name") +
                                        ": a queue of this name is already defined");
    }
    for (const std::string& s : q.situations) {
      if (!situations.insert(s).second) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: situation {} is already routed to another queue", where("situations"), s));
      }
    }
    if (q.offer_timeout_ms <= 0)
      return absl::InvalidArgumentError(where("offer_timeout_s") + ": must be > 0");
    if (q.wrap_up_ms < 0) return absl::InvalidArgumentError(where("wrap_up_s") + ": must be >= 0");
    if (q.waiting_max == 0)
      return absl::InvalidArgumentError(where("waiting_max") + ": must be > 0");
    if (q.reoffer_delay_ms < 0)
      return absl::InvalidArgumentError(where("reoffer_delay_s") + ": must be >= 0");
    if (!(q.service_level_target > 0 && q.service_level_target <= 1)) {
      return absl::InvalidArgumentError(where("service_level_target") + ": must be in (0, 1]");
    }
    if (q.service_level_threshold_s == 0) {
      return absl::InvalidArgumentError(where("service_level_threshold_s") + ": must be > 0");
    }
    if (q.expected_handle_ms <= 0) {
      return absl::InvalidArgumentError(where("expected_handle_s") + ": must be > 0");
    }
  }
  for (size_t i = 0; i < config.queues.size(); ++i) {
    if (absl::Status s = ValidateEscalation(config, i); !s.ok()) return s;
  }
  if (config.FindQueue(config.default_queue) == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("default_queue: no queue named \"{}\" is defined", config.default_queue));
  }
  if (!config.urgent_queue.empty() && config.FindQueue(config.urgent_queue) == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("urgent_queue: no queue named \"{}\" is defined", config.urgent_queue));
  }
  if (config.operator_grace_ms < 0)
    return absl::InvalidArgumentError("operator_grace_s: must be >= 0");
  if (config.keep_ended_contacts_ms < 1000)
    return absl::InvalidArgumentError("keep_ended_contacts_s: must be >= 1");
  return absl::OkStatus();
}

RouterConfig SingleQueueConfig() {
  RouterConfig config;
  config.queues.push_back(QueueConfig{.name = "general"});
  config.default_queue = "general";
  return config;
}

}  // namespace ekc::router
