// The routing core's speed: decide + apply in a busy centre — N operators all working, W contacts
// waiting across 50 queues — and the memory a waiting contact costs.
//
//   build/tests/bench/bench_router --benchmark_counters_tabular=true
//
// Each iteration is one operator's cycle: Complete (the contact ends, the operator is free and is
// offered the best waiting contact of their queues), Accept, and a new Submit that keeps the line
// as long as it was. Events per second count every event the core emitted.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <malloc.h>

#include "base/check.h"
#include "router/router.h"

namespace ekc::router {
namespace {

namespace v1 = ekc::v1;

constexpr int kQueues = 50;
const std::string kText =
    "Здравствуйте! У меня двое детей, младшему полтора года, муж потерял работу. Подскажите, какие "
    "пособия нам положены и как подать заявление?";

RouterConfig Config() {
  RouterConfig config;
  for (int q = 0; q < kQueues; ++q) {
    const std::string name = "q" + std::to_string(q);
    config.queues.push_back(QueueConfig{.name = name,
                                        .situations = {"s" + std::to_string(q)},
                                        .skills = {"skill" + std::to_string(q)},
                                        .offer_timeout_ms = 3'600'000,
                                        .wrap_up_ms = 0,
                                        .waiting_max = 1'000'000});
  }
  config.default_queue = "q0";
  return config;
}

class Centre {
 public:
  Centre(int operators, int waiting) : router_(Config()), rng_(42) {
    for (int i = 0; i < operators; ++i) Login(i);
    // The operators take what their skills find; the rest waits.
    for (int i = 0; i < operators + waiting; ++i) Submit();
  }

  // One operator's cycle; returns the events it took. Not inlined, so that callgrind can count
  // it alone (--toggle-collect='*Centre::Cycle*', docs/performance.md).
  [[gnu::noinline]] size_t Cycle() {
    // The next operator in a conversation (bounded: a few may be free, finding nothing in their
    // lines).
    const Operator* op = nullptr;
    for (size_t tries = 0; tries < ids_.size() && op == nullptr; ++tries) {
      const Operator* candidate = router_.state().FindOperator(ids_[next_++ % ids_.size()]);
      if (!candidate->active.empty()) op = candidate;
    }
    EKC_CHECK(op != nullptr);
    return Run(command::Complete{op->id, op->active.front(), "served", ""}) + Submit();
  }

  const RouterState& state() const { return router_.state(); }

 private:
  static std::string Id(int i) { return "op" + std::to_string(i); }

  // Executes a command; the operators accept every offer it makes at once.
  size_t Run(CommandBody body) {
    now_ += 10;
    Command c{.now_unix_ms = now_};
    c.body = std::move(body);
    ExecuteResult r = router_.Execute(c);
    EKC_CHECK(r.status.ok());
    size_t events = r.events.size();
    for (const v1::EventRecord& e : r.events) {
      if (e.has_contact_offered()) {
        events += Run(command::Accept{OperatorId(e.operator_id()), ContactId(e.contact_id())});
      }
    }
    return events;
  }

  void Login(int i) {
    command::Login l{.operator_id = OperatorId(Id(i)), .ready = true};
    // Two or three of the 50 skills each, so that every queue is staffed.
    for (int k = 0; k < 2 + i % 2; ++k) {
      v1::Skill s;
      s.set_name("skill" + std::to_string((i * 7 + k * 13) % kQueues));
      s.set_proficiency(5);
      l.skills.push_back(s);
    }
    ids_.push_back(l.operator_id);
    Run(std::move(l));
  }

  size_t Submit() {
    command::Submit s{.idempotency_key = "k" + std::to_string(submitted_++),
                      .request_fingerprint = submitted_,
                      .channel = v1::CHANNEL_VOICE,
                      .region = "77",
                      .text = kText};
    auto* situation = s.classification.add_situations();
    situation->set_code("s" + std::to_string(rng_() % kQueues));
    s.classification.set_priority(rng_() % 10 == 0 ? v1::PRIORITY_HIGH : v1::PRIORITY_NORMAL);
    return Run(std::move(s));
  }

  Router router_;
  std::mt19937 rng_;
  std::vector<OperatorId> ids_;
  int64_t now_ = 1'700'000'000'000;
  uint64_t submitted_ = 0;
  size_t next_ = 0;
};

void BM_DecideApply(benchmark::State& bench) {
  const int operators = static_cast<int>(bench.range(0));
  const int waiting = static_cast<int>(bench.range(1));
  Centre centre(operators, waiting);
  size_t events = 0;
  for (auto _ : bench) events += centre.Cycle();
  bench.SetItemsProcessed(static_cast<int64_t>(events));
  bench.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  bench.counters["waiting"] = centre.state().WaitingCount();
}
BENCHMARK(BM_DecideApply)
    ->ArgNames({"operators", "waiting"})
    ->Args({10'000, 1'000})
    ->Args({10'000, 10'000})
    ->Args({10'000, 100'000})
    ->Args({1'000, 100'000})
    ->Unit(benchmark::kMicrosecond);

// Bytes allocated: from the heap's arenas and, for large blocks such as hash tables' bucket
// arrays, mapped on their own (which `uordblks` alone leaves out).
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// What a waiting contact costs: the heap grown by submitting them, per contact (text of ~200
// bytes).
void BM_MemoryPerWaitingContact(benchmark::State& bench) {
  const int waiting = static_cast<int>(bench.range(0));
  for (auto _ : bench) {
    const size_t before = HeapInUse();
    auto centre = std::make_unique<Centre>(0, waiting);
    const size_t after = HeapInUse();
    bench.counters["bytes_per_waiting_contact"] = static_cast<double>(after - before) / waiting;
    benchmark::DoNotOptimize(centre);
  }
}
BENCHMARK(BM_MemoryPerWaitingContact)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ekc::router

BENCHMARK_MAIN();
