#include "daemon/tokens.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ids.h"
#include "daemon/yaml_reader.h"

namespace ekc::daemon {

namespace {

constexpr size_t kNameBytesMax = 64;
constexpr size_t kTokenRandomBytes = 32;
constexpr std::string_view kTokenPrefix = "ekc_";
constexpr size_t kTokensMax = 100'000;

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoleNames = {{
    {Role::kIntake, "intake"},
    {Role::kOperator, "operator"},
    {Role::kSupervisor, "supervisor"},
    {Role::kAdmin, "admin"},
}};

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= kNameBytesMax &&
         std::all_of(s.begin(), s.end(), IsIdentifierChar);
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct ParsedEntry {
  TokenEntry entry;
  std::string sha256;
};

ParsedEntry ParseEntry(const YamlReader& r, const YAML::Node& node) {
  ParsedEntry p;
  p.entry.where = r.Where(node);
  bool has_role = false;
  r.ForEachKey(node, "a token", {"name", "role", "operator", "sha256"},
               [&](const std::string& k, const YAML::Node& v) {
                 const std::string value = r.String(v, k);
                 if (k == "name") {
                   if (!IsName(value))
                     r.Fail(v, "name: 1 to 64 of the letters A-Z a-z, digits and . _ : @ -");
                   p.entry.name = value;
                 }
                 if (k == "role") {
                   std::optional<Role> role = ParseRole(value);
                   if (!role)
                     r.Fail(v, fmt::format("role must be intake, operator, supervisor or admin, "
                                           "not \"{}\"",
                                           value));
                   p.entry.role = *role;
                   has_role = true;
                 }
                 if (k == "operator") {
                   if (!IsName(value))
                     r.Fail(v, "operator: 1 to 64 of the letters A-Z a-z, digits and . _ : @ -");
                   p.entry.operator_id = value;
                 }
                 if (k == "sha256") {
                   if (!IsSha256Hex(value))
                     r.Fail(v,
                            "sha256 must be 64 lower-case hex digits (the hash, not the token; "
                            "ekcutl token new writes it)");
                   p.sha256 = value;
                 }
               });
  if (p.entry.name.empty()) r.Fail(node, "a token needs a name");
  if (!has_role) r.Fail(node, "a token needs a role");
  if (p.sha256.empty()) r.Fail(node, "a token needs its sha256");
  if (p.entry.role == Role::kOperator && p.entry.operator_id.empty())
    r.Fail(node, "an operator token names its operator (operator: ID)");
  if (p.entry.role != Role::kOperator && !p.entry.operator_id.empty())
    r.Fail(node, "only an operator token names an operator");
  return p;
}

absl::Status ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the token file", path));
  std::ostringstream out;
  out << in.rdbuf();
  *text = out.str();
  return absl::OkStatus();
}

std::string Base64Url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int held = 0;
  for (size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    held += 8;
    while (held >= 6) {
      held -= 6;
      out.push_back(kAlphabet[(bits >> held) & 0x3f]);
    }
  }
  if (held > 0) out.push_back(kAlphabet[(bits << (6 - held)) & 0x3f]);
  return out;
}

// Writes `text` to `path` through a temporary file in the same folder, renamed over it: a reader
// sees the old file or the new one, never half of one.
absl::Status ReplaceFile(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        fmt::format("{}: cannot write: {}", temporary, std::strerror(errno)));
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return absl::FailedPreconditionError(
          fmt::format("{}: cannot write: {}", temporary, std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(
        fmt::format("{}: cannot replace: {}", path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [role, n] : kRoleNames) {
    if (n == name) return role;
  }
  return std::nullopt;
}

absl::StatusOr<TokenTable> TokenTable::Parse(std::string_view yaml_text, const std::string& path) {
  return ParseYaml<TokenTable>(
      yaml_text, path, "the token file", [](const YamlReader& r, const YAML::Node& root) {
        TokenTable table;
        r.ForEachKey(root, "the token file", {"tokens"},
                     [&](const std::string&, const YAML::Node& list) {
                       if (list.IsNull()) return;  // "tokens:" with none yet
                       if (!list.IsSequence()) r.Fail(list, "tokens must be a list of tokens");
                       if (list.size() > kTokensMax)
                         r.Fail(list, fmt::format("at most {} tokens", kTokensMax));
                       for (const YAML::Node& node : list) {
                         ParsedEntry p = ParseEntry(r, node);
                         if (table.HasName(p.entry.name))
                           r.Fail(node, fmt::format("a second token named {}", p.entry.name));
                         if (table.by_hash_.contains(p.sha256))
                           r.Fail(node, "the same sha256 as another token");
                         table.by_hash_.emplace(p.sha256, std::move(p.entry));
                       }
                     });
        return table;
      });
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::string text;
  if (absl::Status s = ReadFile(path, &text); !s.ok()) return s;
  return Parse(text, path);
}

const TokenEntry* TokenTable::Find(std::string_view token) const {
  auto it = by_hash_.find(Sha256Hex(token));
  return it == by_hash_.end() ? nullptr : &it->second;
}

bool TokenTable::HasName(std::string_view name) const {
  return std::any_of(by_hash_.begin(), by_hash_.end(),
                     [&](const auto& kv) { return kv.second.name == name; });
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

absl::StatusOr<std::string> NewToken() {
  unsigned char random[kTokenRandomBytes];
  size_t got = 0;
  while (got < sizeof random) {
    const ssize_t n = ::getrandom(random + got, sizeof random - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(
          fmt::format("cannot read random bytes from the kernel: {}", std::strerror(errno)));
    }
    got += static_cast<size_t>(n);
  }
  return std::string(kTokenPrefix) + Base64Url(random, sizeof random);
}

absl::StatusOr<std::string> AddToken(const std::string& path, const std::string& name, Role role,
                                     const std::string& operator_id) {
  if (!IsName(name)) {
    return absl::InvalidArgumentError("name: 1 to 64 of the letters A-Z a-z, digits and . _ : @ -");
  }
  if (role == Role::kOperator && !IsName(operator_id)) {
    return absl::InvalidArgumentError(
        "an operator token needs --operator ID (letters, digits, "
        ". _ : @ -)");
  }
  if (role != Role::kOperator && !operator_id.empty()) {
    return absl::InvalidArgumentError("only an operator token names an operator");
  }
  std::string text;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (absl::Status s = ReadFile(path, &text); !s.ok()) return s;
    absl::StatusOr<TokenTable> table = TokenTable::Parse(text, path);
    if (!table.ok()) return table.status();
    if (table->HasName(name)) {
      return absl::AlreadyExistsError(
          fmt::format("{}: a token named {} exists already", path, name));
    }
    if (text.find("tokens:") == std::string::npos) text += "tokens:\n";
    if (!text.empty() && text.back() != '\n') text += '\n';
  } else {
    text =
        "# ekc bearer tokens: the SHA-256 of each, never the token itself. Add one with\n"
        "#   ekcutl token new --role ROLE [--operator ID] --name NAME --file THIS-FILE\n"
        "# and remove one by deleting its entry; then reload ekcd (systemctl reload ekcd).\n"
        "tokens:\n";
  }
  absl::StatusOr<std::string> token = NewToken();
  if (!token.ok()) return token.status();
  text += fmt::format("  - name: {}\n    role: {}\n", name, RoleName(role));
  if (role == Role::kOperator) text += fmt::format("    operator: {}\n", operator_id);
  text += fmt::format("    sha256: {}\n", Sha256Hex(*token));
  // What was written must read back (a hand-edited file in flow style, say, would not take a
  // block entry appended to it).
  if (absl::StatusOr<TokenTable> check = TokenTable::Parse(text, path);
      !check.ok() || check->Find(*token) == nullptr) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: cannot add to this file as it is written ({}); add the entry by hand", path,
        check.ok() ? std::string("the new entry did not read back")
                   : std::string(check.status().message())));
  }
  if (absl::Status s = ReplaceFile(path, text); !s.ok()) return s;
  return token;
}

}  // namespace ekc::daemon
