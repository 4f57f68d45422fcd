#include "daemon/access_control.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace ekc::daemon {

namespace {

constexpr unsigned Bit(Role r) { return 1u << static_cast<unsigned>(r); }
constexpr unsigned kAnyRole =
    Bit(Role::kIntake) | Bit(Role::kOperator) | Bit(Role::kSupervisor) | Bit(Role::kAdmin);

struct MethodRoles {
  std::string_view method;
  unsigned roles;
};

constexpr std::array<MethodRoles, 17> kMethods = {{
    {"ContactIntake.SubmitContact", Bit(Role::kIntake)},
    {"ContactIntake.WatchContact", Bit(Role::kIntake)},
    {"ContactIntake.CancelContact", Bit(Role::kIntake)},
    {"ContactIntake.RequestCallback", Bit(Role::kIntake)},
    {"OperatorDesk.Connect", Bit(Role::kOperator)},
    {"Supervision.WatchDashboard", Bit(Role::kSupervisor)},
    {"Supervision.ListContacts", Bit(Role::kSupervisor)},
    {"Supervision.ListOperators", Bit(Role::kSupervisor)},
    {"Supervision.ReassignContact", Bit(Role::kSupervisor)},
    {"Supervision.ChangePriority", Bit(Role::kSupervisor)},
    {"Supervision.ForceOperatorState", Bit(Role::kSupervisor)},
    {"Supervision.SetQueuePaused", Bit(Role::kSupervisor)},
    {"Admin.ReloadRules", Bit(Role::kAdmin)},
    {"Admin.TakeSnapshot", Bit(Role::kAdmin)},
    {"Admin.Backup", Bit(Role::kAdmin)},
    {"Admin.Classify", Bit(Role::kSupervisor) | Bit(Role::kAdmin)},
    {"Admin.ServerInfo", kAnyRole},
}};

const MethodRoles* FindMethod(std::string_view method) {
  for (const MethodRoles& m : kMethods) {
    if (m.method == method) return &m;
  }
  return nullptr;
}

bool IsControl(std::string_view method) {
  return method.starts_with("Supervision.") || method.starts_with("Admin.");
}

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

absl::StatusOr<std::unique_ptr<AccessControl>> AccessControl::Create(
    const std::string& token_path) {
  std::shared_ptr<const TokenTable> table;
  if (!token_path.empty()) {
    absl::StatusOr<TokenTable> loaded = TokenTable::Load(token_path);
    if (!loaded.ok()) return loaded.status();
    table = std::make_shared<const TokenTable>(std::move(*loaded));
  }
  return std::unique_ptr<AccessControl>(new AccessControl(token_path, std::move(table)));
}

AccessControl::AccessControl(std::string token_path, std::shared_ptr<const TokenTable> table)
    : token_path_(std::move(token_path)), table_(std::move(table)) {}

absl::Status AccessControl::Reload() {
  if (open_mode()) return absl::OkStatus();
  absl::StatusOr<TokenTable> loaded = TokenTable::Load(token_path_);
  if (!loaded.ok()) return loaded.status();
  auto table = std::make_shared<const TokenTable>(std::move(*loaded));
  std::lock_guard lock(mu_);
  table_ = std::move(table);
  return absl::OkStatus();
}

size_t AccessControl::token_count() const {
  std::lock_guard lock(mu_);
  return table_ == nullptr ? 0 : table_->size();
}

absl::StatusOr<Principal> AccessControl::Authorize(const grpc::ServerContextBase& context,
                                                   std::string_view method) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const std::string_view header = it == metadata.end()
                                      ? std::string_view()
                                      : std::string_view(it->second.data(), it->second.size());
  return AuthorizeHeader(header, method);
}

absl::StatusOr<Principal> AccessControl::AuthorizeHeader(std::string_view authorization,
                                                         std::string_view method) {
  std::string_view bearer;
  if (authorization.starts_with(kBearer)) bearer = authorization.substr(kBearer.size());
  return Check(bearer, method);
}

absl::StatusOr<Principal> AccessControl::Check(std::string_view bearer, std::string_view method) {
  const MethodRoles* m = FindMethod(method);
  if (m == nullptr) {
    // A method missing from the table is refused, so a new RPC is closed until someone opens it.
    return absl::PermissionDeniedError(fmt::format("{}: no role may call it", method));
  }
  if (open_mode()) return Principal{.name = "local"};
  if (bearer.empty()) {
    return absl::UnauthenticatedError(fmt::format(
        "{} needs a bearer token (metadata \"authorization: Bearer TOKEN\"; ekcctl --token or "
        "EKC_TOKEN)",
        method));
  }
  std::lock_guard lock(mu_);
  const TokenEntry* entry = table_->Find(bearer);
  if (entry == nullptr) {
    return absl::UnauthenticatedError(
        fmt::format("{}: the token is not in the token file (revoked, or mistyped)", method));
  }
  if ((m->roles & Bit(entry->role)) == 0) {
    return absl::PermissionDeniedError(fmt::format("{}: the role {} of token {} may not call it",
                                                   method, RoleName(entry->role), entry->name));
  }
  if (IsControl(method)) {
    const auto now = std::chrono::steady_clock::now();
    auto [bucket, added] = buckets_.try_emplace(entry->name);
    if (added) bucket->second.refilled = now;
    Bucket& b = bucket->second;
    const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(kControlCallsBurst, b.tokens + elapsed * kControlCallsPerSecond);
    b.refilled = now;
    if (b.tokens < 1) {
      return absl::ResourceExhaustedError(
          fmt::format("{}: token {} is over its rate of {} calls per second to Supervision and "
                      "Admin; retry later",
                      method, entry->name, kControlCallsPerSecond));
    }
    b.tokens -= 1;
  }
  return Principal{.name = entry->name, .role = entry->role, .operator_id = entry->operator_id};
}

absl::Status AccessControl::AcquireDeskStream(const Principal& principal) {
  if (!principal.role) return absl::OkStatus();  // open mode: loopback only, no per-token bound
  std::lock_guard lock(mu_);
  int& open = desk_streams_[principal.name];
  if (open >= kDeskStreamsPerToken) {
    return absl::ResourceExhaustedError(
        fmt::format("token {} holds {} operator streams already (at most {}); close one first",
                    principal.name, open, kDeskStreamsPerToken));
  }
  ++open;
  return absl::OkStatus();
}

void AccessControl::ReleaseDeskStream(const Principal& principal) {
  if (!principal.role) return;
  std::lock_guard lock(mu_);
  auto it = desk_streams_.find(principal.name);
  if (it != desk_streams_.end() && --it->second <= 0) desk_streams_.erase(it);
}

std::vector<std::string> AccessControl::Methods() {
  std::vector<std::string> out;
  for (const MethodRoles& m : kMethods) out.emplace_back(m.method);
  return out;
}

std::vector<Role> AccessControl::RolesOf(std::string_view method) {
  std::vector<Role> out;
  const MethodRoles* m = FindMethod(method);
  if (m == nullptr) return out;
  for (Role r : {Role::kIntake, Role::kOperator, Role::kSupervisor, Role::kAdmin}) {
    if (m->roles & Bit(r)) out.push_back(r);
  }
  return out;
}

}  // namespace ekc::daemon
