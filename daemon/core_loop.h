#pragma once

// CoreLoop: the one thread that owns the routing core. gRPC reactors post commands to it; it
// decides them (router::Router::Execute), hands the events to the event log, and sends answers and
// pushes only once the log says those events are durable (the write-ahead rule,
// docs/architecture.md). It also runs the core's timers: after every command it arms one Boost.Asio
// timer for the state's next wake-up and feeds a Tick stamped with the wall clock when it fires.
//
// Answers wait for durability even when a command made no events (a refusal, a duplicate submit, a
// read): they reflect a state that includes events still in flight, and nothing may be said about
// those before they are on disk. An answer is released once everything decided before it is
// durable.
//
// When the log fails (a write or sync error) the loop stops acknowledging for good: every pending
// and later answer gets UNAVAILABLE with the log's error, and `writable()` turns false. Recovery is
// a restart.
//
// Threads: Execute/Post/Read from any thread; the callbacks they take run on the core thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"

#include "daemon/push_hub.h"
#include "router/router.h"
#include "storage/event_log.h"

namespace ekc::daemon {

// Commands posted to the core and not yet decided, at most; past it Execute answers
// RESOURCE_EXHAUSTED.
inline constexpr int kCoreQueuedCommandsMax = 65'536;
// How often release builds check the routing state's invariants (an O(contacts + operators) walk).
inline constexpr std::chrono::seconds kWatchdogInterval{60};
// The log must have room for this many records before a command is decided: more than any one
// command makes (a command's own events plus its system steps).
inline constexpr size_t kEventsPerCommandMax = 4 * router::kSystemStepsPerCommandMax + 1024;

class CoreLoop {
 public:
  // Runs once the events decided so far are durable (status OK) or can never be (UNAVAILABLE).
  using Effect = std::function<void(const absl::Status& durability)>;
  // Runs on the core thread right after a command was decided (refused or not), while the state is
  // exactly as the command left it (core.state()); returns what to do once that is durable (may be
  // empty).
  using OnDecided = std::function<Effect(const router::ExecuteResult&, CoreLoop& core)>;
  // Runs on the core thread; reads the state (and the hub); returns what to do once the events
  // decided so far are durable.
  using Reader = std::function<Effect(CoreLoop&)>;

  // `router` has replayed the log already; `log` outlives the loop.
  CoreLoop(router::Router router, storage::EventLog& log);
  ~CoreLoop();
  CoreLoop(const CoreLoop&) = delete;
  CoreLoop& operator=(const CoreLoop&) = delete;

  // Starts the core thread. Its first command is Recover (every operator of the replayed state has
  // lost their stream), then a Tick (timers that fell due while ekcd was down).
  void Start();
  // Refuses new commands, waits (bounded) until what was decided is durable, and joins the thread.
  void Stop();

  // Any thread. RESOURCE_EXHAUSTED when too many commands are queued, UNAVAILABLE when stopping;
  // the callback is then not called.
  absl::Status Execute(router::Command command, OnDecided on_decided);
  // Any thread: reads the state on the core thread. Errors as for Execute.
  absl::Status Read(Reader reader);
  // Any thread: runs `work` on the core thread (for the daemon's own bookkeeping, e.g. a closed
  // stream).
  void Post(std::function<void(CoreLoop&)> work);

  // Core thread only.
  // Decides a command now (from within Post'ed work or a callback).
  void RunCommand(router::Command command, OnDecided on_decided);
  PushHub& hub() { return hub_; }
  const router::RouterState& state() const { return router_.state(); }
  const router::RouterConfig& config() const { return router_.config(); }

  // Called once, on the core thread, when the log fails (e.g. to turn health to NOT_SERVING). Set
  // before Start.
  void set_on_failure(std::function<void(const absl::Status&)> on_failure) {
    on_failure_ = std::move(on_failure);
  }

  // Called on the core thread with the events of every command that made some, right after they
  // were applied and before they go to the log (e.g. to mark the dashboard changed, to note
  // supervisor actions for the audit panel). What it sends to clients must wait for durability
  // (WhenDurable). Set before Start.
  void set_on_events(
      std::function<void(const std::vector<ekc::v1::EventRecord>&, CoreLoop&)> on_events) {
    on_events_ = std::move(on_events);
  }

  // Core thread only: runs `effect` once everything decided so far is durable (or with the log's
  // error when it never will be) — for pushes the daemon makes of its own accord, such as dashboard
  // snapshots.
  void WhenDurable(Effect effect);
  // Core thread only: the core's io_context, for timers of the daemon's own bookkeeping that must
  // run on the core thread (the dashboard's coalescing timer). Never run or stop it.
  boost::asio::io_context& io_context() { return io_; }

  // Called on the core thread after every command, once its events were handed to the log (e.g.
  // to take a snapshot every N events). Set before Start.
  void set_after_command(std::function<void(CoreLoop&)> after_command) {
    after_command_ = std::move(after_command);
  }

  // Calls `beat` on the core thread every `interval` while the loop runs: proof that the core
  // thread is alive and turning (systemd's WATCHDOG=1). Set before Start.
  void set_heartbeat(std::chrono::milliseconds interval, std::function<void()> beat) {
    heartbeat_interval_ = interval;
    heartbeat_beat_ = std::move(beat);
  }

  // Any thread.
  bool writable() const { return writable_.load(std::memory_order_acquire); }
  // Times the watchdog found the routing state in an impossible state (router/invariants.h).
  uint64_t watchdog_failures() const { return watchdog_failures_.load(std::memory_order_acquire); }
  uint64_t decided_sequence() const { return decided_sequence_.load(std::memory_order_acquire); }

 private:
  struct Pending {
    uint64_t sequence;  // released once this is durable
    Effect effect;
  };

  // The log's callbacks reach the core through this: they run on the log's writer thread and may
  // come after Stop (a drain that timed out), when the loop must no longer be touched.
  class LogBridge {
   public:
    explicit LogBridge(CoreLoop* core) : core_(core) {}
    void Post(std::function<void(CoreLoop&)> work);
    void Close();

   private:
    std::mutex mu_;
    CoreLoop* core_;
  };

  void OnDurable(uint64_t durable, const absl::Status& status);
  void Release();
  void Fail(const absl::Status& status);
  void ArmTimer();
  void OnTimer();
  // The stuck-state watchdog: every kWatchdogInterval the invariants are checked on the core thread
  // and a breach is logged and counted (debug builds check after every command).
  void ArmWatchdog();
  void ArmHeartbeat();
  absl::Status Admit();

  router::Router router_;
  storage::EventLog& log_;
  PushHub hub_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  int64_t timer_at_unix_ms_ = 0;  // what the timer is armed for; 0 = not armed
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer heartbeat_;
  std::chrono::milliseconds heartbeat_interval_{0};
  std::function<void()> heartbeat_beat_;
  std::thread thread_;
  std::shared_ptr<LogBridge> bridge_;

  std::deque<Pending> pending_;
  uint64_t durable_ = 0;
  absl::Status failure_;  // sticky
  std::function<void(const absl::Status&)> on_failure_;
  std::function<void(CoreLoop&)> after_command_;
  std::function<void(const std::vector<ekc::v1::EventRecord>&, CoreLoop&)> on_events_;
  bool stopping_ = false;

  std::atomic<int> queued_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> writable_{true};
  std::atomic<uint64_t> decided_sequence_{0};
  std::atomic<uint64_t> watchdog_failures_{0};
};

}  // namespace ekc::daemon
