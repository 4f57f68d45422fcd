#include "daemon/supervision_service.h"

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include "daemon/clock.h"
#include "daemon/grpc_status.h"
#include "daemon/unary_call.h"
#include "daemon/unimplemented.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

v1::Actor SupervisorActor() {
  v1::Actor actor;
  actor.set_kind(v1::ACTOR_KIND_SUPERVISOR);
  return actor;
}

// Runs a supervisor's action; the answer names the log sequence of the event that records it.
template <typename Request>
grpc::ServerUnaryReactor* RunAction(CoreLoop& core, grpc::CallbackServerContext* context,
                                    const Request& request,
                                    absl::Status (*validate)(const Request&),
                                    router::CommandBody body,
                                    v1::SupervisorActionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status s = validate(request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  router::Command command{.now_unix_ms = WallClockUnixMs(), .actor = SupervisorActor()};
  command.body = std::move(body);
  RunUnaryCommand(
      core, reactor, std::move(command), [response](const router::ExecuteResult& r, CoreLoop& c) {
        // Nothing to change (already so): the answer names the last event there is.
        response->set_event_sequence(r.events.empty() ? c.state().last_sequence().value()
                                                      : r.events.front().sequence());
      });
  return reactor;
}

v1::WaitingContact ContactRow(const router::Contact& c, int64_t now) {
  v1::WaitingContact row;
  row.set_contact_id(c.id.value());
  row.set_queue(c.queue());
  row.set_priority(c.priority());
  const v1::Classification classification = c.card.classification();
  for (const auto& s : classification.situations()) row.add_situations(s.code());
  row.set_region(c.card.region());
  const int64_t until = c.connected_unix_ms != 0 ? c.connected_unix_ms
                        : c.ended_unix_ms != 0   ? c.ended_unix_ms
                                                 : now;
  row.set_waited_ms(std::max<int64_t>(0, until - c.enqueued_unix_ms));
  row.set_state(c.state);
  row.set_channel(c.channel());
  return row;
}

v1::OperatorStatus OperatorRow(const router::Operator& op, const router::RouterState& state) {
  v1::OperatorStatus row;
  row.set_operator_id(op.id.value());
  row.set_name(op.name);
  row.set_office(op.office);
  row.set_region(op.region);
  row.set_state(op.shown);
  row.set_break_reason(op.break_reason);
  row.set_state_since_unix_ms(op.state_since_unix_ms);
  if (op.offered_contact.value() != 0) row.add_contact_ids(op.offered_contact.value());
  for (ContactId id : op.active) row.add_contact_ids(id.value());
  for (const auto& skill : op.skills) *row.add_skills() = skill;
  row.set_connected(op.connected);
  (void)state;
  return row;
}

}  // namespace

grpc::ServerWriteReactor<v1::DashboardSnapshot>* SupervisionService::WatchDashboard(
    grpc::CallbackServerContext*, const v1::WatchDashboardRequest*) {
  class Refused final : public grpc::ServerWriteReactor<v1::DashboardSnapshot> {
   public:
    Refused() {
      Finish(NotImplementedYet("Supervision.WatchDashboard", "the supervisor dashboard"));
    }
    void OnDone() override { delete this; }
  };
  return new Refused();
}

grpc::ServerUnaryReactor* SupervisionService::ListContacts(grpc::CallbackServerContext* context,
                                                           const v1::ListContactsRequest* request,
                                                           v1::ListContactsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status s = ValidateListContacts(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  std::set<int> states(request->states().begin(), request->states().end());
  if (states.empty()) {
    states = {v1::CONTACT_STATE_QUEUED, v1::CONTACT_STATE_OFFERED, v1::CONTACT_STATE_CONNECTED,
              v1::CONTACT_STATE_WRAP_UP, v1::CONTACT_STATE_CALLBACK};
  }
  const uint32_t limit = request->limit() == 0 ? kListLimitDefault : request->limit();
  absl::Status posted =
      core_.Read([reactor, request, response, states, limit](CoreLoop& core) -> CoreLoop::Effect {
        const int64_t now = core.state().last_time_unix_ms();
        std::vector<const router::Contact*> rows;
        for (const auto& [id, c] : core.state().contacts()) {
          if (!states.contains(c.state)) continue;
          if (!request->queue().empty() && c.queue() != request->queue()) continue;
          if (!request->operator_id().empty() && c.operator_id.value() != request->operator_id())
            continue;
          rows.push_back(&c);
        }
        // Longest waiting first, as a supervisor reads a waiting list.
        std::sort(rows.begin(), rows.end(), [](const router::Contact* a, const router::Contact* b) {
          return std::tie(a->enqueued_unix_ms, a->id) < std::tie(b->enqueued_unix_ms, b->id);
        });
        if (rows.size() > limit) rows.resize(limit);
        for (const router::Contact* c : rows) *response->add_contacts() = ContactRow(*c, now);
        return [reactor](const absl::Status&) { reactor->Finish(grpc::Status::OK); };
      });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* SupervisionService::ListOperators(grpc::CallbackServerContext* context,
                                                            const v1::ListOperatorsRequest* request,
                                                            v1::ListOperatorsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::set<int> states(request->states().begin(), request->states().end());
  absl::Status posted = core_.Read([reactor, response, states](CoreLoop& core) -> CoreLoop::Effect {
    for (const auto& [id, op] : core.state().operators()) {
      if (states.empty() ? !op.LoggedIn() : !states.contains(op.shown)) continue;
      *response->add_operators() = OperatorRow(op, core.state());
    }
    return [reactor](const absl::Status&) { reactor->Finish(grpc::Status::OK); };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* SupervisionService::ReassignContact(
    grpc::CallbackServerContext* context, const v1::ReassignContactRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, context, *request, &ValidateReassign,
                   router::command::Reassign{ContactId(request->contact_id()),
                                             OperatorId(request->operator_id()), request->note()},
                   response);
}

grpc::ServerUnaryReactor* SupervisionService::ChangePriority(
    grpc::CallbackServerContext* context, const v1::ChangePriorityRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, context, *request, &ValidateChangePriority,
                   router::command::ChangePriority{ContactId(request->contact_id()),
                                                   request->priority(), request->note()},
                   response);
}

grpc::ServerUnaryReactor* SupervisionService::ForceOperatorState(
    grpc::CallbackServerContext* context, const v1::ForceOperatorStateRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(
      core_, context, *request, &ValidateForceOperatorState,
      router::command::ForceOperatorState{OperatorId(request->operator_id()), request->state(),
                                          request->break_reason(), request->note()},
      response);
}

grpc::ServerUnaryReactor* SupervisionService::SetQueuePaused(
    grpc::CallbackServerContext* context, const v1::SetQueuePausedRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(
      core_, context, *request, &ValidateSetQueuePaused,
      router::command::SetQueuePaused{request->queue(), request->paused(), request->note()},
      response);
}

}  // namespace ekc::daemon
