#include "tools/ekc_load/scheduler.h"

namespace ekc::load {

Scheduler::Scheduler(size_t pending_max) : pending_max_(pending_max), thread_([this] { Run(); }) {}

Scheduler::~Scheduler() { Stop(); }

bool Scheduler::At(Clock::time_point when, std::function<void()> action) {
  std::lock_guard lock(mu_);
  if (stopping_ || items_.size() >= pending_max_) return false;
  const bool earliest = items_.empty() || when < items_.top().when;
  items_.push(Item{when, next_order_++, std::move(action)});
  if (earliest) wake_.notify_one();
  return true;
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  while (!items_.empty()) items_.pop();
}

size_t Scheduler::pending() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

void Scheduler::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (items_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point when = items_.top().when;
    if (Clock::now() < when) {
      wake_.wait_until(lock, when);
      continue;
    }
    // priority_queue::top is const; the action is moved out through a copy of the handle.
    std::function<void()> action = std::move(const_cast<Item&>(items_.top()).action);
    items_.pop();
    lock.unlock();
    action();
    lock.lock();
  }
}

}  // namespace ekc::load
