#include "daemon/supervisor_actions.h"

#include <utility>

#include "daemon/clock.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

struct Decoded {
  absl::Status valid;
  router::CommandBody body;
};

Decoded Decode(const v1::ReassignContactRequest& r) {
  return {ValidateReassign(r), router::command::Reassign{ContactId(r.contact_id()),
                                                         OperatorId(r.operator_id()), r.note()}};
}

Decoded Decode(const v1::ChangePriorityRequest& r) {
  return {ValidateChangePriority(r),
          router::command::ChangePriority{ContactId(r.contact_id()), r.priority(), r.note()}};
}

Decoded Decode(const v1::ForceOperatorStateRequest& r) {
  return {ValidateForceOperatorState(r),
          router::command::ForceOperatorState{OperatorId(r.operator_id()), r.state(),
                                              r.break_reason(), r.note()}};
}

Decoded Decode(const v1::SetQueuePausedRequest& r) {
  return {ValidateSetQueuePaused(r),
          router::command::SetQueuePaused{r.queue(), r.paused(), r.note()}};
}

}  // namespace

absl::Status RunSupervisorAction(CoreLoop& core, const std::string& supervisor,
                                 const SupervisorAction& action, SupervisorActionDone done) {
  Decoded decoded = std::visit([](const auto& request) { return Decode(request); }, action);
  if (!decoded.valid.ok()) return decoded.valid;
  router::Command command{.now_unix_ms = WallClockUnixMs()};
  command.actor.set_kind(v1::ACTOR_KIND_SUPERVISOR);
  command.actor.set_id(supervisor);
  command.body = std::move(decoded.body);
  return core.Execute(
      std::move(command),
      [done = std::move(done)](const router::ExecuteResult& r, CoreLoop& c) -> CoreLoop::Effect {
        if (!r.status.ok()) {
          return [done, refused = r.status](const absl::Status&) { done(refused); };
        }
        // Nothing to change (already so): the answer names the last event there is.
        const uint64_t sequence =
            r.events.empty() ? c.state().last_sequence().value() : r.events.front().sequence();
        return [done, sequence](const absl::Status& durability) {
          if (durability.ok()) {
            done(sequence);
          } else {
            done(durability);
          }
        };
      });
}

}  // namespace ekc::daemon
