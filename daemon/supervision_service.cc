#include "daemon/supervision_service.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "daemon/authorized_call.h"
#include "daemon/clock.h"
#include "daemon/dashboard.h"
#include "daemon/grpc_status.h"
#include "daemon/latest_outbox.h"
#include "daemon/supervisor_actions.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

template <typename Request>
grpc::ServerUnaryReactor* RunAction(CoreLoop& core, AccessControl& access,
                                    grpc::CallbackServerContext* context, std::string_view method,
                                    const Request& request,
                                    v1::SupervisorActionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Principal> supervisor = AuthorizeUnary(access, context, reactor, method);
  if (!supervisor) return reactor;
  absl::Status posted =
      RunSupervisorAction(core, supervisor->name, request,
                          [reactor, response](const absl::StatusOr<uint64_t>& sequence) {
                            if (sequence.ok()) response->set_event_sequence(*sequence);
                            reactor->Finish(ToGrpcStatus(sequence.status()));
                          });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

// A WatchDashboard stream as the hub sees it.
class GrpcDashboardWatcher final : public DashboardWatcher {
 public:
  explicit GrpcDashboardWatcher(LatestOutbox<v1::DashboardSnapshot>::StartWrite start_write,
                                LatestOutbox<v1::DashboardSnapshot>::Finish finish)
      : outbox(std::move(start_write), std::move(finish)) {}
  void Deliver(const std::shared_ptr<const v1::DashboardSnapshot>& snapshot) override {
    outbox.Send(*snapshot);  // a copy per stream: gRPC serializes it on its own thread
  }
  void End(const absl::Status& why) override { outbox.Close(ToGrpcStatus(why)); }

  LatestOutbox<v1::DashboardSnapshot> outbox;
};

class DashboardReactor final : public grpc::ServerWriteReactor<v1::DashboardSnapshot> {
 public:
  DashboardReactor(CoreLoop& core, DashboardHub& hub, const v1::WatchDashboardRequest& request)
      : core_(core), hub_(hub) {
    watcher_ = std::make_shared<GrpcDashboardWatcher>(
        [this](const v1::DashboardSnapshot* m) { StartWrite(m); },
        [this](const grpc::Status& s) { Finish(s); });
    absl::Status posted =
        core_.Read([watcher = watcher_, &hub, request](CoreLoop& core) -> CoreLoop::Effect {
          absl::StatusOr<DashboardView> view = MakeDashboardView(request, core.config());
          absl::Status added = view.status();
          if (view.ok()) {
            watcher->set_view(*std::move(view));
            added = hub.AddWatcher(watcher);
          }
          if (added.ok()) return nullptr;  // the hub sends the first snapshot
          return [watcher, added](const absl::Status&) { watcher->End(added); };
        });
    if (!posted.ok()) watcher_->End(posted);
  }

  void OnWriteDone(bool ok) override { watcher_->outbox.OnWriteDone(ok); }
  void OnCancel() override {
    watcher_->outbox.Close(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
  }
  void OnDone() override {
    watcher_->outbox.Detach();
    core_.Post([watcher = watcher_, &hub = hub_](CoreLoop&) { hub.RemoveWatcher(watcher.get()); });
    delete this;
  }

 private:
  CoreLoop& core_;
  DashboardHub& hub_;
  std::shared_ptr<GrpcDashboardWatcher> watcher_;
};

}  // namespace

v1::ListContactsResponse ListContactsNow(const router::RouterState& state,
                                         const v1::ListContactsRequest& request,
                                         int64_t now_unix_ms) {
  std::set<int> states(request.states().begin(), request.states().end());
  if (states.empty()) {
    states = {v1::CONTACT_STATE_QUEUED, v1::CONTACT_STATE_OFFERED, v1::CONTACT_STATE_CONNECTED,
              v1::CONTACT_STATE_WRAP_UP, v1::CONTACT_STATE_CALLBACK};
  }
  const uint32_t limit = request.limit() == 0 ? kListLimitDefault : request.limit();
  const auto has_situation = [&](const router::Contact& c) {
    const v1::Classification classification = c.card.classification();
    const auto& situations = classification.situations();
    return std::any_of(situations.begin(), situations.end(),
                       [&](const auto& s) { return s.code() == request.situation(); });
  };
  std::vector<const router::Contact*> rows;
  for (const auto& [id, c] : state.contacts()) {
    if (!states.contains(c.state)) continue;
    if (!request.queue().empty() && c.queue() != request.queue()) continue;
    if (!request.operator_id().empty() && c.operator_id.value() != request.operator_id()) continue;
    if (!request.situation().empty() && !has_situation(c)) continue;
    rows.push_back(&c);
  }
  // Longest waiting first, as a supervisor reads a waiting list.
  const auto longest_first = [](const router::Contact* a, const router::Contact* b) {
    return std::tie(a->enqueued_unix_ms, a->id) < std::tie(b->enqueued_unix_ms, b->id);
  };
  const size_t listed = std::min<size_t>(rows.size(), limit);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(listed), rows.end(),
                    longest_first);
  v1::ListContactsResponse response;
  for (size_t i = 0; i < listed; ++i) {
    *response.add_contacts() = WaitingContactRow(*rows[i], now_unix_ms);
  }
  return response;
}

grpc::ServerWriteReactor<v1::DashboardSnapshot>* SupervisionService::WatchDashboard(
    grpc::CallbackServerContext* context, const v1::WatchDashboardRequest* request) {
  absl::StatusOr<Principal> caller = access_.Authorize(*context, "Supervision.WatchDashboard");
  if (!caller.ok()) return new RefusedWrite<v1::DashboardSnapshot>(caller.status());
  if (absl::Status s = ValidateWatchDashboard(*request); !s.ok()) {
    return new RefusedWrite<v1::DashboardSnapshot>(s);
  }
  return new DashboardReactor(core_, dashboards_, *request);
}

grpc::ServerUnaryReactor* SupervisionService::ListContacts(grpc::CallbackServerContext* context,
                                                           const v1::ListContactsRequest* request,
                                                           v1::ListContactsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Supervision.ListContacts")) return reactor;
  if (absl::Status s = ValidateListContacts(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  absl::Status posted = core_.Read([reactor, request,
                                    response](CoreLoop& core) -> CoreLoop::Effect {
    *response = ListContactsNow(core.state(), *request, core.state().last_time_unix_ms());
    return [reactor](const absl::Status& durability) { reactor->Finish(ToGrpcStatus(durability)); };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* SupervisionService::ListOperators(grpc::CallbackServerContext* context,
                                                            const v1::ListOperatorsRequest* request,
                                                            v1::ListOperatorsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Supervision.ListOperators")) return reactor;
  const std::set<int> states(request->states().begin(), request->states().end());
  absl::Status posted = core_.Read([reactor, response, states](CoreLoop& core) -> CoreLoop::Effect {
    for (const auto& [id, op] : core.state().operators()) {
      if (states.empty() ? !op.LoggedIn() : !states.contains(op.shown)) continue;
      *response->add_operators() = OperatorStatusRow(op);
    }
    return [reactor](const absl::Status& durability) { reactor->Finish(ToGrpcStatus(durability)); };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* SupervisionService::ReassignContact(
    grpc::CallbackServerContext* context, const v1::ReassignContactRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, access_, context, "Supervision.ReassignContact", *request, response);
}

grpc::ServerUnaryReactor* SupervisionService::ChangePriority(
    grpc::CallbackServerContext* context, const v1::ChangePriorityRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, access_, context, "Supervision.ChangePriority", *request, response);
}

grpc::ServerUnaryReactor* SupervisionService::ForceOperatorState(
    grpc::CallbackServerContext* context, const v1::ForceOperatorStateRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, access_, context, "Supervision.ForceOperatorState", *request, response);
}

grpc::ServerUnaryReactor* SupervisionService::SetQueuePaused(
    grpc::CallbackServerContext* context, const v1::SetQueuePausedRequest* request,
    v1::SupervisorActionResponse* response) {
  return RunAction(core_, access_, context, "Supervision.SetQueuePaused", *request, response);
}

}  // namespace ekc::daemon
