#include "tools/ekc_load/phase.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "base/absl_fmt.h"
#include "tools/ekc_load/citizens.h"
#include "tools/ekc_load/operators.h"
#include "tools/ekc_load/scheduler.h"

namespace ekc::load {

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kLogoutTimeout = std::chrono::seconds(30);
// Logging in takes a durable event per operator: allow 30 s plus 10 ms per operator.
constexpr auto kLoginTimeoutBase = std::chrono::seconds(30);
constexpr auto kLoginTimeoutPerOperator = std::chrono::milliseconds(10);
constexpr auto kProgressEvery = std::chrono::seconds(1);

// Distinct connections: gRPC would otherwise share one subchannel among channels of equal
// arguments.
std::vector<std::shared_ptr<grpc::Channel>> Connections(const std::string& target, int count,
                                                        std::string_view role) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetString("ekc_load.connection", fmt::format("{}-{}", role, i));
    out.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// A progress line on a terminal, once a second, until stopped.
class Progress {
 public:
  Progress(bool enabled, const Citizens& citizens, const RunMetrics& metrics)
      : enabled_(enabled), citizens_(citizens), metrics_(metrics) {
    if (enabled_) thread_ = std::thread([this] { Run(); });
  }
  ~Progress() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
      fmt::print(stderr, "\n");
    }
  }

 private:
  void Run() {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, kProgressEvery, [&] { return stop_; })) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print(
          stderr,
          "\r[{:7.1f} s] sent {} acked {} in flight {} completed {} abandoned {} errors {}  ",
          elapsed, citizens_.submitted(), citizens_.acked(), citizens_.in_flight(),
          metrics_.Counter("completed"), metrics_.Counter("abandoned"), metrics_.errors());
      std::fflush(stderr);
    }
  }

  const bool enabled_;
  const Citizens& citizens_;
  const RunMetrics& metrics_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

nlohmann::json LatencyJson(const LatencyHistogram& h) {
  auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  return {{"count", h.count()},
          {"mean_ms", h.Mean() / 1000.0},
          {"p50_ms", ms(h.ValueAtQuantile(0.5))},
          {"p90_ms", ms(h.ValueAtQuantile(0.9))},
          {"p99_ms", ms(h.ValueAtQuantile(0.99))},
          {"p999_ms", ms(h.ValueAtQuantile(0.999))},
          {"max_ms", ms(h.max())}};
}

nlohmann::json FiguresJson(const WaitFigures& f) {
  return {{"ended", f.ended},
          {"answered", f.answered},
          {"abandoned", f.abandoned},
          {"service_level_low", f.service_level_low},
          {"service_level_high", f.service_level_high},
          {"asa_ms_low", f.asa_ms_low},
          {"asa_ms_high", f.asa_ms_high},
          {"abandon_rate", f.abandon_rate}};
}

std::string LatencyLine(std::string_view name, const LatencyHistogram& h) {
  auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  if (h.count() == 0) return fmt::format("  {:<10} -\n", name);
  return fmt::format(
      "  {:<10} p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f} ms  ({} samples)\n",
      name, ms(h.ValueAtQuantile(0.5)), ms(h.ValueAtQuantile(0.9)), ms(h.ValueAtQuantile(0.99)),
      ms(h.ValueAtQuantile(0.999)), ms(h.max()), h.count());
}

}  // namespace

int64_t ReadRssKib(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

absl::StatusOr<PhaseResult> RunPhase(const LoadOptions& options, const Corpus& corpus,
                                     const std::string& run_id) {
  PhaseResult result;
  result.target = options.target;
  result.mode = options.max ? "closed" : "open";
  auto citizen_channels = Connections(options.target, options.citizen_connections, "citizen");
  if (!citizen_channels.front()->WaitForConnected(std::chrono::system_clock::now() +
                                                  kConnectTimeout)) {
    return absl::UnavailableError(
        fmt::format("cannot reach {} within {} s", options.target, kConnectTimeout.count()));
  }
  ContactTable table;
  RunMetrics metrics;
  Scheduler scheduler(kScheduledMax);
  result.rss_before_kib = ReadRssKib(options.server_pid);
  Citizens citizens(options, corpus, run_id, citizen_channels, table, metrics, scheduler);
  std::unique_ptr<Operators> operators;
  if (options.operators > 0) {
    operators = std::make_unique<Operators>(
        options, run_id, Connections(options.target, options.operator_connections, "operator"),
        table, metrics, scheduler,
        [&citizens](uint64_t seq, ContactPhase phase) { citizens.Resolve(seq, phase); });
    const auto deadline = std::chrono::steady_clock::now() + kLoginTimeoutBase +
                          options.operators * kLoginTimeoutPerOperator;
    if (absl::Status s = operators->LogIn(deadline); !s.ok()) {
      operators->LogOut(std::chrono::steady_clock::now() + kLogoutTimeout);
      scheduler.Stop();
      const auto examples = metrics.error_examples();
      return absl::UnavailableError(fmt::format("{}{}{}", s.message(), examples.empty() ? "" : ": ",
                                                examples.empty() ? "" : examples.front()));
    }
  }
  result.rss_logged_in_kib = ReadRssKib(options.server_pid);

  Progress progress(options.progress, citizens, metrics);
  citizens.Run();
  citizens.WaitAnswered(std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.timeout_ms + 1000));
  const int64_t first_ns = citizens.first_send_ns();
  const int64_t last_ack_ns = citizens.last_ack_ns();
  if (options.operators > 0 || options.patience_s > 0) {
    metrics.WaitResolved(citizens.submitted(),
                         std::chrono::steady_clock::now() +
                             std::chrono::nanoseconds(static_cast<int64_t>(options.drain_s * 1e9)));
  }
  progress.Stop();
  if (operators) operators->LogOut(std::chrono::steady_clock::now() + kLogoutTimeout);
  scheduler.Stop();
  citizens.WaitAnswered(std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.timeout_ms + 1000));

  const std::vector<ContactRecord> records = table.Snapshot();
  int64_t last_resolved_ns = last_ack_ns;
  for (const ContactRecord& c : records) {
    if (c.contact_id != 0) result.acked_ids.push_back(c.contact_id);
    if (c.phase == ContactPhase::kCompleted) ++result.completed;
    if (c.phase == ContactPhase::kAbandoned) ++result.abandoned;
    if (c.phase == ContactPhase::kCompleted || c.phase == ContactPhase::kAbandoned)
      last_resolved_ns = std::max(last_resolved_ns, c.resolved_ns);
  }
  result.submitted = citizens.submitted();
  result.acked = citizens.acked();
  if (options.operators > 0 || options.patience_s > 0)
    result.unfinished = result.acked - result.completed - result.abandoned;
  result.submit_window_s = last_ack_ns > first_ns ? Seconds(last_ack_ns - first_ns) : 0;
  result.lifecycle_s = last_resolved_ns > first_ns ? Seconds(last_resolved_ns - first_ns) : 0;
  result.contacts_per_s =
      result.submit_window_s > 0 ? static_cast<double>(result.acked) / result.submit_window_s : 0;
  result.lifecycle_per_s = result.lifecycle_s > 0 && result.completed > 0
                               ? static_cast<double>(result.completed) / result.lifecycle_s
                               : 0;
  result.submit = metrics.Histogram(RunMetrics::Latency::kSubmit);
  result.offer = metrics.Histogram(RunMetrics::Latency::kOffer);
  result.accept = metrics.Histogram(RunMetrics::Latency::kAccept);
  result.complete = metrics.Histogram(RunMetrics::Latency::kComplete);
  result.cancel = metrics.Histogram(RunMetrics::Latency::kCancel);

  const std::vector<ClientWait> waits = ClientWaits(records);
  const auto threshold_ms = static_cast<int64_t>(options.sl_threshold_s * 1000);
  result.client = ClientFigures(waits, threshold_ms);
  if (options.operators > 0 || options.patience_s > 0) {
    bool truncated = false;
    auto server = FetchServerWaits(citizen_channels.front(), options, table.queues(), &truncated);
    if (server.ok()) {
      result.agreement = Compare(waits, *server, threshold_ms, truncated);
    } else {
      result.agreement_error = std::string(server.status().message());
    }
  } else {
    result.agreement_error = "no operators and no patience: no waits to compare";
  }
  result.rss_end_kib = ReadRssKib(options.server_pid);
  operators.reset();
  result.counters = metrics.counters();
  result.errors = metrics.errors();
  result.error_examples = metrics.error_examples();
  return result;
}

nlohmann::json PhaseJson(const PhaseResult& r) {
  nlohmann::json j;
  j["target"] = r.target;
  j["mode"] = r.mode;
  j["submitted"] = r.submitted;
  j["acked"] = r.acked;
  j["completed"] = r.completed;
  j["abandoned"] = r.abandoned;
  j["unfinished"] = r.unfinished;
  j["errors"] = r.errors;
  j["error_examples"] = r.error_examples;
  j["submit_window_s"] = r.submit_window_s;
  j["lifecycle_s"] = r.lifecycle_s;
  j["contacts_per_s"] = r.contacts_per_s;
  j["lifecycle_per_s"] = r.lifecycle_per_s;
  const auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  j["submit_p50_ms"] = ms(r.submit.ValueAtQuantile(0.5));
  j["submit_p90_ms"] = ms(r.submit.ValueAtQuantile(0.9));
  j["submit_p99_ms"] = ms(r.submit.ValueAtQuantile(0.99));
  j["submit_p999_ms"] = ms(r.submit.ValueAtQuantile(0.999));
  j["submit_max_ms"] = ms(r.submit.max());
  j["latency"] = {{"submit", LatencyJson(r.submit)},
                  {"offer", LatencyJson(r.offer)},
                  {"accept", LatencyJson(r.accept)},
                  {"complete", LatencyJson(r.complete)},
                  {"cancel", LatencyJson(r.cancel)}};
  j["counters"] = r.counters;
  j["client"] = FiguresJson(r.client);
  if (r.agreement) {
    const Agreement& a = *r.agreement;
    j["server"] = {{"source", a.source},
                   {"truncated", a.truncated},
                   {"compared", a.compared},
                   {"inside_bracket", a.inside},
                   {"outside_bracket", a.outside},
                   {"ended_differently", a.ended_differently},
                   {"missing", a.missing},
                   {"service_level", a.server_service_level},
                   {"asa_ms", a.server_asa_ms},
                   {"abandon_rate", a.server_abandon_rate},
                   {"client_over_compared", FiguresJson(a.client)},
                   {"agrees", a.agrees},
                   {"examples", a.examples}};
  } else {
    j["server"] = {{"error", r.agreement_error}};
  }
  if (r.rss_before_kib > 0) {
    j["ekcd_rss_kib"] = {
        {"before", r.rss_before_kib}, {"logged_in", r.rss_logged_in_kib}, {"end", r.rss_end_kib}};
  }
  return j;
}

nlohmann::json ReportJson(const PhaseResult& main, const std::optional<PhaseResult>& baseline) {
  nlohmann::json j = PhaseJson(main);
  if (baseline) {
    j["baseline"] = PhaseJson(*baseline);
    const double ratio =
        baseline->contacts_per_s > 0 ? main.contacts_per_s / baseline->contacts_per_s : 0;
    const uint64_t base_p99 = baseline->submit.ValueAtQuantile(0.99);
    j["ratio_throughput_vs_noop"] = ratio;
    j["ratio_p99_vs_noop"] = base_p99 > 0 ? static_cast<double>(main.submit.ValueAtQuantile(0.99)) /
                                                static_cast<double>(base_p99)
                                          : 0;
  }
  return j;
}

std::string ReportText(const PhaseResult& r, const std::optional<PhaseResult>& baseline) {
  std::string out = fmt::format(
      "ekc-load against {} ({} loop)\n"
      "  submitted {}, acknowledged {}, completed {}, abandoned {}, unfinished {}, errors {}\n"
      "  throughput {:.1f} acknowledged submits/s over {:.2f} s; lifecycle {:.1f} completed/s "
      "over {:.2f} s\n",
      r.target, r.mode, r.submitted, r.acked, r.completed, r.abandoned, r.unfinished, r.errors,
      r.contacts_per_s, r.submit_window_s, r.lifecycle_per_s, r.lifecycle_s);
  out += "latency:\n";
  out += LatencyLine("submit", r.submit);
  out += LatencyLine("offer", r.offer);
  out += LatencyLine("accept", r.accept);
  out += LatencyLine("complete", r.complete);
  out += LatencyLine("cancel", r.cancel);
  const WaitFigures& c = r.client;
  out += fmt::format(
      "clients saw: {} ended waits, service level {:.1f}..{:.1f} %, ASA {:.1f}..{:.1f} ms, "
      "abandoned {:.1f} %\n",
      c.ended, 100 * c.service_level_low, 100 * c.service_level_high, c.asa_ms_low, c.asa_ms_high,
      100 * c.abandon_rate);
  if (r.agreement) {
    const Agreement& a = *r.agreement;
    out += fmt::format(
        "ekcd says ({}{}): {} contacts compared, service level {:.1f} %, ASA {:.1f} ms, "
        "abandoned {:.1f} %; each wait inside the client's bracket: {}/{} -> {}\n",
        a.source, a.truncated ? ", truncated listing" : "", a.compared,
        100 * a.server_service_level, a.server_asa_ms, 100 * a.server_abandon_rate, a.inside,
        a.compared, a.agrees ? "AGREE" : "DISAGREE");
    for (const std::string& e : a.examples) out += fmt::format("  {}\n", e);
  } else {
    out += fmt::format("ekcd's figures: {}\n", r.agreement_error);
  }
  for (const auto& [name, n] : r.counters) out += fmt::format("  {} {}\n", name, n);
  for (const std::string& e : r.error_examples) out += fmt::format("  error: {}\n", e);
  if (r.rss_before_kib > 0) {
    out +=
        fmt::format("ekcd RSS: {} KiB before, {} KiB with operators logged in, {} KiB at the end\n",
                    r.rss_before_kib, r.rss_logged_in_kib, r.rss_end_kib);
  }
  if (baseline) {
    out += fmt::format(
        "baseline (no-op server at {}): {:.1f} submits/s, submit p99 {:.3f} ms; ekcd / no-op: "
        "throughput {:.2f}x, p99 {:.2f}x\n",
        baseline->target, baseline->contacts_per_s, baseline->submit.ValueAtQuantile(0.99) / 1000.0,
        baseline->contacts_per_s > 0 ? r.contacts_per_s / baseline->contacts_per_s : 0,
        baseline->submit.ValueAtQuantile(0.99) > 0
            ? static_cast<double>(r.submit.ValueAtQuantile(0.99)) /
                  static_cast<double>(baseline->submit.ValueAtQuantile(0.99))
            : 0);
  }
  return out;
}

}  // namespace ekc::load
