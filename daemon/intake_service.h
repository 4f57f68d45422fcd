#pragma once

// ContactIntake over gRPC: thin reactors that validate, classify (on the RPC thread), post a
// command to the core and answer once its events are durable.

#include <grpcpp/grpcpp.h>

#include "ekc/v1/intake.grpc.pb.h"

#include "daemon/access_control.h"
#include "daemon/core_loop.h"
#include "daemon/metrics.h"
#include "daemon/rules_holder.h"

namespace ekc::daemon {

class IntakeService final : public ekc::v1::ContactIntake::CallbackService {
 public:
  IntakeService(CoreLoop& core, const RulesHolder& rules, AccessControl& access)
      : core_(core), rules_(rules), access_(access) {}

  grpc::ServerUnaryReactor* SubmitContact(grpc::CallbackServerContext* context,
                                          const ekc::v1::SubmitContactRequest* request,
                                          ekc::v1::SubmitContactResponse* response) override;
  grpc::ServerWriteReactor<ekc::v1::ContactUpdate>* WatchContact(
      grpc::CallbackServerContext* context, const ekc::v1::WatchContactRequest* request) override;
  grpc::ServerUnaryReactor* CancelContact(grpc::CallbackServerContext* context,
                                          const ekc::v1::CancelContactRequest* request,
                                          ekc::v1::CancelContactResponse* response) override;
  grpc::ServerUnaryReactor* RequestCallback(grpc::CallbackServerContext* context,
                                            const ekc::v1::RequestCallbackRequest* request,
                                            ekc::v1::RequestCallbackResponse* response) override;

  // Where classification latency goes; set before serving.
  void set_metrics(DaemonMetrics* metrics) { metrics_ = metrics; }

 private:
  CoreLoop& core_;
  DaemonMetrics* metrics_ = nullptr;
  const RulesHolder& rules_;
  AccessControl& access_;
};

}  // namespace ekc::daemon
