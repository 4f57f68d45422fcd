#include "daemon/http/http_auth.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace ekc::daemon::http {

absl::StatusOr<std::string> AuthorizeSupervisor(AccessControl& access, std::string_view header,
                                                std::string_view method) {
  if (access.open_mode()) {
    absl::StatusOr<Principal> local = access.AuthorizeHeader(header, method);
    if (!local.ok()) return local.status();
    return local->name;
  }
  constexpr std::string_view kScheme = "bearer ";
  if (header.empty()) {
    return absl::UnauthenticatedError("authorization: missing: sign in with a supervisor token");
  }
  const bool bearer =
      header.size() > kScheme.size() &&
      std::equal(kScheme.begin(), kScheme.end(), header.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  if (!bearer) {
    return absl::UnauthenticatedError("authorization: not a bearer token (\"Bearer <token>\")");
  }
  const std::string_view token = header.substr(kScheme.size());
  if (token.size() > kBearerTokenBytesMax) {
    return absl::UnauthenticatedError(
        fmt::format("authorization: the token is longer than {} bytes", kBearerTokenBytesMax));
  }
  const bool printable = std::all_of(token.begin(), token.end(), [](char c) {
    return std::isgraph(static_cast<unsigned char>(c)) != 0;
  });
  if (token.empty() || !printable) {
    return absl::UnauthenticatedError("authorization: the token is empty or has blanks");
  }
  // The scheme's case varies between clients; AccessControl reads "Bearer ".
  absl::StatusOr<Principal> caller =
      access.AuthorizeHeader(fmt::format("Bearer {}", token), method);
  if (!caller.ok()) return caller.status();
  return caller->name;
}

}  // namespace ekc::daemon::http
