#pragma once

// DeskClient: an operator's desk stream for tests — a real OperatorDesk.Connect call with a reader
// thread that queues what the server sends, and bounded waits for the next message of a kind.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/operator_desk.grpc.pb.h"

namespace ekc::testing {

class DeskClient {
 public:
  explicit DeskClient(const std::shared_ptr<grpc::Channel>& channel);
  ~DeskClient();  // cancels the call if it is still open

  // Sends a request with the next request id; returns that id.
  uint64_t Send(ekc::v1::DeskRequest request);
  uint64_t Login(const std::string& operator_id, const std::vector<std::string>& skills,
                 bool ready = true);
  uint64_t Accept(uint64_t contact_id);
  uint64_t Decline(uint64_t contact_id);
  uint64_t Complete(uint64_t contact_id, const std::string& outcome = "consulted");

  // The next message (in arrival order) for which `match` is true; earlier non-matching messages
  // are dropped. nullopt after `timeout` or when the stream ended.
  template <typename Match>
  std::optional<ekc::v1::DeskEvent> WaitFor(
      Match match, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<ekc::v1::DeskEvent> WaitForKind(
      ekc::v1::DeskEvent::KindCase kind,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The answer to a request (matched by request id).
  std::optional<ekc::v1::DeskEvent> WaitForAnswer(
      uint64_t request_id, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Closes our side and waits for the server's status.
  grpc::Status Close(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The status the stream ended with, once it ended (waits up to `timeout`).
  std::optional<grpc::Status> Ended(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  void ReadLoop();

  grpc::ClientContext context_;
  std::unique_ptr<ekc::v1::OperatorDesk::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<ekc::v1::DeskRequest, ekc::v1::DeskEvent>> stream_;
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ekc::v1::DeskEvent> received_;
  bool ended_ = false;
  std::optional<grpc::Status> status_;
  bool writes_done_ = false;
  uint64_t next_request_id_ = 1;
  std::thread reader_;
};

template <typename Match>
std::optional<ekc::v1::DeskEvent> DeskClient::WaitFor(Match match,
                                                      std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (!received_.empty()) {
      ekc::v1::DeskEvent e = std::move(received_.front());
      received_.pop_front();
      if (match(e)) return e;
    }
    if (ended_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && received_.empty())
      return std::nullopt;
  }
}

}  // namespace ekc::testing
