#pragma once

// Tokens for tests that run ekcd with a token file: made by the real `ekcutl token new`, as an
// administrator would, so that the file's format is the one the tool writes.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/process.h"

namespace ekc::testing {

struct NewTokenOptions {
  std::string ekcutl;       // the ekcutl binary (tests know it as EKCUTL_PATH)
  std::string file;         // the token file to add it to (created if missing)
  std::string role;         // intake, operator, supervisor, admin
  std::string name;         // who holds it ("" for none)
  std::string operator_id;  // for an operator's token
};

// Adds a token to the file and returns its secret ("" with a test failure when ekcutl fails).
inline std::string NewToken(const NewTokenOptions& o) {
  std::vector<std::string> args = {o.ekcutl, "token",  "new",  "--role",
                                   o.role,   "--file", o.file, "--json"};
  if (!o.name.empty()) args.insert(args.end(), {"--name", o.name});
  if (!o.operator_id.empty()) args.insert(args.end(), {"--operator", o.operator_id});
  const RunResult r = RunProgram(args);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  const size_t json_start = r.output.find('{');
  if (r.exit_status != 0 || json_start == std::string::npos) return "";
  return nlohmann::json::parse(r.output.substr(json_start)).at("token").get<std::string>();
}

}  // namespace ekc::testing
