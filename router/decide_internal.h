#pragma once

// Helpers shared by the command handlers (decide*.cc). Internal to router/.

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "router/decide.h"

namespace ekc::router::internal {

inline Decision Refuse(absl::Status status) { return Decision{.status = std::move(status)}; }
inline Decision Emit(std::vector<ekc::v1::EventRecord> events) {
  return Decision{.events = std::move(events)};
}
// One event, moved in (a braced list would copy it).
inline std::vector<ekc::v1::EventRecord> One(ekc::v1::EventRecord event) {
  std::vector<ekc::v1::EventRecord> events;
  events.push_back(std::move(event));
  return events;
}
inline Decision EmitOne(ekc::v1::EventRecord event) { return Emit(One(std::move(event))); }

// The operator, if logged in; FAILED_PRECONDITION otherwise.
absl::StatusOr<const Operator*> LoggedInOperator(const RouterState& state, const OperatorId& id);
// The contact, if it exists; NOT_FOUND naming `field` otherwise.
absl::StatusOr<const Contact*> ExistingContact(const RouterState& state, ContactId id,
                                               std::string_view field);
// The contact `operator_id` is connected to (CONNECTED, theirs); FAILED_PRECONDITION naming
// `command`.contact_id otherwise.
absl::StatusOr<const Contact*> ConnectedContact(const RouterState& state,
                                                const OperatorId& operator_id, ContactId id,
                                                std::string_view command);

// Events that end the operator's wrap-ups now: their contacts are completed.
void FinishWrapUps(const RouterState& state, const Operator& op,
                   std::vector<ekc::v1::EventRecord>& out);
// The revocation of the operator's outstanding offer, if any.
void RevokeOffer(const RouterState& state, const Operator& op, ekc::v1::RevokeReason reason,
                 std::vector<ekc::v1::EventRecord>& out);
// True when the operator is in a conversation (a CONNECTED contact).
bool InConversation(const RouterState& state, const Operator& op);

// The place and first escalation time of a contact that joins `queue` at `now`.
LinePlace JoinPlace(const RouterConfig& config, ekc::v1::Priority priority, int64_t now,
                    ContactId id);
int64_t FirstEscalation(const QueueConfig& queue, int64_t joined_unix_ms);

// Operator commands (decide_operator.cc).
Decision DecideLogin(const RouterState& state, const command::Login& cmd);
Decision DecideChangeState(const RouterState& state, const OperatorId& id,
                           ekc::v1::OperatorState target, const std::string& break_reason);
Decision DecideLogout(const RouterState& state, const OperatorId& id, const std::string& reason);
Decision DecideAccept(const RouterState& state, const command::Accept& cmd);
Decision DecideDecline(const RouterState& state, const RouterConfig& config,
                       const command::Decline& cmd, int64_t now);
Decision DecideComplete(const RouterState& state, const RouterConfig& config,
                        const command::Complete& cmd, int64_t now);
Decision DecideConnectionLost(const RouterState& state, const RouterConfig& config,
                              const command::ConnectionLost& cmd, int64_t now);
Decision DecideRecover(const RouterState& state, const RouterConfig& config, int64_t now);

// Handing contacts on: operators and supervisors (decide_handover.cc).
Decision DecideTransfer(const RouterState& state, const RouterConfig& config,
                        const command::Transfer& cmd, int64_t now);
Decision DecideReassign(const RouterState& state, const command::Reassign& cmd);
Decision DecideChangePriority(const RouterState& state, const RouterConfig& config,
                              const command::ChangePriority& cmd);
Decision DecideForceOperatorState(const RouterState& state, const command::ForceOperatorState& cmd);
Decision DecideSetQueuePaused(const RouterState& state, const RouterConfig& config,
                              const command::SetQueuePaused& cmd);

}  // namespace ekc::router::internal
