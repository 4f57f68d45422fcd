#pragma once

// Citizens: the intake side of a run. They submit contacts over ContactIntake.SubmitContact —
// open loop (Poisson arrivals at --rate, latency measured from each arrival's intended time) or
// closed loop (--max: `concurrency` citizens, each sending its next contact when the previous one
// is resolved) — and, with --patience, hang up (CancelContact) when nobody answered in time.
//
// A closed-loop citizen's contact is resolved when its SubmitContact is answered if the run has no
// operators and no patience (a pure submit benchmark), and otherwise when it is completed or
// abandoned (a lifecycle benchmark: the number of contacts in the system stays `concurrency`).
//
// Threads: Run() on the caller's thread (it paces the open loop); answers arrive on gRPC's callback
// threads; cancels fire on the scheduler's thread. Resolve() may be called from any of them.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/intake.grpc.pb.h"

#include "tools/ekc_load/corpus.h"
#include "tools/ekc_load/options.h"
#include "tools/ekc_load/run_state.h"
#include "tools/ekc_load/scheduler.h"

namespace ekc::load {

// Sets the deadline and, with a token, the bearer metadata of a call.
void PrepareContext(grpc::ClientContext& context, const LoadOptions& options);

class Citizens {
 public:
  Citizens(const LoadOptions& options, const Corpus& corpus, std::string run_id,
           std::vector<std::shared_ptr<grpc::Channel>> channels, ContactTable& table,
           RunMetrics& metrics, Scheduler& scheduler);
  ~Citizens();
  Citizens(const Citizens&) = delete;
  Citizens& operator=(const Citizens&) = delete;

  // Submits until --duration or --contacts is reached; returns when the last submit is sent.
  void Run();
  // Waits (until `deadline`) for every submit to be answered; false if some were not.
  bool WaitAnswered(std::chrono::steady_clock::time_point deadline);

  // A contact is done: completed (by an operator), abandoned, or failed. Idempotent per contact.
  void Resolve(uint64_t seq, ContactPhase phase);

  uint64_t submitted() const { return submitted_.load(); }
  uint64_t acked() const { return acked_.load(); }
  int64_t first_send_ns() const { return first_send_ns_; }
  int64_t last_send_ns() const { return last_send_ns_.load(); }
  int64_t last_ack_ns() const { return last_ack_ns_.load(); }
  int in_flight() const { return in_flight_.load(); }
  // Stops starting new contacts (a closed loop's citizens finish what they hold).
  void StopSubmitting() { stopping_.store(true); }

 private:
  struct SubmitCall;
  struct CancelCall;

  bool MaySubmitMore() const;
  // Counts one more submit unless --contacts is reached.
  bool TakeTicket();
  // Closed loop: one citizen takes its next turn, or retires when the run is over.
  void NextTurn();
  void Submit(uint64_t seq, int64_t intended_ns);
  void OnSubmitted(SubmitCall* call, const grpc::Status& status);
  void Cancel(uint64_t seq);
  void OnCancelled(CancelCall* call, const grpc::Status& status);
  void SubmitDone();

  const LoadOptions& options_;
  const Corpus& corpus_;
  const std::string run_id_;
  std::vector<std::unique_ptr<ekc::v1::ContactIntake::Stub>> stubs_;
  ContactTable& table_;
  RunMetrics& metrics_;
  Scheduler& scheduler_;
  const bool release_at_ack_;  // closed loop: a citizen's turn ends with the answer to its submit

  int64_t first_send_ns_ = 0;
  int64_t end_ns_ = 0;  // no submit is started after this
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> acked_{0};
  std::atomic<int64_t> last_send_ns_{0};
  std::atomic<int64_t> last_ack_ns_{0};
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::condition_variable changed_;
  std::atomic<int> in_flight_{0};  // submits and cancels awaiting answers (changes under mu_)
  int citizens_active_ = 0;        // closed loop: citizens not yet retired (under mu_)
};

}  // namespace ekc::load
