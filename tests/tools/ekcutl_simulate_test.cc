// The routing core's statistics reproduce queueing theory: `ekcutl simulate` runs the real core on
// a virtual clock and its figures must match the Erlang C / Erlang A oracle within their
// batch-means confidence bounds.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/process.h"

namespace ekc::testing {
namespace {

nlohmann::json RunJson(const std::vector<std::string>& argv) {
  RunResult r = RunProgram(argv, std::chrono::seconds(EKC_SIMULATE_TIMEOUT_S));
  EXPECT_EQ(r.exit_status, 0) << r.output;
  const auto line = r.output.substr(0, r.output.find('\n'));
  return nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json Simulate(std::vector<std::string> args) {
  std::vector<std::string> argv = {EKCUTL_PATH, "simulate", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunJson(argv);
}

nlohmann::json Oracle(std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   std::string(EKC_SHARED_DIR) + "/oracle/erlang.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = RunProgram(argv);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

// Within the run's own 95 % batch-means interval, or the stated tolerance when that is tighter.
void ExpectNear(const nlohmann::json& sim, const std::string& metric, double expected,
                double tolerance) {
  ASSERT_TRUE(sim.contains(metric)) << sim.dump();
  const double measured = sim[metric].get<double>();
  const double ci = sim[metric + "_ci95"].get<double>();
  EXPECT_LE(std::abs(measured - expected), std::max(tolerance, ci))
      << metric << ": measured " << measured << " ± " << ci << ", expected " << expected;
}

TEST(ErlangOracle, ErlangC_HalfPerSecondTenSecondsSevenOperators) {
  const nlohmann::json sim =
      Simulate({"--arrival-rate", "0.5", "--aht", "10", "--operators", "7", "--sl-threshold", "5",
                "--contacts", "200000", "--seed", "1"});
  ASSERT_FALSE(sim.is_discarded());
  EXPECT_EQ(sim["offered"].get<uint64_t>(), 180'000u);  // 10 % warm-up
  EXPECT_EQ(sim["abandoned"].get<uint64_t>(), 0u);
  ExpectNear(sim, "service_level", 0.8808, 0.01);
  ExpectNear(sim, "p_wait", 0.3241, 0.01);
  ExpectNear(sim, "asa_s", 1.621, 0.05);
}

TEST(ErlangOracle, ErlangC_MatchesTheOracleOnAnotherCase) {
  const nlohmann::json oracle = Oracle({"c", "2", "30", "66", "20"});
  const nlohmann::json sim =
      Simulate({"--arrival-rate", "2", "--aht", "30", "--operators", "66", "--sl-threshold", "20",
                "--contacts", "200000", "--seed", "5"});
  ASSERT_FALSE(sim.is_discarded() || oracle.is_discarded());
  ExpectNear(sim, "service_level", oracle["SL"].get<double>(), 0.01);
  ExpectNear(sim, "p_wait", oracle["Pw"].get<double>(), 0.01);
  ExpectNear(sim, "asa_s", oracle["ASA"].get<double>(), 0.05);
}

TEST(ErlangOracle, ErlangA_WithAbandonmentMatchesTheOracle) {
  const nlohmann::json oracle = Oracle({"a", "0.5", "10", "7", "60", "5"});
  const nlohmann::json sim =
      Simulate({"--arrival-rate", "0.5", "--aht", "10", "--operators", "7", "--sl-threshold", "5",
                "--contacts", "200000", "--seed", "2", "--patience", "60"});
  ASSERT_FALSE(sim.is_discarded() || oracle.is_discarded());
  EXPECT_GT(sim["abandoned"].get<uint64_t>(), 0u);
  ExpectNear(sim, "service_level", oracle["SL"].get<double>(), 0.01);
  ExpectNear(sim, "p_wait", oracle["Pw"].get<double>(), 0.01);
  ExpectNear(sim, "p_abandon", oracle["P_abandon"].get<double>(), 0.005);
  ExpectNear(sim, "asa_s", oracle["ASA_all"].get<double>(), 0.05);
}

TEST(ErlangOracle, TheSameSeedGivesTheSameFigures) {
  const std::vector<std::string> args = {
      "--arrival-rate", "0.5",  "--aht",  "10", "--operators", "7", "--sl-threshold", "5",
      "--contacts",     "5000", "--seed", "9",  "--patience",  "30"};
  nlohmann::json a = Simulate(args);
  nlohmann::json b = Simulate(args);
  for (auto* j : {&a, &b}) {
    j->erase("wall_s");
    j->erase("events_per_s");
  }
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(ErlangOracle, ABadOptionIsNamed) {
  RunResult r = RunProgram({EKCUTL_PATH, "simulate", "--operators", "0"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.output.find("--operators"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ekc::testing
