#pragma once

// Scheduler: one thread that runs small actions at given times on the steady clock — the operators'
// accept delays, talk times, wrap-ups and heartbeats, and the citizens' patience. Actions must be
// short and must not block (they start an asynchronous gRPC operation, or update a table).
//
// Bounded: at most `pending_max` actions wait at once; At() beyond that refuses (returns false) and
// the caller counts it as an error of the run rather than letting memory grow.
//
// Threads: At() from any thread; actions run on the scheduler's thread, in time order (ties in the
// order they were added). Stop() drops what has not run yet and joins.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace ekc::load {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Scheduler(size_t pending_max);
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `action` at `when` (at once when it is past). False when stopped or full.
  bool At(Clock::time_point when, std::function<void()> action);
  bool After(std::chrono::nanoseconds delay, std::function<void()> action) {
    return At(Clock::now() + delay, std::move(action));
  }
  void Stop();
  size_t pending() const;

 private:
  struct Item {
    Clock::time_point when;
    uint64_t order;
    std::function<void()> action;
    bool operator>(const Item& other) const {
      return when != other.when ? when > other.when : order > other.order;
    }
  };
  void Run();

  const size_t pending_max_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> items_;
  uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ekc::load
