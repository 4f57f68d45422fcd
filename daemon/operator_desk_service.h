#pragma once

// OperatorDesk over gRPC: one bidirectional stream per logged-in operator. The reactor reads
// requests, validates them and posts commands to the core; answers and pushes go out through the
// stream's Outbox, one write at a time, only once the events behind them are durable. When the
// stream ends, the core is told the operator lost their connection (a grace period starts; see
// router/decide.h).

#include <atomic>
#include <cstdint>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/operator_desk.grpc.pb.h"

#include "daemon/access_control.h"
#include "daemon/core_loop.h"

namespace ekc::daemon {

class OperatorDeskService final : public ekc::v1::OperatorDesk::CallbackService {
 public:
  OperatorDeskService(CoreLoop& core, AccessControl& access) : core_(core), access_(access) {}

  grpc::ServerBidiReactor<ekc::v1::DeskRequest, ekc::v1::DeskEvent>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  CoreLoop& core_;
  AccessControl& access_;
  std::atomic<uint64_t> next_stream_id_{1};
};

}  // namespace ekc::daemon
