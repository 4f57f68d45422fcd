#pragma once

// AccessControl: who may call what. Every RPC (and every HTTP action) names its method here and
// gets back the caller — a Principal — or UNAUTHENTICATED (no token, or one the token file does not
// hold) / PERMISSION_DENIED (a role that may not call it) / RESOURCE_EXHAUSTED (over the rate).
//
//   ContactIntake.*                          intake
//   OperatorDesk.Connect                     operator (and the stream acts only as its operator)
//   Supervision.*                            supervisor
//   Admin.ReloadRules, TakeSnapshot, Backup  admin
//   Admin.Classify                           supervisor, admin
//   Admin.ServerInfo                         any role
//
// Without a token file ekcd is in open mode: every caller holds every role, as "local". Server
// refuses open mode on any address but loopback, so a first run on one's own machine needs no
// set-up and nothing else is ever open. The token file is re-read on reload; a bad file is refused
// and the running table stays.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "daemon/tokens.h"

namespace ekc::daemon {

struct Principal {
  std::string name;          // who: the token's name ("local" in open mode); the actor id
  std::optional<Role> role;  // none in open mode: every role
  std::string operator_id;   // an operator token's operator

  bool Has(Role r) const { return !role || *role == r; }
  // Whether this caller may log a desk stream in as `id`.
  bool MayActAs(std::string_view id) const { return !role || operator_id == id; }
};

// Calls per second a token may make to Supervision and Admin (reads and actions alike), with a
// burst: a dashboard and a script together stay far below it, a runaway loop does not.
inline constexpr double kControlCallsPerSecond = 20;
inline constexpr double kControlCallsBurst = 60;
// Operator streams one token may hold open at once: a softphone and its reconnect overlap, and a
// spare; more is a leak or an attack.
inline constexpr int kDeskStreamsPerToken = 4;

class AccessControl {
 public:
  // `token_path` empty: open mode. Otherwise the file must load.
  static absl::StatusOr<std::unique_ptr<AccessControl>> Create(const std::string& token_path);

  // Re-reads the token file (nothing in open mode). On error the running table stays.
  absl::Status Reload();

  // The caller of `method` ("Supervision.ReassignContact") on a gRPC call.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      std::string_view method);
  // The same from an HTTP "Authorization" header's value ("Bearer …").
  absl::StatusOr<Principal> AuthorizeHeader(std::string_view authorization,
                                            std::string_view method);

  // Counts an operator stream of `principal`; refused past kDeskStreamsPerToken. Every successful
  // call is matched by one ReleaseDeskStream.
  absl::Status AcquireDeskStream(const Principal& principal);
  void ReleaseDeskStream(const Principal& principal);

  bool open_mode() const { return token_path_.empty(); }
  size_t token_count() const;

  // Every method the table knows, for tests and docs.
  static std::vector<std::string> Methods();
  // The roles that may call `method`; empty for a method the table does not know.
  static std::vector<Role> RolesOf(std::string_view method);

 private:
  struct Bucket {
    double tokens = kControlCallsBurst;
    std::chrono::steady_clock::time_point refilled;
  };

  explicit AccessControl(std::string token_path, std::shared_ptr<const TokenTable> table);
  absl::StatusOr<Principal> Check(std::string_view bearer, std::string_view method);

  const std::string token_path_;
  mutable std::mutex mu_;
  std::shared_ptr<const TokenTable> table_;  // guarded by mu_
  std::map<std::string, Bucket> buckets_;    // by principal name; guarded by mu_
  std::map<std::string, int> desk_streams_;  // by principal name; guarded by mu_
};

}  // namespace ekc::daemon
