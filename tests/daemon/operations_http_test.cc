// The operations endpoints of the real ekcd's HTTP address: /healthz, /readyz and /metrics (the
// whole page passes promtool and counts what happened), and the dashboard's API under tokens.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ekc/v1/intake.grpc.pb.h"

#include "tests/daemon/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tokens.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;

void SubmitOne(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::ContactIntake::NewStub(channel);
  v1::SubmitContactRequest r;
  r.set_idempotency_key("metrics-1");
  r.set_channel(v1::CHANNEL_CHAT);
  r.set_text("Родила второго ребёнка, как оформить пособие?");
  v1::SubmitContactResponse out;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(stub->SubmitContact(&context, r, &out).ok());
}

TEST(OperationsHttp, HealthzAndReadyzAnswerOnceServing) {
  TempDir dir;
  EkcdProcess ekcd({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  HttpAnswer health = HttpRequest(ekcd.http_address(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  HttpAnswer ready = HttpRequest(ekcd.http_address(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
}

TEST(OperationsHttp, Metrics_PassPromtoolAndCountWhatHappened) {
  TempDir dir;
  EkcdProcess ekcd({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  SubmitOne(ekcd.Channel());
  HttpAnswer metrics = HttpRequest(ekcd.http_address(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& page = metrics.body;
  EXPECT_NE(page.find("ekc_up 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("ekc_queue_waiting{queue=\"family\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("ekc_grpc_requests_total{method=\"ContactIntake.SubmitContact\","
                      "code=\"OK\"} 1\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("ekc_classification_seconds_count 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("ekc_log_append_durable_seconds_bucket"), std::string::npos) << page;
  EXPECT_NE(page.find("ekc_operators"), std::string::npos) << page;

  const std::string path = (dir.path() / "metrics.txt").string();
  std::ofstream(path) << page;
  RunResult check = RunProgram({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + path});
  EXPECT_EQ(check.exit_status, 0) << check.output;
}

TEST(OperationsHttp, DashboardApi_NeedsASupervisorToken) {
  TempDir dir;
  const std::string tokens = (dir.path() / "tokens.yaml").string();
  auto NewToken = [&](const std::string& role, const std::string& name) {
    return testing::NewToken({.ekcutl = EKCUTL_PATH, .file = tokens, .role = role, .name = name});
  };
  const std::string supervisor = NewToken("supervisor", "petrova");
  const std::string intake = NewToken("intake", "portal");
  EkcdProcess ekcd(
      {.data_dir = (dir.path() / "data").string(), .extra_args = {"--tokens", tokens}});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  auto Session = [&](const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return HttpRequest(ekcd.http_address(), "GET", "/api/session", headers);
  };
  EXPECT_EQ(Session("").status, 401);
  EXPECT_EQ(Session("ekc_unknown").status, 401);
  EXPECT_EQ(Session(intake).status, 403);
  HttpAnswer ok = Session(supervisor);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(nlohmann::json::parse(ok.body)["supervisor"], "petrova");
  // Probes and scrapers need no token.
  EXPECT_EQ(HttpRequest(ekcd.http_address(), "GET", "/readyz").status, 200);
}

TEST(OperationsHttp, OpenModeRefusesADashboardBeyondLoopback) {
  TempDir dir;
  RunResult r =
      RunEkcd({"--config", std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml", "--data-dir",
               (dir.path() / "data").string(), "--listen", "127.0.0.1:0", "--http", "0.0.0.0:0"});
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.output.find("would let anyone act as a supervisor"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ekc::testing
