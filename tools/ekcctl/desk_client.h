#pragma once

// DeskClient: `ekcctl operator`, a bare-bones softphone on one OperatorDesk.Connect stream.
//
// It logs in, prints everything ekcd says, answers offers (at once with --auto-accept, otherwise
// with the person's y/n typed on the terminal), completes each assigned contact after --handle-s
// seconds (and with --wrap-up-s ends the wrap-up early), sends a heartbeat every 10 s, and on
// Ctrl-C (or after --max-contacts completed contacts) completes what it still holds, logs out,
// waits for the logout's answer, half-closes the stream and waits a bounded time for ekcd to end
// it.
//
// The logout's answer is awaited before the half-close because ekcd ends the stream as soon as the
// client half-closes, and answers still on their way are dropped.
//
// Threads:
// - the caller's thread (Run) keeps the clock: heartbeats, due completions, the login and logout
//   deadlines, and Ctrl-C (a signal handler can only bump a counter, so it looks every 100 ms);
// - a reader thread reads the stream and reacts to each message at once (auto-accept, scheduling);
// - without --auto-accept, a LineReader thread takes what is typed on the terminal.
// gRPC's synchronous streams allow one writer at a time: every write goes through Send(), under
// write_mu_. mu_ guards the rest of the shared state and is never held while writing to the stream.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/operator_desk.grpc.pb.h"

#include "tools/ekcctl/line_reader.h"
#include "tools/ekcctl/operator_options.h"
#include "tools/ekcctl/output.h"

namespace ekc::ctl {

class DeskClient {
 public:
  DeskClient(const std::shared_ptr<grpc::Channel>& channel, ekc::v1::Login login,
             const OperatorOptions& options, int timeout_s, Printer& printer);
  DeskClient(const DeskClient&) = delete;
  DeskClient& operator=(const DeskClient&) = delete;
  ~DeskClient();

  // Runs the desk to its end; returns the exit code (0 after Ctrl-C or --max-contacts, 1 when the
  // login is refused or ekcd ends the stream with an error).
  int Run();

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kLoggingIn, kWorking, kLoggingOut };

  // Any thread: numbers the request, remembers it until answered, prints and writes it.
  void Send(ekc::v1::DeskRequest request);
  void PrintSent(const ekc::v1::DeskRequest& request);
  void RequestStopLocked(std::string reason);

  // Reader thread.
  void ReadEvents();
  void OnEvent(const ekc::v1::DeskEvent& event);
  std::optional<ekc::v1::DeskRequest> TakeUnanswered(uint64_t request_id);
  void PrintEvent(const ekc::v1::DeskEvent& event, const ekc::v1::DeskRequest* answered);
  void OnLoggedIn();
  void OnOffer(const ekc::v1::Offer& offer);
  void OnOfferRevoked(uint64_t contact_id);
  void OnAssignment(const ekc::v1::Assignment& assignment);
  void OnAck(const ekc::v1::DeskRequest& answered);
  void OnError(const ekc::v1::DeskError& error, const ekc::v1::DeskRequest& answered);

  // Terminal thread.
  void OnLine(const std::string& line);
  void AnswerOffer(bool accept);
  void OnInputEnd();
  void Prompt(uint64_t contact_id);

  // Caller's thread.
  void RunTimers();
  Clock::time_point NextDueLocked() const;
  std::vector<ekc::v1::DeskRequest> TakeDueRequestsLocked(Clock::time_point now);
  int Close();
  int ExitCode(const grpc::Status& finish_status);

  const ekc::v1::Login login_;
  const OperatorOptions options_;
  const std::chrono::seconds timeout_;
  Printer& printer_;
  std::unique_ptr<ekc::v1::OperatorDesk::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<ekc::v1::DeskRequest, ekc::v1::DeskEvent>> stream_;
  std::thread reader_;
  LineReader terminal_;

  std::mutex write_mu_;
  bool writes_done_ = false;  // guarded by write_mu_

  std::mutex mu_;
  std::condition_variable changed_;
  Phase phase_ = Phase::kLoggingIn;
  uint64_t next_request_id_ = 1;
  std::map<uint64_t, ekc::v1::DeskRequest> unanswered_;  // by request id
  std::map<uint64_t, Clock::time_point> completes_due_;  // contact id → when to send Complete
  std::optional<Clock::time_point> ready_due_;           // when to end the wrap-up (--wrap-up-s)
  std::deque<uint64_t> offers_to_answer_;                // waiting for y/n, oldest first
  bool input_ended_ = false;
  int completed_ = 0;
  std::string stop_reason_;  // set: log out and end (Ctrl-C, --max-contacts, "quit")
  bool logout_answered_ = false;
  bool stream_ended_ = false;
  std::optional<grpc::Status> failure_;  // ends the run with this error
  int interrupts_seen_ = 0;
  Clock::time_point heartbeat_due_;
  Clock::time_point phase_deadline_;  // the login or the logout must be answered by then
};

}  // namespace ekc::ctl
