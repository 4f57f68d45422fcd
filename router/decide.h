#pragma once

// Decide: the routing core's decisions. Pure functions of the state, the config and a command (with
// the time it arrived): they return the events that record what happens, or refuse the command with
// a status, and change nothing. The state changes only when the caller applies the events
// (RouterState::Apply). Router (router/router.h) strings the two together.
//
// Refusals are operating errors a client can act on, each naming the field or the reason:
//   INVALID_ARGUMENT     a request field is wrong for the core (e.g. an unknown state to change
//   to); NOT_FOUND            an unknown contact; FAILED_PRECONDITION  the request does not fit the
//   state (accept of an offer the operator does not
//                        hold, an idempotency key reused for a different request, an operator not
//                        logged in);
//   RESOURCE_EXHAUSTED   the queue is full.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "router/commands.h"
#include "router/config.h"
#include "router/state.h"

namespace ekc::router {
struct DispatchHints;
}  // namespace ekc::router

namespace ekc::router {

struct Decision {
  absl::Status status;                       // not OK: refused, and `events` is empty
  std::vector<ekc::v1::EventRecord> events;  // in the order they are to be applied
  ContactId contact;                         // Submit: the contact created, or found by its key
  bool duplicate = false;                    // Submit: answered from the idempotency key
};

// The events a command causes directly. Time-driven work (timers, offers) is left to
// DecideSystemStep.
Decision Decide(const RouterState& state, const RouterConfig& config, const Command& command);
// The same, with `now_unix_ms` as the command's time (Router: never earlier than the state's).
Decision Decide(const RouterState& state, const RouterConfig& config, const Command& command,
                int64_t now_unix_ms);

// What the core does on its own at `now_unix_ms`, one step at a time: the events of the earliest
// due timer, or else one offer (router/dispatch.h) found from the hints of what changed. Empty when
// there is nothing to do. Each step must be applied (and its events noted in the hints) before the
// next is decided.
std::vector<ekc::v1::EventRecord> DecideSystemStep(const RouterState& state,
                                                   const RouterConfig& config, int64_t now_unix_ms,
                                                   DispatchHints& hints);

// The estimated wait of a contact entering `queue` at `position` (1-based), in seconds: the
// contacts ahead that idle operators cannot take at once, times the queue's running handle time (or
// its expected handle time before any contact completed), shared among the operators logged in with
// the queue's skills (at least one).
uint32_t EstimateWaitSeconds(const RouterState& state, const QueueConfig& queue, uint32_t position);

// The queue settings for a contact's queue; the default queue's when the queue is no longer
// configured (a contact recorded under an older config).
const QueueConfig& QueueSettings(const RouterConfig& config, std::string_view queue_name);

}  // namespace ekc::router
