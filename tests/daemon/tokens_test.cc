// The token file: parsing with positions, hashes never tokens, and adding a token.

#include "daemon/tokens.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/testing/temp_dir.h"

namespace ekc::daemon {
namespace {

const std::string kAbcHash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Tokens, Sha256Hex_MatchesTheStandardTestVector) { EXPECT_EQ(Sha256Hex("abc"), kAbcHash); }

TEST(Tokens, Parse_FindsATokenByItsHashWithItsRoleAndOperator) {
  const std::string text =
      "tokens:\n"
      "  - name: ivanova\n"
      "    role: operator\n"
      "    operator: op-17\n"
      "    sha256: " +
      kAbcHash + "\n";
  absl::StatusOr<TokenTable> table = TokenTable::Parse(text, "t.yaml");
  ASSERT_TRUE(table.ok()) << table.status();
  const TokenEntry* e = table->Find("abc");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "ivanova");
  EXPECT_EQ(e->role, Role::kOperator);
  EXPECT_EQ(e->operator_id, "op-17");
  EXPECT_EQ(table->Find("abd"), nullptr);
  EXPECT_EQ(table->Find(kAbcHash), nullptr) << "the hash itself is not a token";
}

TEST(Tokens, Parse_EmptyListIsAnEmptyTable) {
  absl::StatusOr<TokenTable> table = TokenTable::Parse("tokens:\n", "t.yaml");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 0u);
}

TEST(Tokens, Parse_ErrorsNameFileLineAndColumn) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string h = kAbcHash;
  const Case cases[] = {
      {"tokens:\n  - name: a\n    role: boss\n    sha256: " + h + "\n",
       "t.yaml:3:11: role must be intake, operator, supervisor or admin, not \"boss\""},
      {"tokens:\n  - name: a\n    role: admin\n    sha256: abc\n", "t.yaml:4:13: sha256 must be"},
      {"tokens:\n  - name: a\n    role: operator\n    sha256: " + h + "\n",
       "t.yaml:2:5: an operator token names its operator"},
      {"tokens:\n  - name: a\n    role: admin\n    operator: x\n    sha256: " + h + "\n",
       "t.yaml:2:5: only an operator token names an operator"},
      {"tokens:\n  - name: a\n    role: admin\n    secret: x\n    sha256: " + h + "\n",
       "t.yaml:4:5: unknown key \"secret\" in a token"},
      {"tokens:\n  - name: a\n    role: admin\n    sha256: " + h +
           "\n  - name: a\n    role: intake\n"
           "    sha256: " +
           std::string(64, 'b') + "\n",
       "t.yaml:5:5: a second token named a"},
      {"tokens:\n  - name: a\n    role: admin\n    sha256: " + h +
           "\n  - name: b\n    role: intake\n"
           "    sha256: " +
           h + "\n",
       "t.yaml:5:5: the same sha256 as another token"},
      {"tokens: [\n", "t.yaml:"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TokenTable> table = TokenTable::Parse(c.text, "t.yaml");
    ASSERT_FALSE(table.ok()) << c.text;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(table.status().message()).rfind(c.expected, 0), 0u)
        << table.status().message() << "\nexpected to start with: " << c.expected;
  }
}

TEST(Tokens, NewToken_IsLongRandomAndUrlSafe) {
  absl::StatusOr<std::string> a = NewToken();
  absl::StatusOr<std::string> b = NewToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 4u + 43u);
  EXPECT_EQ(a->rfind("ekc_", 0), 0u);
  for (char ch : a->substr(4)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << ch;
  }
}

TEST(Tokens, AddToken_CreatesAPrivateFileHoldingOnlyTheHash) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "tokens.yaml").string();
  absl::StatusOr<std::string> token = AddToken(path, "portal", Role::kIntake, "");
  ASSERT_TRUE(token.ok()) << token.status();
  const std::string text = ReadFile(path);
  EXPECT_EQ(text.find(*token), std::string::npos) << "the token itself must never be stored";
  EXPECT_NE(text.find(Sha256Hex(*token)), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  absl::StatusOr<TokenTable> table = TokenTable::Load(path);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_NE(table->Find(*token), nullptr);
  EXPECT_EQ(table->Find(*token)->role, Role::kIntake);
}

TEST(Tokens, AddToken_KeepsWhatTheFileHeldAndRefusesATakenName) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "tokens.yaml").string();
  absl::StatusOr<std::string> first = AddToken(path, "ivanova", Role::kOperator, "op-17");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> second = AddToken(path, "chief", Role::kSupervisor, "");
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<TokenTable> table = TokenTable::Load(path);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  EXPECT_EQ(table->Find(*first)->operator_id, "op-17");
  EXPECT_EQ(table->Find(*second)->role, Role::kSupervisor);

  absl::StatusOr<std::string> again = AddToken(path, "chief", Role::kAdmin, "");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(TokenTable::Load(path)->size(), 2u) << "a refused token leaves the file as it was";
}

TEST(Tokens, AddToken_OperatorTokenNeedsItsOperatorAndOnlyIt) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "tokens.yaml").string();
  EXPECT_EQ(AddToken(path, "x", Role::kOperator, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AddToken(path, "x", Role::kAdmin, "op-1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AddToken(path, "bad name", Role::kAdmin, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Tokens, AddToken_RefusesToTouchABrokenFile) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "tokens.yaml").string();
  std::ofstream(path) << "tokens:\n  - name: a\n    role: boss\n";
  absl::StatusOr<std::string> token = AddToken(path, "b", Role::kAdmin, "");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(path), "tokens:\n  - name: a\n    role: boss\n");
}

}  // namespace
}  // namespace ekc::daemon
