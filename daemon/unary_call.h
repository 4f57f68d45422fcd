#pragma once

// The shape of every unary RPC that changes the routing state: validate, post the command to the
// core, fill the response from the decision (on the core thread, while the state is as the command
// left it), and finish once the command's events are durable — or at once with the refusal.

#include <functional>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

#include "daemon/core_loop.h"
#include "daemon/grpc_status.h"

namespace ekc::daemon {

// Finishes with the refusal, or OK (or the durability error) once the events are durable.
inline CoreLoop::Effect FinishWhenDurable(grpc::ServerUnaryReactor* reactor,
                                          const absl::Status& decided) {
  if (!decided.ok()) {
    return [reactor, decided](const absl::Status&) { reactor->Finish(ToGrpcStatus(decided)); };
  }
  return [reactor](const absl::Status& durability) { reactor->Finish(ToGrpcStatus(durability)); };
}

// Posts `command`; `fill(result, core)` writes the response when the command was accepted.
inline void RunUnaryCommand(CoreLoop& core, grpc::ServerUnaryReactor* reactor,
                            router::Command command,
                            std::function<void(const router::ExecuteResult&, CoreLoop&)> fill) {
  absl::Status posted =
      core.Execute(std::move(command),
                   [reactor, fill = std::move(fill)](const router::ExecuteResult& r, CoreLoop& c) {
                     if (r.status.ok() && fill) fill(r, c);
                     return FinishWhenDurable(reactor, r.status);
                   });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
}

}  // namespace ekc::daemon
