// Benchmarks of the event log (docs/performance.md, "Event log"): group commit (append → durable
// latency, records per group), replay rate, and the restart time of a large log with a snapshot.
// The logs are made by the real routing core from a contact-centre workload (submit, offer, accept,
// complete, ready again), so records have their real sizes.
//
//   EKC_BENCH_DIR          where the logs are written (default: a folder under /tmp, removed)
//   EKC_BENCH_REPLAY_EVENTS   events in the replay benchmark's log (default 1,000,000)
//   EKC_BENCH_RESTART_EVENTS  events in the restart benchmark's log (default 1,000,000; the
//                             documented figure uses 10,000,000)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/check.h"
#include "router/config.h"
#include "router/router.h"
#include "router/state.h"
#include "storage/event_log.h"
#include "storage/recovery.h"

namespace ekc::bench {
namespace {

namespace v1 = ekc::v1;
using Clock = std::chrono::steady_clock;

constexpr int kOperators = 50;
// Logs made by an older workload (or core) are not reused: bump when either changes what MakeLog
// writes. v2: ended contacts are forgotten after a day (ContactsForgotten).
constexpr int kWorkloadVersion = 2;
// The restart benchmark's snapshot leaves this many events after it: about half of ekcd's default
// `every_events`, the average a restart finds.
constexpr uint64_t kTailEvents = 50'000;

double CpuMs(clockid_t clock) {
  timespec t{};
  EKC_CHECK(clock_gettime(clock, &t) == 0);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

std::string BenchFolder(const std::string& name) {
  const char* base = std::getenv("EKC_BENCH_DIR");
  const std::filesystem::path root = base != nullptr
                                         ? std::filesystem::path(base)
                                         : std::filesystem::temp_directory_path() / "ekc-bench";
  std::filesystem::create_directories(root);
  return (root / name).string();
}

// Drives the real core: operators log in, then each contact is submitted, offered, accepted,
// completed, and its operator goes ready again. Calls `sink` with every batch of events.
class Workload {
 public:
  Workload() : router_(router::SingleQueueConfig()) {
    for (int i = 0; i < kOperators; ++i) {
      router::command::Login login{.operator_id = OperatorId(fmt::format("op-{:04}", i)),
                                   .name = fmt::format("Оператор {}", i),
                                   .office = "СМФЦ Центральный",
                                   .region = "77",
                                   .ready = true};
      Run(std::move(login), v1::ACTOR_KIND_OPERATOR);
    }
  }

  // Runs contacts until at least `events` more events were made.
  void MakeEvents(uint64_t events) {
    const uint64_t until = router_.state().last_sequence().value() + events;
    while (router_.state().last_sequence().value() < until) OneContact();
  }

  std::vector<v1::EventRecord> TakeEvents() { return std::exchange(events_, {}); }
  const router::Router& router() const { return router_; }

 private:
  void Run(router::CommandBody body, v1::ActorKind kind) {
    now_unix_ms_ += 1000;
    router::Command command{.now_unix_ms = now_unix_ms_};
    command.actor.set_kind(kind);
    command.body = std::move(body);
    router::ExecuteResult result = router_.Execute(command);
    EKC_CHECK(result.status.ok());
    for (v1::EventRecord& e : result.events) {
      if (e.has_contact_offered()) offered_ = {e.operator_id(), e.contact_id()};
      events_.push_back(std::move(e));
    }
  }

  void OneContact() {
    ++contacts_;
    router::command::Submit submit{
        .idempotency_key = fmt::format("call-{}", contacts_),
        .request_fingerprint = contacts_,
        .channel = v1::CHANNEL_VOICE,
        .citizen_ref = fmt::format("citizen-{}", contacts_ % 100'000),
        .region = "77",
        .text = "Здравствуйте, я родила второго ребёнка, как оформить пособие при рождении?"};
    submit.classification.add_situations()->set_code("child_birth");
    submit.classification.set_rules_version("bench");
    offered_ = {};
    Run(std::move(submit), v1::ACTOR_KIND_INTAKE);
    if (offered_.second == 0) return;  // nobody idle: it waits; a later completion offers it
    const auto [op, contact] = offered_;
    Run(router::command::Accept{OperatorId(op), ContactId(contact)}, v1::ACTOR_KIND_OPERATOR);
    Run(router::command::Complete{OperatorId(op), ContactId(contact), "consulted",
                                  "Разъяснён порядок оформления пособия"},
        v1::ACTOR_KIND_OPERATOR);
    Run(router::command::ChangeState{OperatorId(op), v1::OPERATOR_STATE_AVAILABLE, ""},
        v1::ACTOR_KIND_OPERATOR);
  }

  router::Router router_;
  int64_t now_unix_ms_ = 1'764'000'000'000;
  uint64_t contacts_ = 0;
  std::pair<std::string, uint64_t> offered_;
  std::vector<v1::EventRecord> events_;
};

// How long the last MakeLog took to copy the state (ToSnapshot: the core thread's pause) and to
// have it stored (the maintenance thread); 0 when the log was already there.
double g_to_snapshot_ms = 0;
double g_snapshot_stored_ms = 0;

// Waits for durable callbacks; thread-safe.
class Durable {
 public:
  storage::EventLog::DurableCallback Callback() {
    return [this](Sequence, const absl::Status& status) {
      EKC_CHECK(status.ok());
      std::lock_guard<std::mutex> lock(mu_);
      ++done_;
      cv_.notify_all();
    };
  }
  void WaitFor(uint64_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ >= count; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;
};

std::unique_ptr<storage::EventLog> OpenLog(const std::string& path, bool read_only,
                                           storage::Durability durability) {
  storage::EventLogOptions options;
  options.path = path;
  options.read_only = read_only;
  options.durability = durability;
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(options);
  EKC_CHECK(log.ok());
  return std::move(*log);
}

// Writes a log of `events` workload events into `path` (once: reused when it is already there),
// with a snapshot `tail` events before its end when tail > 0.
void MakeLog(const std::string& path, uint64_t events, uint64_t tail) {
  if (std::filesystem::exists(path + "/CURRENT")) return;
  std::unique_ptr<storage::EventLog> log = OpenLog(path, false, storage::Durability::kOs);
  Workload workload;
  Durable durable;
  uint64_t appends = 0;
  auto flush = [&] {
    std::vector<v1::EventRecord> batch = workload.TakeEvents();
    if (batch.empty()) return;
    // Bounded memory: wait for the writer when its queue is full.
    if (!log->HasRoomFor(batch.size())) durable.WaitFor(appends);
    EKC_CHECK(log->Append(std::move(batch), durable.Callback()).ok());
    ++appends;
  };
  const uint64_t before_snapshot = tail > 0 && tail < events ? events - tail : events;
  while (workload.router().state().last_sequence().value() < before_snapshot) {
    workload.MakeEvents(4096);
    flush();
  }
  if (tail > 0) {
    std::mutex mu;
    std::condition_variable cv;
    bool written = false;
    const auto copy_start = Clock::now();
    v1::RouterSnapshot snapshot = workload.router().state().ToSnapshot();
    const auto copied = Clock::now();
    g_to_snapshot_ms = std::chrono::duration<double, std::milli>(copied - copy_start).count();
    EKC_CHECK(log->WriteSnapshot(std::move(snapshot),
                                 [&](Sequence, const absl::Status& status) {
                                   EKC_CHECK(status.ok());
                                   std::lock_guard<std::mutex> lock(mu);
                                   written = true;
                                   cv.notify_all();
                                 })
                  .ok());
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return written; });
    g_snapshot_stored_ms = std::chrono::duration<double, std::milli>(Clock::now() - copied).count();
  }
  while (workload.router().state().last_sequence().value() < events) {
    workload.MakeEvents(4096);
    flush();
  }
  durable.WaitFor(appends);
  log.reset();
  // A read-write open flushes what the write-ahead log still holds into table files, as a running
  // ekcd's log mostly is; without it every read-only open would first rebuild a memtable.
  OpenLog(path, false, storage::Durability::kOs).reset();
}

// One Append of `records` records, waited for at fsync durability: what one decision's answer
// waits for when the log is otherwise idle (one group, one sync).
void BM_AppendDurable(benchmark::State& state) {
  const std::string path = BenchFolder(fmt::format("append-{}", state.range(0)));
  std::filesystem::remove_all(path);
  std::unique_ptr<storage::EventLog> log = OpenLog(path, false, storage::Durability::kFsync);
  Workload workload;
  workload.MakeEvents(static_cast<uint64_t>(state.range(0)) * 4096);
  std::vector<v1::EventRecord> events = workload.TakeEvents();
  size_t next = 0;
  Durable durable;
  uint64_t appends = 0;
  std::vector<double> latency_us;
  for (auto _ : state) {
    const size_t count =
        std::min<size_t>(static_cast<size_t>(state.range(0)), events.size() - next);
    if (count == 0) break;
    std::vector<v1::EventRecord> batch(events.begin() + static_cast<long>(next),
                                       events.begin() + static_cast<long>(next + count));
    next += count;
    const auto start = Clock::now();
    EKC_CHECK(log->Append(std::move(batch), durable.Callback()).ok());
    durable.WaitFor(++appends);
    latency_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(latency_us.begin(), latency_us.end());
  if (!latency_us.empty()) {
    state.counters["p50_us"] = latency_us[latency_us.size() / 2];
    state.counters["p99_us"] = latency_us[latency_us.size() * 99 / 100];
  }
  state.SetItemsProcessed(static_cast<int64_t>(next));
  log.reset();
  std::filesystem::remove_all(path);
}
BENCHMARK(BM_AppendDurable)->Arg(1)->Arg(16)->Arg(256)->UseRealTime()->Iterations(2000);

// The core appends one decision after another without waiting (as ekcd does: answers wait, the
// core does not), with up to `in_flight` appends not yet durable. Group commit takes everything
// queued into one write and one sync: shows the records per group and append → durable latency.
void BM_GroupCommitPipelined(benchmark::State& state) {
  const std::string path = BenchFolder(fmt::format("pipelined-{}", state.range(0)));
  std::filesystem::remove_all(path);
  std::unique_ptr<storage::EventLog> log = OpenLog(path, false, storage::Durability::kFsync);
  const uint64_t in_flight = static_cast<uint64_t>(state.range(0));
  constexpr uint64_t kAppends = 20'000;
  Workload workload;
  workload.MakeEvents(kAppends * 3);
  std::vector<v1::EventRecord> events = workload.TakeEvents();
  std::vector<Clock::time_point> appended(kAppends);
  std::vector<double> latency_us(kAppends);
  std::atomic<uint64_t> durable_count{0};
  std::mutex mu;
  std::condition_variable cv;
  for (auto _ : state) {
    // Decisions of 3 events each (a submit and its offer, an accept, a completion).
    for (uint64_t a = 0; a < kAppends; ++a) {
      if (a >= in_flight) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return durable_count.load() + in_flight > a; });
      }
      std::vector<v1::EventRecord> batch(events.begin() + static_cast<long>(a * 3),
                                         events.begin() + static_cast<long>(a * 3 + 3));
      appended[a] = Clock::now();
      EKC_CHECK(log->Append(std::move(batch),
                            [&, a](Sequence, const absl::Status& status) {
                              EKC_CHECK(status.ok());
                              latency_us[a] = std::chrono::duration<double, std::micro>(
                                                  Clock::now() - appended[a])
                                                  .count();
                              std::lock_guard<std::mutex> lock(mu);
                              durable_count.fetch_add(1);
                              cv.notify_all();
                            })
                    .ok());
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return durable_count.load() == kAppends; });
  }
  const storage::EventLogStats stats = log->stats();
  std::sort(latency_us.begin(), latency_us.end());
  state.counters["records_per_group"] =
      static_cast<double>(stats.records_written) / static_cast<double>(stats.groups_written);
  state.counters["largest_group"] = static_cast<double>(stats.largest_group_records);
  state.counters["groups"] = static_cast<double>(stats.groups_written);
  state.counters["p50_us"] = latency_us[kAppends / 2];
  state.counters["p99_us"] = latency_us[kAppends * 99 / 100];
  state.SetItemsProcessed(static_cast<int64_t>(kAppends * 3));
  log.reset();
  std::filesystem::remove_all(path);
}
BENCHMARK(BM_GroupCommitPipelined)
    ->Arg(1)
    ->Arg(16)
    ->Arg(256)
    ->UseRealTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Reading and applying every event of a log into a fresh core, as a start without a snapshot does.
void BM_Replay(benchmark::State& state) {
  const uint64_t events = EnvNumber("EKC_BENCH_REPLAY_EVENTS", 1'000'000);
  const std::string path = BenchFolder(fmt::format("replay-{}-{}", kWorkloadVersion, events));
  MakeLog(path, events, 0);
  uint64_t replayed = 0;
  double apply_cpu_ms = 0;
  double read_cpu_ms = 0;
  for (auto _ : state) {
    std::unique_ptr<storage::EventLog> log = OpenLog(path, true, storage::Durability::kFsync);
    router::Router router(router::SingleQueueConfig());
    storage::RecoveryOptions options;
    options.use_snapshots = false;
    const double process_start = CpuMs(CLOCK_PROCESS_CPUTIME_ID);
    const double thread_start = CpuMs(CLOCK_THREAD_CPUTIME_ID);
    absl::StatusOr<storage::RecoveryReport> report = storage::Recover(
        *log, [](const v1::RouterSnapshot&) { return absl::OkStatus(); },
        [&](const v1::EventRecord& e) { return router.Replay(e); }, options);
    // This thread applies; the log's read-ahead thread reads, checks and decodes (and the process
    // does nothing else meanwhile).
    const double applying = CpuMs(CLOCK_THREAD_CPUTIME_ID) - thread_start;
    apply_cpu_ms += applying;
    read_cpu_ms += CpuMs(CLOCK_PROCESS_CPUTIME_ID) - process_start - applying;
    EKC_CHECK(report.ok());
    replayed += report->events_replayed;
    state.counters["replay_ms"] = static_cast<double>(report->replay_ms);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(replayed), benchmark::Counter::kIsRate);
  // CPU time per event of each of the two threads, and the rate the slower of them allows when each
  // has a core of its own (the wall-clock rate on a machine with other work is lower).
  const double per_event = 1e3 / static_cast<double>(std::max<uint64_t>(replayed, 1));
  state.counters["apply_us"] = apply_cpu_ms * per_event;
  state.counters["read_us"] = read_cpu_ms * per_event;
  state.counters["cpu_bound_per_s"] =
      static_cast<double>(replayed) / (std::max(apply_cpu_ms, read_cpu_ms) / 1e3);
}
BENCHMARK(BM_Replay)->UseRealTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// The log's share of a replay: reading, checking (CRC32C, continuity) and decoding every event,
// without applying it.
void BM_ReadDecode(benchmark::State& state) {
  const uint64_t events = EnvNumber("EKC_BENCH_REPLAY_EVENTS", 1'000'000);
  const std::string path = BenchFolder(fmt::format("replay-{}-{}", kWorkloadVersion, events));
  MakeLog(path, events, 0);
  uint64_t read = 0;
  for (auto _ : state) {
    std::unique_ptr<storage::EventLog> log = OpenLog(path, true, storage::Durability::kFsync);
    EKC_CHECK(log->ReadFrom(Sequence(0),
                            [&](const v1::EventRecord&) {
                              ++read;
                              return absl::OkStatus();
                            })
                  .ok());
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(read), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadDecode)->UseRealTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// A start of a large log: open, newest snapshot, the events after it — what ekcd does before it
// listens. Also reports the snapshot's size and how long taking one (ToSnapshot, on the core
// thread) and storing it (on the maintenance thread) took when the log was made.
void BM_Restart(benchmark::State& state) {
  const uint64_t events = EnvNumber("EKC_BENCH_RESTART_EVENTS", 1'000'000);
  const std::string path = BenchFolder(fmt::format("restart-{}-{}", kWorkloadVersion, events));
  MakeLog(path, events, kTailEvents);
  for (auto _ : state) {
    const auto start = Clock::now();
    std::unique_ptr<storage::EventLog> log = OpenLog(path, true, storage::Durability::kFsync);
    const auto opened = Clock::now();
    const router::RouterConfig config = router::SingleQueueConfig();
    router::Router router(config);
    absl::StatusOr<storage::RecoveryReport> report = storage::Recover(
        *log,
        [&](const v1::RouterSnapshot& snapshot) -> absl::Status {
          absl::StatusOr<router::RouterState> restored =
              router::RouterState::FromSnapshot(snapshot);
          if (!restored.ok()) return restored.status();
          router = router::Router(config, std::move(*restored));
          return absl::OkStatus();
        },
        [&](const v1::EventRecord& e) { return router.Replay(e); });
    EKC_CHECK(report.ok());
    EKC_CHECK(report->snapshot.value() > 0);
    state.counters["open_ms"] = std::chrono::duration<double, std::milli>(opened - start).count();
    state.counters["snapshot_ms"] = static_cast<double>(report->snapshot_ms);
    state.counters["tail_events"] = static_cast<double>(report->events_replayed);
    state.counters["tail_ms"] = static_cast<double>(report->replay_ms);
    state.counters["total_ms"] =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    state.counters["contacts"] = static_cast<double>(router.state().contacts().size());
    absl::StatusOr<std::vector<storage::SnapshotInfo>> infos = log->ListSnapshots();
    if (infos.ok() && !infos->empty()) {
      state.counters["snapshot_MB"] = static_cast<double>((*infos)[0].payload_bytes) / 1e6;
    }
  }
  state.counters["events"] = static_cast<double>(events);
  if (g_to_snapshot_ms > 0) {
    state.counters["to_snapshot_ms"] = g_to_snapshot_ms;
    state.counters["snapshot_store_ms"] = g_snapshot_stored_ms;
  }
}
BENCHMARK(BM_Restart)->UseRealTime()->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ekc::bench

BENCHMARK_MAIN();
