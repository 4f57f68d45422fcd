#include "router/config.h"

#include <set>

#include <fmt/format.h>

#include "base/check.h"

namespace ekc::router {

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
  return absl::OkStatus();
}

RouterConfig SingleQueueConfig() {
  RouterConfig config;
  config.queues.push_back(QueueConfig{.name = "general"});
  config.default_queue = "general";
  return config;
}

}  // namespace ekc::router
