#pragma once

// Who is asking, over HTTP: a request's `Authorization: Bearer …` header (or the `token` query
// parameter of the event stream, for browsers' EventSource, which cannot set headers) checked by
// the daemon's AccessControl (daemon/access_control.h) exactly as the gRPC Supervision calls are.
// The answer is the supervisor's identity — their token's name — recorded as the actor of their
// actions.
//
// Thread: any.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "daemon/access_control.h"

namespace ekc::daemon::http {

// The longest token accepted.
inline constexpr size_t kBearerTokenBytesMax = 4096;

// `authorization_header` is the header's value, e.g. "Bearer ekc_3f9c…"; `method` the Supervision
// RPC the request stands for ("Supervision.ReassignContact"). UNAUTHENTICATED, naming what is
// wrong, when it is missing, malformed or unknown; PERMISSION_DENIED for a role that may not;
// the supervisor's name otherwise ("local" in open mode).
absl::StatusOr<std::string> AuthorizeSupervisor(AccessControl& access,
                                                std::string_view authorization_header,
                                                std::string_view method);

}  // namespace ekc::daemon::http
