// The Prometheus page: the text format's rules (escaping, histograms), the routing view taken from
// a real router state, and promtool's verdict on a whole page.

#include "daemon/metrics.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "router/router.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::daemon {
namespace {

namespace v1 = ekc::v1;

TEST(PrometheusText, EscapesLabelValues) {
  PrometheusText out;
  out.Family("ekc_x", "gauge", "a test");
  out.Sample("ekc_x", {{"queue", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(out.Take(),
            "# HELP ekc_x a test\n# TYPE ekc_x gauge\nekc_x{queue=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(PrometheusText, HistogramBucketsAreCumulativeAndEndInInf) {
  storage::Histogram h;
  h.Add(0);
  h.Add(3);    // [2, 4): bucket 2
  h.Add(100);  // [64, 128): bucket 7
  PrometheusText out;
  out.Histogram("ekc_h", {}, h, 1);
  const std::string text = out.Take();
  EXPECT_NE(text.find("ekc_h_bucket{le=\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ekc_h_bucket{le=\"4\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ekc_h_bucket{le=\"128\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ekc_h_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ekc_h_sum 103\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ekc_h_count 3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("le=\"256\""), std::string::npos) << "no buckets above the largest value";
}

router::RouterConfig TwoQueues() {
  router::RouterConfig config;
  config.queues.push_back(router::QueueConfig{
      .name = "family", .situations = {"birth"}, .skills = {"family"}, .offer_timeout_ms = 20'000});
  config.queues.push_back(router::QueueConfig{
      .name = "general", .situations = {}, .skills = {"general"}, .offer_timeout_ms = 20'000});
  config.default_queue = "general";
  return config;
}

TEST(RoutingView, CountsWaitingContactsAndTheLongestWaitPerQueue) {
  router::Router router(TwoQueues());
  int64_t now = 1'700'000'000'000;
  for (int i = 0; i < 3; ++i) {
    router::command::Submit s{.idempotency_key = "k" + std::to_string(i),
                              .request_fingerprint = static_cast<uint64_t>(i + 1),
                              .channel = v1::CHANNEL_CHAT,
                              .text = "текст"};
    s.classification.add_situations()->set_code("birth");
    router::Command c{.now_unix_ms = now + i * 1000};
    c.body = std::move(s);
    ASSERT_TRUE(router.Execute(c).status.ok());
  }
  const RoutingView view = ViewRouting(router.state(), router.config(), now + 10'000, 2);
  EXPECT_EQ(view.queues.at("family").waiting, 3u);
  EXPECT_EQ(view.queues.at("family").longest_wait_ms, 10'000);
  EXPECT_EQ(view.queues.at("general").waiting, 0u);
  EXPECT_EQ(view.contacts_by_state.at(v1::CONTACT_STATE_QUEUED), 3u);
  EXPECT_EQ(view.queues.at("family").tally.arrivals, 3u);
  EXPECT_EQ(view.watchdog_failures, 2u);
}

TEST(RenderMetrics, AWholePagePassesPromtool) {
  router::Router router(TwoQueues());
  router::command::Submit s{.idempotency_key = "k",
                            .request_fingerprint = 1,
                            .channel = v1::CHANNEL_VOICE,
                            .text = "текст"};
  router::Command c{.now_unix_ms = 1'700'000'000'000};
  c.body = std::move(s);
  ASSERT_TRUE(router.Execute(c).status.ok());
  const RoutingView view = ViewRouting(router.state(), router.config(), 1'700'000'005'000, 0);
  DaemonMetrics metrics;
  metrics.CountGrpcCall("ContactIntake.SubmitContact", grpc::StatusCode::OK);
  metrics.CountGrpcCall("ContactIntake.SubmitContact", grpc::StatusCode::INVALID_ARGUMENT);
  metrics.RecordClassification(180);
  const DaemonMetrics::Copy daemon = metrics.Read();
  storage::EventLogStats log;
  log.append_durable_us.Add(900);
  log.group_records.Add(12);
  log.group_write_us.Add(700);
  const std::string page = RenderMetrics(MetricsInputs{.routing = &view,
                                                       .daemon = &daemon,
                                                       .log = &log,
                                                       .durable_sequence = 1,
                                                       .writable = true,
                                                       .ready = true});
  EXPECT_NE(page.find("ekc_queue_waiting{queue=\"general\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("ekc_grpc_requests_total{method=\"ContactIntake.SubmitContact\","
                      "code=\"INVALID_ARGUMENT\"} 1\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("ekc_up 1\n"), std::string::npos);

  testing::TempDir dir;
  const std::string path = (dir.path() / "metrics.txt").string();
  std::ofstream(path) << page;
  testing::RunResult r =
      testing::RunProgram({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + path});
  EXPECT_EQ(r.exit_status, 0) << r.output << "\n" << page;
}

}  // namespace
}  // namespace ekc::daemon
