#pragma once

// The standard gRPC health check (grpc.health.v1.Health/Check), which ekcd serves for load
// balancers and systemd probes. Debian ships no generated stub for it, and the messages are tiny,
// so this calls it through the generic stub with the two messages encoded by hand.

#include <string>

#include <grpcpp/grpcpp.h>

namespace ekc::ctl {

// grpc.health.v1.HealthCheckResponse.ServingStatus, with the same numbers.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

std::string ServingStatusName(ServingStatus status);

// Asks for the health of the whole server (service ""). The call has a deadline of `timeout_s`.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, int timeout_s,
                         ServingStatus& status);

}  // namespace ekc::ctl
