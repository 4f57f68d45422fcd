// ekcutl rules check / explain / test as rule authors run them: the default rules reach the quality
// bar on the labelled examples, and broken files and examples get clear errors and a failing exit.

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

const std::string kDefaultRules = std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml";
const std::string kLabelled = std::string(EKC_SOURCE_DIR) + "/tests/data/labelled.jsonl";

RunResult Ekcutl(std::vector<std::string> args) {
  args.insert(args.begin(), EKCUTL_PATH);
  return RunProgram(args, std::chrono::seconds(60));
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(EkcutlRules, Test_DefaultRulesReachTheQualityBarOnTheLabelledExamples) {
  const RunResult run = Ekcutl({"rules", "test", "--rules", kDefaultRules, "--examples", kLabelled,
                                "--json", "--min-macro-f1", "0.95"});
  ASSERT_EQ(run.exit_status, 0) << run.output.substr(0, 4000);
  const nlohmann::json report = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.output.substr(0, 2000);
  EXPECT_GE(report["macro_f1"].get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(report["urgent_recall"].get<double>(), 1.0);
  EXPECT_GT(report["urgent_precision"].get<double>(), 0.0);
  EXPECT_GE(report["examples"].get<int>(), 300);
  EXPECT_TRUE(report.contains("exact_match"));
  ASSERT_EQ(report["per_situation"].size(), 25u);
  for (const auto& [code, scores] : report["per_situation"].items()) {
    EXPECT_GT(scores["support"].get<int>(), 0) << code << " has no labelled example";
    for (const char* key : {"precision", "recall", "f1"}) {
      EXPECT_GE(scores[key].get<double>(), 0.0) << code;
      EXPECT_LE(scores[key].get<double>(), 1.0) << code;
    }
  }
}

TEST(EkcutlRules, Test_ExitsNonZeroBelowTheRequiredMacroF1AndListsMisclassifiedExamples) {
  TempDir dir;
  const std::string examples = dir.Sub("examples.jsonl");
  WriteFile(examples,
            "{\"text\": \"Мы многодетная семья\", \"situations\": [\"large_family\"], \"urgent\": "
            "false}\n"
            "{\"text\": \"как записаться к терапевту\", \"situations\": [\"pregnancy\"], "
            "\"urgent\": true}\n");
  const RunResult run = Ekcutl({"rules", "test", "--rules", kDefaultRules, "--examples", examples,
                                "--min-macro-f1", "0.99"});
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.output.find("line 2: как записаться к терапевту"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("macro-F1"), std::string::npos);
  EXPECT_NE(run.output.find("below the required"), std::string::npos);
}

TEST(EkcutlRules, Test_RefusesAnExampleWithAnUnknownCode) {
  TempDir dir;
  const std::string examples = dir.Sub("examples.jsonl");
  WriteFile(examples, "{\"text\": \"x\", \"situations\": [\"no_such_code\"], \"urgent\": false}\n");
  const RunResult run = Ekcutl({"rules", "test", "--rules", kDefaultRules, "--examples", examples});
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.output.find(examples + ":1: situation `no_such_code` is not defined"),
            std::string::npos)
      << run.output;
}

TEST(EkcutlRules, Explain_ShowsWordsStemsMatchesAndWhatDidNotCount) {
  const RunResult run = Ekcutl({"rules", "explain", "--rules", kDefaultRules,
                                "алло ну у меня ребёнок не инвалид а мужу дали вторую группу"});
  ASSERT_EQ(run.exit_status, 0) << run.output;
  EXPECT_NE(run.output.find("fillers dropped: алло, ну"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("ребёнок → ребенок"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("disability_adult (score"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("negated by «не»"), std::string::npos) << run.output;
}

TEST(EkcutlRules, Check_AcceptsTheDefaultRulesAndRefusesABrokenFileWithItsPosition) {
  RunResult run = Ekcutl({"rules", "check", kDefaultRules});
  EXPECT_EQ(run.exit_status, 0) << run.output;
  EXPECT_NE(run.output.find("25 situations"), std::string::npos) << run.output;

  TempDir dir;
  const std::string broken = dir.Sub("broken.yaml");
  WriteFile(broken, "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [чс]\n");
  run = Ekcutl({"rules", "check", broken});
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.output.find(broken + ":5:13: stem «чс» is shorter than 3 letters"),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace ekc::testing
