#pragma once

// CheckInvariants: what must hold of the routing state whenever the core is at rest (after
// Router::Execute or after a replay) — no contact offered to two operators, no operator holding
// what the contact does not say, every waiting contact in its line exactly once, the idle set and
// the timers in step with the operators and contacts. It returns INTERNAL naming the first broken
// rule.
//
// Tests call it after every command; ekcd's debug builds after every command and its watchdog
// periodically in release builds. It walks the whole state: O(contacts + operators).

#include "absl/status/status.h"

#include "router/state.h"

namespace ekc::router {

absl::Status CheckInvariants(const RouterState& state);

}  // namespace ekc::router
