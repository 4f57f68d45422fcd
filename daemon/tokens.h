#pragma once

// Bearer tokens and their roles. The token file lists, for each token, a name (who holds it, shown
// as the actor of what they do), a role and the SHA-256 of the token — never the token itself, so
// that a copy of the file (a backup, a config repository) lets no one in:
//
//   tokens:
//     - name: portal
//       role: intake
//       sha256: 3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550
//     - name: ivanova
//       role: operator
//       operator: op-17
//       sha256: ...
//
// `ekcutl token new` adds an entry and prints the token once (AddToken below).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ekc::daemon {

// What a token may do. An operator token acts only as its own operator.
enum class Role { kIntake, kOperator, kSupervisor, kAdmin };

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct TokenEntry {
  std::string name;  // unique in the file; the actor id of what the holder does
  Role role = Role::kIntake;
  std::string operator_id;  // kOperator only: the operator the token acts as
  std::string where;        // "file:line:column" of the entry, for messages
};

class TokenTable {
 public:
  // Parses a token file; every error names file:line:column. Names and hashes are unique; an
  // operator token names its operator, and only an operator token does.
  static absl::StatusOr<TokenTable> Parse(std::string_view yaml_text, const std::string& path);
  static absl::StatusOr<TokenTable> Load(const std::string& path);

  // The entry of a presented token, or null.
  const TokenEntry* Find(std::string_view token) const;
  bool HasName(std::string_view name) const;
  size_t size() const { return by_hash_.size(); }

 private:
  std::map<std::string, TokenEntry, std::less<>> by_hash_;  // lower-case hex SHA-256 → entry
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// A new random token: "ekc_" and 43 characters of base64url (256 bits from the kernel's CSPRNG).
absl::StatusOr<std::string> NewToken();

// Adds an entry for a new token to the file at `path` (creating it, mode 0600, if missing; keeping
// what it holds, comments included), and returns the token — the only time it is ever shown. The
// file is replaced atomically. `name` must be new; `operator_id` is required for kOperator and
// refused otherwise.
absl::StatusOr<std::string> AddToken(const std::string& path, const std::string& name, Role role,
                                     const std::string& operator_id);

}  // namespace ekc::daemon
