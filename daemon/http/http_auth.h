#pragma once

// Who is asking: the one place where a request's `Authorization` header (HTTP) or `authorization`
// metadata (gRPC) becomes a supervisor's identity, the actor recorded with their actions.
//
// ISSUE 7 WIRES IN HERE. Bearer tokens by role (intake, operator:<id>, supervisor, admin; a token
// file of SHA-256 hashes) are being added; until then this accepts any well-formed bearer token and
// names its holder "supervisor". Every caller — the web dashboard's endpoints, its event stream,
// and the gRPC Supervision actions — goes through AuthorizeSupervisor, so replacing its body is the
// whole change: look the token's hash up, refuse (PERMISSION_DENIED) a role other than supervisor
// or admin, and return the name the token file gives.
//
// Thread: any. No I/O today (issue 7 will read its token table, loaded elsewhere).

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ekc::daemon::http {

// The identity every token maps to until issue 7 lands.
inline constexpr std::string_view kProvisionalSupervisor = "supervisor";
// The longest token accepted.
inline constexpr size_t kBearerTokenBytesMax = 4096;

// `authorization_header` is the header's value, e.g. "Bearer 3f9c…". UNAUTHENTICATED, naming what
// is wrong, when it is missing or not a bearer token; the supervisor's identity otherwise.
absl::StatusOr<std::string> AuthorizeSupervisor(std::string_view authorization_header);

}  // namespace ekc::daemon::http
