#pragma once

// Supervision over gRPC. Every RPC answers UNIMPLEMENTED, saying so, until the supervisor-dashboard
// issue implements it.

#include <grpcpp/grpcpp.h>

#include "ekc/v1/supervision.grpc.pb.h"

namespace ekc::daemon {

// Supervision answers UNIMPLEMENTED, saying so, until the dashboard issue implements it.
class SupervisionService final : public ekc::v1::Supervision::CallbackService {
 public:
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
};

}  // namespace ekc::daemon
