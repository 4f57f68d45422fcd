#pragma once

// The one place where ekc's errors (absl::Status) become gRPC statuses (style.md rule 5). absl and
// gRPC share the canonical code numbers, so the mapping keeps the code and the message.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ekc::daemon {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace ekc::daemon
