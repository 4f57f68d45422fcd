#pragma once

// Answers for RPCs of the API that a later version implements: UNIMPLEMENTED, with a message that
// says which method and what work brings it, so that an integrator knows it is planned, not broken.

#include <string_view>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

namespace ekc::daemon {

inline grpc::Status NotImplementedYet(std::string_view method, std::string_view comes_with) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      fmt::format("{} is not implemented in this version of ekcd; it comes with {}",
                                  method, comes_with));
}

inline grpc::ServerUnaryReactor* FinishNotImplementedYet(grpc::CallbackServerContext* context,
                                                         std::string_view method,
                                                         std::string_view comes_with) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(NotImplementedYet(method, comes_with));
  return reactor;
}

}  // namespace ekc::daemon
