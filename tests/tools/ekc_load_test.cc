// ekc-load: its histogram, Poisson schedule, open-loop pacing and client/server agreement as units;
// then the real tool as a subprocess against the real ekcd on a free loopback port (and against the
// no-op server), checked against what ekcd answers and what its log holds.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tools/ekc_load/agreement.h"
#include "tools/ekc_load/histogram.h"
#include "tools/ekc_load/options.h"
#include "tools/ekc_load/schedule.h"

namespace ekc::load {
namespace {

using ekc::testing::RunProgram;
using ekc::testing::RunResult;
using ekc::testing::TempDir;

// ---------------------------------------------------------------------------------------------
// The histogram.

TEST(Histogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < LatencyHistogram::kSubBuckets; ++v) h.Record(v);
  EXPECT_EQ(h.count(), LatencyHistogram::kSubBuckets);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), LatencyHistogram::kSubBuckets - 1);
  EXPECT_EQ(h.ValueAtQuantile(0.5), LatencyHistogram::kSubBuckets / 2 - 1);
  EXPECT_EQ(h.ValueAtQuantile(1.0), LatencyHistogram::kSubBuckets - 1);
}

TEST(Histogram, BucketsTileTheRangeWithoutGapsOrOverlaps) {
  for (int b = 0; b + 1 < LatencyHistogram::kBucketCount; ++b) {
    ASSERT_EQ(LatencyHistogram::BucketHighest(b) + 1, LatencyHistogram::BucketLowest(b + 1)) << b;
    ASSERT_EQ(LatencyHistogram::BucketOf(LatencyHistogram::BucketLowest(b)), b);
    ASSERT_EQ(LatencyHistogram::BucketOf(LatencyHistogram::BucketHighest(b)), b);
    if (LatencyHistogram::BucketHighest(b) >= static_cast<uint64_t>(INT64_MAX)) break;
  }
  EXPECT_LT(LatencyHistogram::BucketOf(INT64_MAX), LatencyHistogram::kBucketCount);
}

TEST(Histogram, QuantilesAreWithinTheRelativeErrorOfTheExactOnes) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency_us(std::log(800.0), 1.2);  // µs, a long tail
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<uint64_t>(latency_us(random));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact =
        values[static_cast<size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1];
    const uint64_t reported = h.ValueAtQuantile(q);
    EXPECT_GE(reported, exact) << q;  // the bucket's top: never under-reports
    EXPECT_LE(static_cast<double>(reported - exact),
              static_cast<double>(exact) / LatencyHistogram::kHalfSubBuckets + 1)
        << q;
  }
  EXPECT_EQ(h.ValueAtQuantile(1.0), values.back());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 200'000; v += 7) {
    ((v % 3 == 0) ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.Mean(), all.Mean());
  for (double q : {0.0, 0.25, 0.5, 0.9, 0.99, 1.0})
    EXPECT_EQ(a.ValueAtQuantile(q), all.ValueAtQuantile(q));
}

TEST(Histogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtQuantile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
}

// ---------------------------------------------------------------------------------------------
// Arrivals.

TEST(PoissonSchedule, MeanGapIsOneOverTheRate) {
  PoissonSchedule schedule(500.0, 12345);
  constexpr int kArrivals = 200'000;
  Nanos last{0};
  for (int i = 0; i < kArrivals; ++i) {
    const Nanos t = schedule.Next();
    ASSERT_GE(t, last);
    last = t;
  }
  const double mean_gap_s = static_cast<double>(last.count()) / 1e9 / kArrivals;
  // The mean of 200 000 exponentials: standard error 1/sqrt(200 000) = 0.22 % of the mean.
  EXPECT_NEAR(mean_gap_s, 1.0 / 500.0, 0.01 * (1.0 / 500.0));
}

TEST(PoissonSchedule, CountsPerWindowHaveThePoissonVarianceToMeanRatio) {
  // A Poisson process: arrivals per fixed window have variance == mean (dispersion 1). Pacing at
  // a fixed interval would give 0; bursty arrivals more than 1.
  PoissonSchedule schedule(1000.0, 777);
  constexpr int kWindows = 2'000;
  const Nanos window = std::chrono::milliseconds(10);  // 10 arrivals a window on average
  std::vector<int> counts(kWindows, 0);
  for (;;) {
    const Nanos t = schedule.Next();
    const int64_t index = t / window;
    if (index >= kWindows) break;
    ++counts[static_cast<size_t>(index)];
  }
  double mean = 0;
  for (int c : counts) mean += c;
  mean /= kWindows;
  double variance = 0;
  for (int c : counts) variance += (c - mean) * (c - mean);
  variance /= kWindows - 1;
  EXPECT_NEAR(mean, 10.0, 0.3);
  EXPECT_NEAR(variance / mean, 1.0, 0.1);
}

TEST(PoissonSchedule, TheSameSeedGivesTheSameTimes) {
  PoissonSchedule a(123.0, 99), b(123.0, 99), c(123.0, 100);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const Nanos ta = a.Next();
    ASSERT_EQ(ta, b.Next());
    differs = differs || ta != c.Next();
  }
  EXPECT_TRUE(differs);
}

// A clock that only moves when told: sleeping jumps to the wake-up time.
class FakeClock final : public PacerClock {
 public:
  Nanos Now() override { return now_; }
  void SleepUntil(Nanos when) override { now_ = std::max(now_, when); }
  void Advance(Nanos d) { now_ += d; }

 private:
  Nanos now_{0};
};

TEST(OpenLoop, MeasuresFromIntendedSendTime) {
  // 1000 arrivals/s for 1 s; the sender is instantaneous except once, when it blocks for 200 ms
  // (a server that stalls with a full in-flight window). Measured from the intended times, the
  // ~200 arrivals scheduled during the stall each carry the part of it they waited; measured from
  // the actual send they would all look instantaneous.
  FakeClock clock;
  OpenLoopPacer pacer(PoissonSchedule(1000.0, 5), Nanos(0), clock);
  LatencyHistogram from_intended, from_send;
  const Nanos stall = std::chrono::milliseconds(200);
  std::vector<Nanos> intended_times;
  Nanos lag_after_stall{0};
  for (int i = 0; i < 1000; ++i) {
    const Nanos intended = pacer.WaitForNext();
    if (i == 101) lag_after_stall = pacer.last_lag();
    intended_times.push_back(intended);
    const Nanos sent = clock.Now();
    if (i == 100) clock.Advance(stall);  // this send blocks
    const Nanos answered = clock.Now();
    from_intended.Record(static_cast<uint64_t>((answered - intended).count() / 1000));
    from_send.Record(static_cast<uint64_t>((answered - sent).count() / 1000));
  }
  // The schedule did not move: the times after the stall are the schedule's own.
  PoissonSchedule reference(1000.0, 5);
  for (const Nanos t : intended_times) ASSERT_EQ(t, reference.Next());
  // About 200 arrivals fell into the stall; from the intended time, the worst waited ~200 ms and
  // the median arrival of the stall ~100 ms.
  EXPECT_GE(from_intended.max(), 199'000u);
  EXPECT_GE(from_intended.ValueAtQuantile(0.9), 20'000u);  // > 10 % of arrivals were held up
  // The arrival after the blocked one was sent late, without sleeping; by the end the sender has
  // caught up with the schedule again.
  EXPECT_GT(lag_after_stall, std::chrono::milliseconds(150));
  EXPECT_EQ(pacer.last_lag(), Nanos(0));
  // From the send: only the one blocked call shows it.
  EXPECT_EQ(from_send.ValueAtQuantile(0.99), 0u);
}

TEST(OpenLoop, OnTimeArrivalsSleepUntilTheirIntendedTime) {
  FakeClock clock;
  OpenLoopPacer pacer(PoissonSchedule(100.0, 1), Nanos(1'000'000), clock);
  for (int i = 0; i < 100; ++i) {
    const Nanos intended = pacer.WaitForNext();
    EXPECT_EQ(clock.Now(), intended);
    EXPECT_EQ(pacer.last_lag(), Nanos(0));
  }
}

// ---------------------------------------------------------------------------------------------
// Options.

TEST(Options, OnlyLoopbackTargetsAreLoopback) {
  for (const char* yes : {"127.0.0.1:7070", "127.1.2.3:1", "[::1]:7070", "localhost:7070",
                          "ipv4:127.0.0.1:7070", "dns:///localhost:7070"}) {
    EXPECT_TRUE(IsLoopbackTarget(yes)) << yes;
  }
  for (const char* no : {"10.0.0.1:7070", "example.org:7070", "[2001:db8::1]:7070", "::1:7070",
                         "127.0.0.1", "", "0.0.0.0:7070", "localhost.example.org:1"}) {
    EXPECT_FALSE(IsLoopbackTarget(no)) << no;
  }
}

TEST(Options, RemoteTargetIsRefusedUnlessAllowed) {
  LoadOptions o;
  o.target = "192.0.2.10:7070";
  o.rate_per_s = 10;
  o.duration_s = 1;
  absl::Status s = Validate(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--allow-remote"), std::string::npos) << s.message();
  o.allow_remote = true;
  EXPECT_TRUE(Validate(o).ok());
}

TEST(Options, ARunMustHaveAnEndAndOneLoop) {
  LoadOptions o;
  o.rate_per_s = 10;
  EXPECT_FALSE(Validate(o).ok()) << "neither --duration nor --contacts";
  o.contacts = 10;
  EXPECT_TRUE(Validate(o).ok());
  o.max = true;
  EXPECT_FALSE(Validate(o).ok()) << "both --rate and --max";
  LoadOptions skills;
  skills.max = true;
  skills.contacts = 1;
  skills.skills = "family:11";
  EXPECT_FALSE(Validate(skills).ok());
}

// ---------------------------------------------------------------------------------------------
// Agreement between the clients' brackets and ekcd's waits.

TEST(Agreement, ServerWaitsInsideTheBracketsAgreeAndBoundTheFigures) {
  // Contact 1 answered after 0.5..0.7 s, contact 2 after 1.4..1.6 s, contact 3 abandoned at 2 s.
  const std::vector<ClientWait> client = {{1, 500'000, 700'000, true},
                                          {2, 1'400'000, 1'600'000, true},
                                          {3, 2'000'000, 2'003'000, false}};
  const std::vector<ServerWait> server = {{1, 600, true},
                                          {2, 1'500, true},
                                          {3, 2'001, false},
                                          {99, 5, true}};  // another run's contact: ignored
  const Agreement a = Compare(client, server, /*threshold_ms=*/1'000, /*truncated=*/false);
  EXPECT_TRUE(a.agrees);
  EXPECT_EQ(a.compared, 3u);
  EXPECT_EQ(a.inside, 3u);
  EXPECT_DOUBLE_EQ(a.server_service_level, 1.0 / 3);
  EXPECT_GE(a.server_service_level, a.client.service_level_low);
  EXPECT_LE(a.server_service_level, a.client.service_level_high);
  EXPECT_GE(a.server_asa_ms, a.client.asa_ms_low);
  EXPECT_LE(a.server_asa_ms, a.client.asa_ms_high);
  EXPECT_DOUBLE_EQ(a.server_abandon_rate, 1.0 / 3);
}

TEST(Agreement, AWaitOutsideItsBracketOrAnotherEndingDisagrees) {
  const std::vector<ClientWait> client = {{1, 500'000, 700'000, true}, {2, 100'000, 200'000, true}};
  const Agreement late = Compare(client, {{1, 702, true}, {2, 150, true}}, 1'000, false);
  EXPECT_FALSE(late.agrees);
  EXPECT_EQ(late.outside, 1u);
  EXPECT_FALSE(late.examples.empty());
  const Agreement abandoned = Compare(client, {{1, 600, true}, {2, 150, false}}, 1'000, false);
  EXPECT_FALSE(abandoned.agrees);
  EXPECT_EQ(abandoned.ended_differently, 1u);
  const Agreement missing = Compare(client, {{1, 600, true}}, 1'000, false);
  EXPECT_FALSE(missing.agrees);
  EXPECT_EQ(missing.missing, 1u);
  EXPECT_TRUE(Compare(client, {{1, 600, true}}, 1'000, /*truncated=*/true).agrees);
}

// ---------------------------------------------------------------------------------------------
// The real tool against the real ekcd.

// The default config with every queue's service-level threshold at 1 s, and neither short abandons
// nor escalation, so that ekcd's own statistics (ekcutl log replay) count exactly what the clients
// count.
std::string WriteTestConfig(const TempDir& dir) {
  std::ifstream in(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
  std::ostringstream out;
  std::string line;
  bool in_escalation = false;
  while (std::getline(in, line)) {
    const std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (in_escalation && trimmed.starts_with("- {")) continue;
    in_escalation = false;
    if (trimmed.starts_with("escalation:")) {
      in_escalation = true;
      continue;
    }
    if (trimmed.starts_with("short_abandon_s") ||
        trimmed.starts_with("service_level_threshold_s") || trimmed.starts_with("#") ||
        trimmed.starts_with("data_dir") || trimmed.starts_with("log_level"))
      continue;
    if (trimmed.starts_with("rules:")) {
      out << "rules: " << EKC_SOURCE_DIR << "/deploy/rules/default.yaml\n";
      continue;
    }
    out << line << "\n";
    if (trimmed.starts_with("- name:")) out << "    service_level_threshold_s: 1\n";
  }
  out << "log_level: warn\n";
  const std::string path = dir.Sub("ekcd.yaml");
  std::ofstream(path) << out.str();
  return path;
}

nlohmann::json LastJsonLine(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  nlohmann::json found;
  while (std::getline(in, line)) {
    if (line.starts_with("{")) found = nlohmann::json::parse(line, nullptr, false);
  }
  return found;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

TEST(EkcLoadRun, LifecycleAgreesWithEkcdAndEveryAckedContactIsInTheLog) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  ekc::testing::EkcdProcess ekcd({.data_dir = data, .config = WriteTestConfig(dir)});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error() << ekcd.StderrText();
  const std::string acked_path = dir.Sub("acked.txt");
  // 300 contacts at 150/s for 5 operators talking 50 ms on average: more than they can take at
  // once, so that a queue forms, some citizens (patience 1 s on average) hang up, and the service
  // level at a 1 s threshold is neither 0 nor 1.
  const RunResult run = RunProgram({EKC_LOAD_PATH,
                                    "--target",
                                    ekcd.address(),
                                    "--rate",
                                    "150",
                                    "--contacts",
                                    "300",
                                    "--operators",
                                    "5",
                                    "--aht",
                                    "0.05",
                                    "--wrap-up",
                                    "0",
                                    "--patience",
                                    "1",
                                    "--sl-threshold",
                                    "1",
                                    "--seed",
                                    "7",
                                    "--drain",
                                    "20",
                                    "--json",
                                    "--acked-out",
                                    acked_path},
                                   std::chrono::seconds(60));
  ASSERT_EQ(run.exit_status, 0) << run.output;
  const nlohmann::json r = LastJsonLine(run.output);
  ASSERT_TRUE(r.is_object()) << run.output;

  EXPECT_EQ(r["submitted"], 300);
  EXPECT_EQ(r["acked"], 300);
  EXPECT_EQ(r["errors"], 0) << r["error_examples"];
  EXPECT_EQ(r["unfinished"], 0);
  EXPECT_EQ(r["completed"].get<uint64_t>(),
            r["acked"].get<uint64_t>() - r["abandoned"].get<uint64_t>());
  EXPECT_GT(r["completed"].get<uint64_t>(), 0u);
  EXPECT_GT(r["contacts_per_s"].get<double>(), 0.0);
  EXPECT_GT(r["submit_p50_ms"].get<double>(), 0.0);
  EXPECT_GE(r["submit_p99_ms"].get<double>(), r["submit_p50_ms"].get<double>());
  // Every completed contact was offered first (some abandoned ones were too).
  EXPECT_GE(r["latency"]["offer"]["count"].get<uint64_t>(), r["completed"].get<uint64_t>());
  EXPECT_EQ(r["latency"]["accept"]["count"].get<uint64_t>(), r["completed"].get<uint64_t>());

  // The clients and ekcd agree contact by contact, and so on the figures.
  const nlohmann::json& server = r["server"];
  ASSERT_TRUE(server.contains("agrees")) << server;
  EXPECT_TRUE(server["agrees"].get<bool>()) << server;
  EXPECT_FALSE(server["truncated"].get<bool>());
  EXPECT_EQ(server["compared"].get<uint64_t>(),
            r["completed"].get<uint64_t>() + r["abandoned"].get<uint64_t>());
  const nlohmann::json& client = server["client_over_compared"];
  EXPECT_GE(server["service_level"].get<double>(), client["service_level_low"].get<double>());
  EXPECT_LE(server["service_level"].get<double>(), client["service_level_high"].get<double>());
  EXPECT_GE(server["asa_ms"].get<double>(), client["asa_ms_low"].get<double>());
  EXPECT_LE(server["asa_ms"].get<double>(), client["asa_ms_high"].get<double>());
  EXPECT_DOUBLE_EQ(server["abandon_rate"].get<double>(), client["abandon_rate"].get<double>());

  // The acked-out file names exactly the acknowledged contacts.
  std::ifstream acked_file(acked_path);
  std::stringstream acked_text;
  acked_text << acked_file.rdbuf();
  std::set<uint64_t> acked;
  for (const std::string& line : Lines(acked_text.str())) acked.insert(std::stoull(line));
  EXPECT_EQ(acked.size(), 300u) << "one line per acknowledged contact, no duplicates";
  EXPECT_EQ(Lines(acked_text.str()).size(), 300u);

  ASSERT_EQ(ekcd.Stop(), 0) << ekcd.StderrText();

  // Every acknowledged id is a contact_received event of the log, and the log has no other.
  const RunResult dump =
      RunProgram({EKCUTL_PATH, "log", "dump", "--data-dir", data, "--type", "contact_received"},
                 std::chrono::seconds(60));
  ASSERT_EQ(dump.exit_status, 0) << dump.output;
  std::set<uint64_t> logged;
  for (const std::string& line : Lines(dump.output)) {
    const nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.contains("contact_id")) logged.insert(e["contact_id"].get<uint64_t>());
  }
  EXPECT_EQ(logged, acked);

  // ekcd's own statistics, replayed from its log, count what the clients counted.
  const RunResult replay = RunProgram({EKCUTL_PATH, "log", "replay", "--data-dir", data, "--json"},
                                      std::chrono::seconds(60));
  ASSERT_EQ(replay.exit_status, 0) << replay.output;
  const nlohmann::json state = LastJsonLine(replay.output);
  ASSERT_TRUE(state.is_object()) << replay.output;
  uint64_t answered = 0, abandoned = 0, ended = 0;
  double within = 0, wait_ms = 0;
  for (const auto& [name, q] : state["queues"].items()) {
    const uint64_t a = q["answered"].get<uint64_t>();
    const uint64_t b = q["abandoned"].get<uint64_t>();
    answered += a;
    abandoned += b;
    ended += a + b;
    within += q["service_level"].get<double>() * static_cast<double>(a + b);
    wait_ms += q["asa_ms"].get<double>() * static_cast<double>(a + b);
  }
  EXPECT_EQ(answered, r["completed"].get<uint64_t>());
  EXPECT_EQ(abandoned, r["abandoned"].get<uint64_t>());
  ASSERT_GT(ended, 0u);
  const double log_service_level = within / static_cast<double>(ended);
  const double log_asa_ms = wait_ms / static_cast<double>(ended);
  const nlohmann::json& all = r["client"];
  EXPECT_GE(log_service_level, all["service_level_low"].get<double>() - 1e-9);
  EXPECT_LE(log_service_level, all["service_level_high"].get<double>() + 1e-9);
  EXPECT_GE(log_asa_ms, all["asa_ms_low"].get<double>() - 1e-6);
  EXPECT_LE(log_asa_ms, all["asa_ms_high"].get<double>() + 1e-6);
}

// A child process that prints its address on its first line (the no-op server).
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c = 0;
    while (line.size() < 200 && ::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    first_line_ = line;
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  const std::string& first_line() const { return first_line_; }

 private:
  pid_t pid_ = -1;
  std::string first_line_;
};

TEST(EkcLoadRun, BaselineRunsTheSameSubmitsAgainstTheNoopServerAndGivesTheRatio) {
  Child noop({NOOP_SERVER_PATH});
  const std::string prefix = "noop_server: listening on ";
  ASSERT_TRUE(noop.first_line().starts_with(prefix)) << noop.first_line();
  const std::string noop_address = noop.first_line().substr(prefix.size());
  TempDir dir;
  ekc::testing::EkcdProcess ekcd({.data_dir = dir.Sub("data")});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  const RunResult run =
      RunProgram({EKC_LOAD_PATH, "--target", ekcd.address(), "--baseline", noop_address, "--max",
                  "--concurrency", "8", "--contacts", "200", "--json"},
                 std::chrono::seconds(60));
  ASSERT_EQ(run.exit_status, 0) << run.output;
  const nlohmann::json r = LastJsonLine(run.output);
  ASSERT_TRUE(r.is_object()) << run.output;
  EXPECT_EQ(r["acked"], 200);
  EXPECT_EQ(r["errors"], 0);
  EXPECT_EQ(r["baseline"]["acked"], 200);
  EXPECT_EQ(r["baseline"]["errors"], 0);
  EXPECT_EQ(r["baseline"]["target"], noop_address);
  const double ratio = r["ratio_throughput_vs_noop"].get<double>();
  EXPECT_NEAR(ratio,
              r["contacts_per_s"].get<double>() / r["baseline"]["contacts_per_s"].get<double>(),
              1e-9);
  EXPECT_GT(ratio, 0.0);
}

TEST(EkcLoadRun, RefusesATargetThatIsNotLoopback) {
  const RunResult run =
      RunProgram({EKC_LOAD_PATH, "--target", "192.0.2.1:7070", "--rate", "10", "--duration", "1"});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.output.find("--allow-remote"), std::string::npos) << run.output;
}

TEST(EkcLoadRun, AnUnreachableTargetFailsWithAClearMessage) {
  // A port nobody listens on: bind one, note it, and close it.
  TempDir dir;
  ekc::testing::EkcdProcess ekcd({.data_dir = dir.Sub("data")});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  const std::string address = ekcd.address();
  ASSERT_EQ(ekcd.Stop(), 0);
  const RunResult run =
      RunProgram({EKC_LOAD_PATH, "--target", address, "--rate", "10", "--contacts", "5"},
                 std::chrono::seconds(30));
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.output.find("cannot reach"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ekc::load
