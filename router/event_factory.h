#pragma once

// Builders for the core's events, so that every handler fills the envelope the same way. Sequence,
// time, actor and epoch are stamped later by Router::Execute; the builders set what the event is
// about.

#include <cstdint>
#include <string>

#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "router/state.h"

namespace ekc::router::events {

ekc::v1::EventRecord Offered(const Contact& c, const Operator& op, int64_t deadline_unix_ms,
                             ekc::v1::OfferReason reason);
ekc::v1::EventRecord Revoked(const Contact& c, ekc::v1::RevokeReason reason, std::string note,
                             int64_t reoffer_not_before_unix_ms);
ekc::v1::EventRecord Connected(const Contact& c);
ekc::v1::EventRecord ConversationEnded(const Contact& c, std::string outcome_code,
                                       std::string notes, int64_t wrap_up_until_unix_ms);
ekc::v1::EventRecord Completed(const Contact& c);
ekc::v1::EventRecord Abandoned(const Contact& c, std::string reason, int64_t waited_ms);
ekc::v1::EventRecord StateChanged(const OperatorId& op, ekc::v1::OperatorState state,
                                  std::string break_reason);
ekc::v1::EventRecord LoggedOut(const OperatorId& op, std::string reason);
ekc::v1::EventRecord ConnectionLost(const OperatorId& op, int64_t grace_until_unix_ms);
ekc::v1::EventRecord CallbackRequested(const Contact& c, std::string callback_ref,
                                       std::string reason);
ekc::v1::EventRecord Escalated(const Contact& c, uint32_t step, int64_t next_escalation_unix_ms,
                               std::string summary);
ekc::v1::EventRecord Reserved(const Contact& c, const OperatorId& op, std::string note);
ekc::v1::EventRecord PriorityChanged(const Contact& c, ekc::v1::Priority priority,
                                     const LinePlace& place, std::string note);
ekc::v1::EventRecord QueuePauseChanged(const std::string& queue, bool paused, std::string note);

// The contacts that ended before `ended_before_unix_ms` (there are `count`) leave the state.
ekc::v1::EventRecord ContactsForgotten(int64_t ended_before_unix_ms, uint32_t count);

}  // namespace ekc::router::events
