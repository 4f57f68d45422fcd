#pragma once

// The supervisors' actions — reassign a contact, change its priority, force an operator's state,
// pause or resume a queue — as one code path for every front end: the gRPC Supervision service and
// the web dashboard's JSON endpoints both come here with the request message of the API and the
// supervisor's identity. Each action is validated, decided by the core as a command whose actor is
// that supervisor, and recorded as an event; the answer is the log sequence of that event.
//
// Threads: RunSupervisorAction from any thread; `done` runs on the core thread and must not block.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/supervision.pb.h"

#include "daemon/core_loop.h"

namespace ekc::daemon {

using SupervisorAction =
    std::variant<ekc::v1::ReassignContactRequest, ekc::v1::ChangePriorityRequest,
                 ekc::v1::ForceOperatorStateRequest, ekc::v1::SetQueuePausedRequest>;

// Called once: the sequence of the event that records the action (when the action changed nothing,
// the last event there is), once durable; or why it was refused.
using SupervisorActionDone = std::function<void(const absl::StatusOr<uint64_t>& event_sequence)>;

// Returns the error at once (and never calls `done`) when the request is invalid
// (INVALID_ARGUMENT naming the field) or the core cannot take it (RESOURCE_EXHAUSTED,
// UNAVAILABLE).
absl::Status RunSupervisorAction(CoreLoop& core, const std::string& supervisor,
                                 const SupervisorAction& action, SupervisorActionDone done);

}  // namespace ekc::daemon
