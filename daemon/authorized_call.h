#pragma once

// The first step of every RPC: who calls, and may they (daemon/access_control.h). A refused unary
// call is finished here with the reason; a refused stream gets a reactor that finishes at once.

#include <optional>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

#include "daemon/access_control.h"
#include "daemon/grpc_status.h"

namespace ekc::daemon {

// The caller of a unary `method`, or nullopt once `reactor` is finished with the refusal.
inline std::optional<Principal> AuthorizeUnary(AccessControl& access,
                                               grpc::CallbackServerContext* context,
                                               grpc::ServerUnaryReactor* reactor,
                                               std::string_view method) {
  absl::StatusOr<Principal> caller = access.Authorize(*context, method);
  if (caller.ok()) return std::move(*caller);
  reactor->Finish(ToGrpcStatus(caller.status()));
  return std::nullopt;
}

// A server stream that ends at once with `status`: what a refused caller gets.
template <typename Response>
class RefusedWrite final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedWrite(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// A bidirectional stream that ends at once with `status`.
template <typename Request, typename Response>
class RefusedBidi final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit RefusedBidi(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace ekc::daemon
