// ekcutl token new: adds a bearer token to a token file (daemon/tokens.h) and prints the token —
// the only time it is shown; the file keeps its SHA-256 only.

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/tokens.h"
#include "tools/ekcutl/command_registry.h"

namespace ekc::utl {
namespace {

struct TokenNewCommandLine {
  std::string role;
  std::string operator_id;
  std::string name;
  std::string file;
  bool json = false;
};

int RunTokenNew(TokenNewCommandLine c) {
  // "operator:ID" is the same as --role operator --operator ID.
  if (c.role.starts_with("operator:")) {
    if (!c.operator_id.empty() && c.operator_id != c.role.substr(9)) {
      std::cerr << "ekcutl token new: --role " << c.role << " and --operator " << c.operator_id
                << " disagree\n";
      return kExitUsage;
    }
    c.operator_id = c.role.substr(9);
    c.role = "operator";
  }
  const std::optional<daemon::Role> role = daemon::ParseRole(c.role);
  if (!role) {
    std::cerr << "ekcutl token new: --role must be intake, operator (or operator:ID), supervisor "
                 "or admin, not \""
              << c.role << "\"\n";
    return kExitUsage;
  }
  if (c.name.empty()) c.name = *role == daemon::Role::kOperator ? c.operator_id : c.role;
  absl::StatusOr<std::string> token = daemon::AddToken(c.file, c.name, *role, c.operator_id);
  if (!token.ok()) {
    std::cerr << "ekcutl token new: " << token.status().message() << "\n";
    return token.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  if (c.json) {
    nlohmann::json j = {{"token", *token},
                        {"name", c.name},
                        {"role", std::string(daemon::RoleName(*role))},
                        {"file", c.file}};
    if (!c.operator_id.empty()) j["operator"] = c.operator_id;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << *token << "\n";
    std::cerr << "token " << c.name << " (" << daemon::RoleName(*role)
              << (c.operator_id.empty() ? "" : " " + c.operator_id) << ") added to " << c.file
              << "; it is shown only now. Reload ekcd to use it (systemctl reload ekcd).\n";
  }
  return kExitOk;
}

const CommandRegistration kToken([](CLI::App& app, int& exit_status) {
  CLI::App* token = app.add_subcommand("token", "bearer tokens of ekcd's roles");
  token->require_subcommand(1);
  auto c = std::make_shared<TokenNewCommandLine>();
  CLI::App* add = token->add_subcommand(
      "new", "add a new token to a token file and print it (once; the file keeps its SHA-256)");
  add->add_option("--role", c->role, "intake, operator (or operator:ID), supervisor or admin")
      ->required();
  add->add_option("--operator", c->operator_id, "the operator an operator token acts as");
  add->add_option("--name", c->name,
                  "who holds it, shown as the actor of what they do (default: the operator id, "
                  "or the role)");
  add->add_option("--file", c->file, "the token file (created, mode 0600, if missing)")->required();
  add->add_flag("--json", c->json, "print one JSON object with the token");
  add->callback([c, &exit_status] { exit_status = RunTokenNew(*c); });
});

}  // namespace
}  // namespace ekc::utl
