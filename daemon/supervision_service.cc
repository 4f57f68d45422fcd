#include "daemon/supervision_service.h"

#include "daemon/unimplemented.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

constexpr std::string_view kDashboard = "the supervisor dashboard";

}  // namespace

grpc::ServerWriteReactor<v1::DashboardSnapshot>* SupervisionService::WatchDashboard(
    grpc::CallbackServerContext*, const v1::WatchDashboardRequest*) {
  class Refused final : public grpc::ServerWriteReactor<v1::DashboardSnapshot> {
   public:
    Refused() { Finish(NotImplementedYet("Supervision.WatchDashboard", kDashboard)); }
    void OnDone() override { delete this; }
  };
  return new Refused();
}

grpc::ServerUnaryReactor* SupervisionService::ListContacts(grpc::CallbackServerContext* context,
                                                           const v1::ListContactsRequest*,
                                                           v1::ListContactsResponse*) {
  return FinishNotImplementedYet(context, "Supervision.ListContacts", kDashboard);
}

grpc::ServerUnaryReactor* SupervisionService::ListOperators(grpc::CallbackServerContext* context,
                                                            const v1::ListOperatorsRequest*,
                                                            v1::ListOperatorsResponse*) {
  return FinishNotImplementedYet(context, "Supervision.ListOperators", kDashboard);
}

grpc::ServerUnaryReactor* SupervisionService::ReassignContact(grpc::CallbackServerContext* context,
                                                              const v1::ReassignContactRequest*,
                                                              v1::SupervisorActionResponse*) {
  return FinishNotImplementedYet(context, "Supervision.ReassignContact", kDashboard);
}

grpc::ServerUnaryReactor* SupervisionService::ChangePriority(grpc::CallbackServerContext* context,
                                                             const v1::ChangePriorityRequest*,
                                                             v1::SupervisorActionResponse*) {
  return FinishNotImplementedYet(context, "Supervision.ChangePriority", kDashboard);
}

grpc::ServerUnaryReactor* SupervisionService::ForceOperatorState(
    grpc::CallbackServerContext* context, const v1::ForceOperatorStateRequest*,
    v1::SupervisorActionResponse*) {
  return FinishNotImplementedYet(context, "Supervision.ForceOperatorState", kDashboard);
}

grpc::ServerUnaryReactor* SupervisionService::SetQueuePaused(grpc::CallbackServerContext* context,
                                                             const v1::SetQueuePausedRequest*,
                                                             v1::SupervisorActionResponse*) {
  return FinishNotImplementedYet(context, "Supervision.SetQueuePaused", kDashboard);
}

}  // namespace ekc::daemon
