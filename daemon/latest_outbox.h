#pragma once

// LatestOutbox: the sending end of a stream whose messages each replace the one before — dashboard
// snapshots. Unlike Outbox (every message matters, a slow reader is cut off), it keeps at most one
// message waiting besides the one being written, and a newer message replaces the waiting one: a
// slow reader skips snapshots but always gets the latest, and never holds more than two in memory.
// The core hands it messages without ever waiting for the reader.
//
// Threads: Send and Close from any thread; OnWriteDone and Detach from the reactor (Detach in
// OnDone, before the reactor is deleted; every later call is a no-op).

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include <grpcpp/support/status.h>

namespace ekc::daemon {

template <typename Message>
class LatestOutbox {
 public:
  using StartWrite = std::function<void(const Message*)>;
  using Finish = std::function<void(const grpc::Status&)>;

  LatestOutbox(StartWrite start_write, Finish finish)
      : start_write_(std::move(start_write)), finish_(std::move(finish)) {}

  // Writes the message now, or keeps it for when the write in flight is done (replacing a message
  // kept before). False once the stream is closing or gone.
  bool Send(Message message) {
    const Message* to_write = nullptr;
    {
      std::lock_guard lock(mu_);
      if (detached_ || closing_) return false;
      if (writing_) {
        if (waiting_) ++replaced_;
        waiting_ = std::move(message);
        return true;
      }
      writing_ = true;
      in_flight_ = std::move(message);
      to_write = &*in_flight_;
    }
    start_write_(to_write);
    return true;
  }

  // Finishes the stream with `status` after the write in flight (a waiting message is dropped: the
  // stream ends). Only the first call counts.
  void Close(grpc::Status status) {
    {
      std::lock_guard lock(mu_);
      if (detached_ || closing_) return;
      closing_ = true;
      close_status_ = std::move(status);
      waiting_.reset();
      if (writing_) return;  // OnWriteDone finishes
      finished_ = true;
    }
    finish_(close_status_);
  }

  // The reactor's OnWriteDone.
  void OnWriteDone(bool ok) {
    const Message* next = nullptr;
    bool finish_now = false;
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok && !closing_) {  // the stream broke: nothing more will be written
        closing_ = true;
        close_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke");
        waiting_.reset();
      }
      if (waiting_ && !closing_) {
        in_flight_ = std::move(waiting_);
        waiting_.reset();
        writing_ = true;
        next = &*in_flight_;
      } else if (closing_ && !finished_) {
        finished_ = true;
        finish_now = true;
      }
    }
    if (next != nullptr) start_write_(next);
    if (finish_now) finish_(close_status_);
  }

  // The reactor's OnDone: the stream is gone.
  void Detach() {
    std::lock_guard lock(mu_);
    detached_ = true;
    waiting_.reset();
  }

  // Messages replaced before they were written (a slow reader), for tests and logs.
  uint64_t replaced() const {
    std::lock_guard lock(mu_);
    return replaced_;
  }

 private:
  const StartWrite start_write_;
  const Finish finish_;
  mutable std::mutex mu_;
  std::optional<Message> in_flight_;  // alive until its write is done (gRPC reads it meanwhile)
  std::optional<Message> waiting_;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool detached_ = false;
  uint64_t replaced_ = 0;
  grpc::Status close_status_;
};

}  // namespace ekc::daemon
