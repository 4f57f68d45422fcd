#pragma once

// Outbox: the sending end of a server stream, shared by its gRPC reactor and the core thread.
//
// gRPC allows one write in flight per stream; the core produces messages whenever events become
// durable. The outbox queues them (up to a bound), keeps exactly one write in flight, and finishes
// the stream after what is queued has been written. A client too slow to keep up (queue full) gets
// its stream finished with RESOURCE_EXHAUSTED rather than unbounded memory.
//
// Threads: Send and Close from any thread; OnWriteDone and Detach from the reactor. The reactor
// calls Detach in OnDone, before it is deleted; after that every call is a no-op, so the core may
// hold the outbox longer than the stream lives.

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include <grpcpp/support/status.h>

namespace ekc::daemon {

template <typename Message>
class Outbox {
 public:
  using StartWrite = std::function<void(const Message*)>;
  using Finish = std::function<void(const grpc::Status&)>;

  Outbox(size_t queued_max, StartWrite start_write, Finish finish)
      : queued_max_(queued_max), start_write_(std::move(start_write)), finish_(std::move(finish)) {}

  // Queues a message. False when the stream is closing or gone, or the queue is full (the stream
  // then finishes with RESOURCE_EXHAUSTED once what is queued is written).
  bool Send(Message message) {
    const Message* to_write = nullptr;
    {
      std::lock_guard lock(mu_);
      if (detached_ || closing_) return false;
      if (queue_.size() >= queued_max_) {
        closing_ = true;
        close_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                     "the client reads too slowly: its send queue is full");
        return false;  // a write is in flight (the queue is not empty): its completion finishes
      }
      queue_.push_back(std::move(message));
      if (!writing_) {
        writing_ = true;
        to_write = &queue_.front();  // deque::push_back keeps references to elements valid
      }
    }
    if (to_write != nullptr) start_write_(to_write);
    return true;
  }

  // Finishes the stream with `status` after the queued messages are written. Only the first call
  // counts.
  void Close(grpc::Status status) {
    {
      std::lock_guard lock(mu_);
      if (detached_ || closing_) return;
      closing_ = true;
      close_status_ = std::move(status);
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
      queue_.pop_front();
      writing_ = false;
      if (!ok) {  // the stream is broken: nothing more will be written
        queue_.clear();
        if (!closing_) {
          closing_ = true;
          close_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke");
        }
      }
      if (!queue_.empty()) {
        writing_ = true;
        next = &queue_.front();
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
    queue_.clear();
  }

  bool closing() const {
    std::lock_guard lock(mu_);
    return closing_ || detached_;
  }

 private:
  const size_t queued_max_;
  const StartWrite start_write_;
  const Finish finish_;
  mutable std::mutex mu_;
  std::deque<Message> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool detached_ = false;
  grpc::Status close_status_;
};

}  // namespace ekc::daemon
