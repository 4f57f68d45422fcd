#pragma once

// Supervision over gRPC: the live dashboard (WatchDashboard), the lists of contacts and operators,
// and the supervisors' actions (reassign a contact, change its priority, force an operator's
// state, pause a queue), each recorded as an event with the supervisor as its actor. The actions
// go through daemon/supervisor_actions.h, the same path as the web dashboard's.
//
// Every call is authorised by AccessControl (daemon/access_control.h); the supervisor's identity —
// their token's name — is the actor of their actions.

#include <grpcpp/grpcpp.h>

#include "ekc/v1/supervision.grpc.pb.h"

#include "daemon/access_control.h"
#include "daemon/core_loop.h"
#include "daemon/dashboard_hub.h"

namespace ekc::daemon {

class SupervisionService final : public ekc::v1::Supervision::CallbackService {
 public:
  // `dashboards` is used on the core thread only.
  SupervisionService(CoreLoop& core, DashboardHub& dashboards, AccessControl& access)
      : core_(core), dashboards_(dashboards), access_(access) {}

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
  DashboardHub& dashboards_;
  AccessControl& access_;
};

// Contacts matching a ListContacts request (already validated), longest waiting first. Core
// thread; shared by the gRPC list and the web dashboard's.
ekc::v1::ListContactsResponse ListContactsNow(const router::RouterState& state,
                                              const ekc::v1::ListContactsRequest& request,
                                              int64_t now_unix_ms);

}  // namespace ekc::daemon
