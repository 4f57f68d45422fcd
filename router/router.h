#pragma once

// Router: the routing core as one object — its state, its config, and the loop that turns a command
// into applied events: decide the command's events and apply them, then decide and apply the
// system's own steps (due timers, offers) one at a time until there is nothing left to do now.
//
// Live running (ekcd, simulations) calls Execute; recovery calls Replay with the logged events.
// Both end in the same RouterState::Apply. Execute stamps each event's sequence (continuing the
// state's last one), time, actor and epoch; the caller then writes the events to the log, and must
// not acknowledge anything before they are durable.
//
// Thread: one (the core thread). No clock: a command's time is its `now_unix_ms`; the core never
// lets time go backwards (an earlier stamp is treated as the latest time seen).

#include <cstdint>

#include "absl/status/status.h"

#include "router/commands.h"
#include "router/config.h"
#include "router/decide.h"
#include "router/dispatch.h"
#include "router/state.h"

namespace ekc::router {

// System steps run after one command, at most. A backlog larger than this (a mass of offers after a
// restart) is worked off over the following commands; `Decision::more_work` asks for a Tick.
inline constexpr int kSystemStepsPerCommandMax = 256;

struct ExecuteResult : Decision {
  bool more_work = false;  // the step bound was reached: send another Tick now
};

class Router {
 public:
  // `config` must have passed ValidateRouterConfig.
  explicit Router(RouterConfig config, uint64_t epoch = 0);
  // Starts from a recovered state (a snapshot's) instead of an empty one.
  Router(RouterConfig config, RouterState state, uint64_t epoch = 0);

  ExecuteResult Execute(const Command& command);

  // Applies one event read back from the log. Refuses (without applying) an event whose sequence
  // does not continue the state's, or that has no body: the log is not what this state was built
  // from.
  absl::Status Replay(const ekc::v1::EventRecord& event);

  const RouterState& state() const { return state_; }
  const RouterConfig& config() const { return config_; }
  // Swaps in a new config (queues, timings). Contacts keep the queue they joined.
  void set_config(RouterConfig config);

 private:
  void StampAndApply(std::vector<ekc::v1::EventRecord>& events, const ekc::v1::Actor& actor,
                     int64_t now);

  RouterConfig config_;
  uint64_t epoch_;
  RouterState state_;
  // What the last events may have made possible; the system steps work these off.
  DispatchHints hints_;
  // Refusals that expired up to this time have been noted in the hints.
  int64_t refusals_checked_unix_ms_ = 0;
};

}  // namespace ekc::router
