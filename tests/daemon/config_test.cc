// ekcd's config file: defaults that work, and errors that say file:line:column and why.

#include "daemon/config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::daemon {
namespace {

constexpr const char* kMinimal = R"(rules: rules/default.yaml
queues:
  - name: general
)";

TEST(Config, MinimalFileGetsDefaults) {
  auto c = ParseDaemonConfig(kMinimal, "/etc/ekc/ekcd.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:7070");
  EXPECT_EQ(c->durability, storage::Durability::kFsync);
  EXPECT_EQ(c->rules_path, "/etc/ekc/rules/default.yaml");  // relative to the config file
  EXPECT_EQ(c->routing.default_queue, "general");
  EXPECT_EQ(c->routing.queues[0].offer_timeout_ms, 20'000);
  EXPECT_EQ(c->routing.keep_ended_contacts_ms, 86'400'000);  // a day
}

TEST(Config, TheShippedDefaultIsValid) {
  auto c = LoadDaemonConfig(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->routing.queues.size(), 7u);
  EXPECT_EQ(c->routing.urgent_queue, "crisis");
}

TEST(Config, SnapshotSettingsAreRead) {
  auto c = ParseDaemonConfig(
      std::string(kMinimal) + "snapshots:\n  every_events: 500\n  every_s: 0\n  keep: 2\n",
      "s.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->snapshots.every_events, 500u);
  EXPECT_EQ(c->snapshots.every_s, 0);
  EXPECT_EQ(c->snapshots.keep, 2u);
  auto bad = ParseDaemonConfig(std::string(kMinimal) + "snapshots:\n  keep: 0\n", "s.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("s.yaml:5:9: keep must be between 1 and 100"),
            std::string::npos)
      << bad.status();
}

TEST(Config, StrategiesEscalationAndRoutingSettingsAreRead) {
  auto c = ParseDaemonConfig(R"(rules: r.yaml
routing:
  not_responding_after_misses: 2
  priority_aging_s: 120
  chat_during_voice: true
  keep_ended_contacts_s: 7200
queues:
  - name: general
  - name: family
    strategy: most_skilled
    overflow_when_full: general
    escalation:
      - {office: own, min_proficiency: 7}
      - {after_s: 30, region: own}
      - {after_s: 90}
      - {after_s: 600, overflow_to: general}
)",
                             "e.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->routing.not_responding_after_misses, 2u);
  EXPECT_EQ(c->routing.priority_aging_ms, 120'000);
  EXPECT_TRUE(c->routing.chat_during_voice);
  EXPECT_EQ(c->routing.keep_ended_contacts_ms, 7'200'000);
  const router::QueueConfig& family = c->routing.queues[1];
  EXPECT_EQ(family.strategy, router::SelectionStrategy::kMostSkilled);
  EXPECT_EQ(family.overflow_when_full, "general");
  ASSERT_EQ(family.escalation.size(), 4u);
  EXPECT_TRUE(family.escalation[0].same_office);
  EXPECT_EQ(family.escalation[0].min_proficiency, 7u);
  EXPECT_EQ(family.escalation[0].summary, "own office, proficiency ≥ 7");
  EXPECT_EQ(family.escalation[1].after_ms, 30'000);
  EXPECT_TRUE(family.escalation[1].same_region);
  EXPECT_EQ(family.escalation[3].overflow_to, "general");
}

TEST(Config, BadEscalationIsRefusedNamingTheStep) {
  auto c = ParseDaemonConfig(R"(rules: r.yaml
queues:
  - name: general
    escalation:
      - {office: own}
      - {after_s: 30, overflow_to: general}
)",
                             "e.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message())
                .find("escalation[1].overflow_to: a queue cannot overflow to itself"),
            std::string::npos)
      << c.status();
  auto bad_scope = ParseDaemonConfig(
      "rules: r.yaml\nqueues:\n  - name: g\n    escalation:\n      - {office: mine}\n", "e.yaml");
  ASSERT_FALSE(bad_scope.ok());
  EXPECT_NE(std::string(bad_scope.status().message())
                .find("e.yaml:5:18: office must be \"own\" or \"any\""),
            std::string::npos)
      << bad_scope.status();
  auto bad_strategy =
      ParseDaemonConfig("rules: r.yaml\nqueues:\n  - name: g\n    strategy: fastest\n", "e.yaml");
  ASSERT_FALSE(bad_strategy.ok());
  EXPECT_NE(std::string(bad_strategy.status().message()).find("e.yaml:4:15: strategy must be"),
            std::string::npos)
      << bad_strategy.status();
}

TEST(Config, UnknownKeyNamesFileLineAndColumn) {
  auto c = ParseDaemonConfig("rules: r.yaml\nqueues:\n  - name: general\n    wrapup_s: 5\n",
                             "ekcd.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(c.status().message()).find("ekcd.yaml:4:5: unknown key \"wrapup_s\""),
            std::string::npos)
      << c.status();
}

TEST(Config, BadNumberNamesTheKey) {
  auto c = ParseDaemonConfig(
      "rules: r.yaml\nqueues:\n  - name: general\n    offer_timeout_s: soon\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      std::string(c.status().message()).find("x.yaml:4:22: offer_timeout_s must be a whole number"),
      std::string::npos)
      << c.status();
}

TEST(Config, YamlSyntaxErrorHasAPosition) {
  auto c = ParseDaemonConfig("rules: [unclosed\n", "y.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("y.yaml:"), std::string::npos) << c.status();
}

TEST(Config, UnknownDefaultQueueIsRefused) {
  auto c = ParseDaemonConfig(
      "rules: r.yaml\nrouting:\n  default_queue: nowhere\nqueues:\n  - name: general\n", "z.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("default_queue"), std::string::npos)
      << c.status();
}

TEST(Config, SituationInTwoQueuesPointsAtTheSecondQueue) {
  auto c = ParseDaemonConfig(
      "rules: r.yaml\nqueues:\n  - name: general\n    situations: [pregnancy]\n"
      "  - name: family\n    situations: [pregnancy]\n",
      "q.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("q.yaml:5:5"), std::string::npos) << c.status();
  EXPECT_NE(std::string(c.status().message()).find("pregnancy"), std::string::npos);
}

TEST(CheckConfig, ValidFileExitsZero) {
  auto r = testing::RunEkcd(
      {"--check-config", "--config", std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml"});
  EXPECT_EQ(r.exit_status, 0) << r.output;
}

TEST(CheckConfig, QueueListingAnUnknownSituationIsRefusedWithItsPosition) {
  testing::TempDir dir;
  const std::string path = dir.Sub("ekcd.yaml");
  {
    std::ofstream out(path);
    out << "rules: " << EKC_SOURCE_DIR << "/deploy/rules/default.yaml\nqueues:\n  - name: general\n"
        << "  - name: typo\n    situations: [child_brith]\n";
  }
  auto r = testing::RunEkcd({"--check-config", "--config", path});
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":4:5: queue typo lists situation \"child_brith\""),
            std::string::npos)
      << r.output;
}

TEST(CheckConfig, MissingFileIsAClearError) {
  auto r = testing::RunEkcd({"--check-config", "--config", "/nonexistent/ekcd.yaml"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.output.find("/nonexistent/ekcd.yaml: cannot open"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ekc::daemon
