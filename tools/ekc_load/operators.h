#pragma once

// Operators: the softphones of a run, one OperatorDesk.Connect stream each (a gRPC callback
// reactor, so that 10 000 of them need no thread each). A simulated operator logs in ready with
// --skills, accepts every offer after --accept-delay, talks for an exponential time of mean --aht,
// completes with outcome "consulted", and — with --wrap-up — ends its wrap-up that long after
// (ChangeState AVAILABLE); otherwise the queue's wrap-up time decides. It sends a heartbeat every
// 10 s, and at the end completes what it holds, logs out, half-closes and waits for ekcd to end the
// stream.
//
// A contact of this run is recognised by its kSequenceAttribute; an offer of any other contact
// (left waiting by an earlier run on the same ekcd) is served the same way and counted apart, so
// that it cannot pollute this run's figures.
//
// Threads: reactions run on gRPC's callback threads, delayed actions on the scheduler's. Each
// stream keeps one write in flight, with a capped outbox (kOutboxMax) under its own mutex; a mutex
// is never held while calling into gRPC.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/operator_desk.grpc.pb.h"

#include "tools/ekc_load/options.h"
#include "tools/ekc_load/run_state.h"
#include "tools/ekc_load/scheduler.h"

namespace ekc::load {

class DeskStream;

class Operators {
 public:
  using ResolveFn = std::function<void(uint64_t seq, ContactPhase phase)>;

  Operators(const LoadOptions& options, std::string run_id,
            std::vector<std::shared_ptr<grpc::Channel>> channels, ContactTable& table,
            RunMetrics& metrics, Scheduler& scheduler, ResolveFn resolve);
  ~Operators();
  Operators(const Operators&) = delete;
  Operators& operator=(const Operators&) = delete;

  // Opens every stream and logs in; waits until all are logged in or the deadline passes.
  absl::Status LogIn(std::chrono::steady_clock::time_point deadline);
  // Completes what is held, logs out and waits (until the deadline) for every stream to end;
  // streams still open then are cancelled.
  void LogOut(std::chrono::steady_clock::time_point deadline);

  int logged_in() const;

  // For the streams.
  void OnLoggedIn();
  void OnStreamDone(bool ok);
  const LoadOptions& options() const { return options_; }
  const std::string& run_id() const { return run_id_; }
  ContactTable& table() { return table_; }
  RunMetrics& metrics() { return metrics_; }
  Scheduler& scheduler() { return scheduler_; }
  void Resolve(uint64_t seq, ContactPhase phase) { resolve_(seq, phase); }

 private:
  const LoadOptions options_;
  const std::string run_id_;
  std::vector<std::unique_ptr<ekc::v1::OperatorDesk::Stub>> stubs_;
  ContactTable& table_;
  RunMetrics& metrics_;
  Scheduler& scheduler_;
  ResolveFn resolve_;
  std::vector<std::unique_ptr<DeskStream>> streams_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  int logged_in_ = 0;
  int done_ = 0;
};

}  // namespace ekc::load
