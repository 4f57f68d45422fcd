#include "router/router.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"

namespace ekc::router {

namespace v1 = ekc::v1;

Router::Router(RouterConfig config, uint64_t epoch) : config_(std::move(config)), epoch_(epoch) {
  EKC_CHECK(ValidateRouterConfig(config_).ok());
}

Router::Router(RouterConfig config, RouterState state, uint64_t epoch)
    : config_(std::move(config)), epoch_(epoch), state_(std::move(state)) {
  EKC_CHECK(ValidateRouterConfig(config_).ok());
  refusals_checked_unix_ms_ = state_.last_time_unix_ms();
  hints_.AddAllReady(state_);  // a restored state: look at everyone once
}

void Router::set_config(RouterConfig config) {
  EKC_CHECK(ValidateRouterConfig(config).ok());
  config_ = std::move(config);
  hints_.AddAllReady(state_);  // skills, steps and strategies may have changed
}

void Router::StampAndApply(std::vector<v1::EventRecord>& events, const v1::Actor& actor,
                           int64_t now) {
  for (v1::EventRecord& e : events) {
    e.set_sequence(state_.last_sequence().value() + 1);
    e.set_time_unix_ms(now);
    *e.mutable_actor() = actor;
    e.set_epoch(epoch_);
    state_.Apply(e);
    NoteForDispatch(e, state_, hints_);
  }
}

ExecuteResult Router::Execute(const Command& command) {
  const int64_t now = std::max(command.now_unix_ms, state_.last_time_unix_ms());

  ExecuteResult result;
  static_cast<Decision&>(result) = Decide(state_, config_, command, now);
  if (!result.status.ok()) return result;
  StampAndApply(result.events, command.actor, now);
  // Refusals that ran out since the last command: those contacts may go to more operators now.
  if (now > refusals_checked_unix_ms_) {
    for (ContactId id : state_.RefusalsExpiring(refusals_checked_unix_ms_, now))
      hints_.contacts.insert(id);
    refusals_checked_unix_ms_ = now;
  }

  v1::Actor system;
  system.set_kind(v1::ACTOR_KIND_SYSTEM);
  for (int step = 0;; ++step) {
    if (step == kSystemStepsPerCommandMax) {
      result.more_work = true;
      break;
    }
    std::vector<v1::EventRecord> events = DecideSystemStep(state_, config_, now, hints_);
    if (events.empty()) break;
    StampAndApply(events, system, now);
    for (auto& e : events) result.events.push_back(std::move(e));
  }
  return result;
}

absl::Status Router::Replay(const v1::EventRecord& event) {
  if (event.sequence() != state_.last_sequence().value() + 1) {
    return absl::DataLossError(fmt::format("event {} does not follow event {}", event.sequence(),
                                           state_.last_sequence().value()));
  }
  if (event.event_case() == v1::EventRecord::EVENT_NOT_SET) {
    return absl::DataLossError(
        fmt::format("event {} has no body (written by a newer ekc?)", event.sequence()));
  }
  state_.Apply(event);
  return absl::OkStatus();
}

}  // namespace ekc::router
