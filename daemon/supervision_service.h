#pragma once

// Supervision over gRPC: the lists of contacts and operators, and the supervisors' actions
// (reassign a contact, change its priority, force an operator's state, pause a queue), each
// recorded as an event with the supervisor as its actor. WatchDashboard answers UNIMPLEMENTED until
// the dashboard lands.

#include <grpcpp/grpcpp.h>

#include "ekc/v1/supervision.grpc.pb.h"

#include "daemon/access_control.h"
#include "daemon/core_loop.h"

namespace ekc::daemon {

class SupervisionService final : public ekc::v1::Supervision::CallbackService {
 public:
  SupervisionService(CoreLoop& core, AccessControl& access) : core_(core), access_(access) {}

  grpc::ServerWriteReactor<ekc::v1::DashboardSnapshot>* WatchDashboard(
      grpc::CallbackServerContext* context, const ekc::v1::WatchDashboardRequest* request) override;
  grpc::ServerUnaryReactor* ListContacts(grpc::CallbackServerContext* context,
                                         const ekc::v1::ListContactsRequest* request,
                                         ekc::v1::ListContactsResponse* response) override;
  grpc::ServerUnaryReactor* ListOperators(grpc::CallbackServerContext* context,
                                          const ekc::v1::ListOperatorsRequest* request,
                                          ekc::v1::ListOperatorsResponse* response) override;
  grpc::ServerUnaryReactor* ReassignContact(grpc::CallbackServerContext* context,
                                            const ekc::v1::ReassignContactRequest* request,
                                            ekc::v1::SupervisorActionResponse* response) override;
  grpc::ServerUnaryReactor* ChangePriority(grpc::CallbackServerContext* context,
                                           const ekc::v1::ChangePriorityRequest* request,
                                           ekc::v1::SupervisorActionResponse* response) override;
  grpc::ServerUnaryReactor* ForceOperatorState(
      grpc::CallbackServerContext* context, const ekc::v1::ForceOperatorStateRequest* request,
      ekc::v1::SupervisorActionResponse* response) override;
  grpc::ServerUnaryReactor* SetQueuePaused(grpc::CallbackServerContext* context,
                                           const ekc::v1::SetQueuePausedRequest* request,
                                           ekc::v1::SupervisorActionResponse* response) override;

 private:
  CoreLoop& core_;
  AccessControl& access_;
};

}  // namespace ekc::daemon
