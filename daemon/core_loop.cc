#include "daemon/core_loop.h"

#include <algorithm>
#include <chrono>
#include <future>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/absl_fmt.h"
#include "base/check.h"
#include "daemon/clock.h"
#include "router/invariants.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

// How long Stop waits for the last events to become durable before giving up on them.
constexpr auto kStopDrainTimeout = std::chrono::seconds(10);

router::Command SystemCommand(router::CommandBody body) {
  router::Command c{.now_unix_ms = WallClockUnixMs()};
  c.actor.set_kind(v1::ACTOR_KIND_SYSTEM);
  c.body = std::move(body);
  return c;
}

}  // namespace

CoreLoop::CoreLoop(router::Router router, storage::EventLog& log)
    : router_(std::move(router)),
      log_(log),
      work_(boost::asio::make_work_guard(io_)),
      timer_(io_),
      watchdog_(io_),
      heartbeat_(io_),
      bridge_(std::make_shared<LogBridge>(this)) {
  durable_ = log_.durable_sequence().value();
  decided_sequence_ = router_.state().last_sequence().value();
  EKC_CHECK(durable_ == decided_sequence_);
}

CoreLoop::~CoreLoop() {
  Stop();
  bridge_->Close();
}

void CoreLoop::LogBridge::Post(std::function<void(CoreLoop&)> work) {
  std::lock_guard lock(mu_);
  if (core_ != nullptr) core_->Post(std::move(work));
}

void CoreLoop::LogBridge::Close() {
  std::lock_guard lock(mu_);
  core_ = nullptr;
}

void CoreLoop::Start() {
  EKC_CHECK(!thread_.joinable());
  thread_ = std::thread([this] { io_.run(); });
  Post([](CoreLoop& core) {
    core.RunCommand(SystemCommand(router::command::Recover{}), nullptr);
    core.RunCommand(SystemCommand(router::command::Tick{}), nullptr);
    core.ArmWatchdog();
    core.ArmHeartbeat();
  });
}

void CoreLoop::ArmWatchdog() {
  watchdog_.expires_after(kWatchdogInterval);
  watchdog_.async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || stopping_) return;
    if (absl::Status s = router::CheckInvariants(router_.state()); !s.ok()) {
      watchdog_failures_.fetch_add(1, std::memory_order_acq_rel);
      spdlog::error("watchdog: the routing state is inconsistent: {}", s.message());
    }
    ArmWatchdog();
  });
}

void CoreLoop::ArmHeartbeat() {
  if (!heartbeat_beat_ || heartbeat_interval_.count() <= 0) return;
  heartbeat_beat_();
  heartbeat_.expires_after(heartbeat_interval_);
  heartbeat_.async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || stopping_) return;
    ArmHeartbeat();
  });
}

void CoreLoop::Stop() {
  if (!thread_.joinable()) return;
  accepting_ = false;
  std::promise<void> drained;
  boost::asio::post(io_, [this, &drained] {
    stopping_ = true;
    timer_.cancel();
    watchdog_.cancel();
    heartbeat_.cancel();
    // An empty append's callback fires once everything appended before it is durable.
    absl::Status s =
        log_.Append({}, [bridge = bridge_, &drained](Sequence, const absl::Status& status) {
          bridge->Post([&drained, status](CoreLoop& core) {
            if (!status.ok()) core.Fail(status);
            core.Release();
            drained.set_value();
          });
        });
    if (!s.ok()) {
      Fail(s);
      drained.set_value();
    }
  });
  if (drained.get_future().wait_for(kStopDrainTimeout) != std::future_status::ready) {
    spdlog::error("stopping: the event log did not confirm the last events within {} s",
                  std::chrono::duration_cast<std::chrono::seconds>(kStopDrainTimeout).count());
  }
  bridge_->Close();
  work_.reset();
  io_.stop();
  thread_.join();
}

absl::Status CoreLoop::Admit() {
  if (!accepting_.load(std::memory_order_acquire)) {
    return absl::UnavailableError("ekcd is shutting down");
  }
  if (queued_.fetch_add(1, std::memory_order_acq_rel) >= kCoreQueuedCommandsMax) {
    queued_.fetch_sub(1, std::memory_order_acq_rel);
    return absl::ResourceExhaustedError(fmt::format(
        "ekcd is overloaded: {} commands are waiting for the core", kCoreQueuedCommandsMax));
  }
  return absl::OkStatus();
}

absl::Status CoreLoop::Execute(router::Command command, OnDecided on_decided) {
  if (absl::Status s = Admit(); !s.ok()) return s;
  boost::asio::post(
      io_, [this, command = std::move(command), on_decided = std::move(on_decided)]() mutable {
        queued_.fetch_sub(1, std::memory_order_acq_rel);
        RunCommand(std::move(command), std::move(on_decided));
      });
  return absl::OkStatus();
}

absl::Status CoreLoop::Read(Reader reader) {
  if (absl::Status s = Admit(); !s.ok()) return s;
  boost::asio::post(io_, [this, reader = std::move(reader)] {
    queued_.fetch_sub(1, std::memory_order_acq_rel);
    Effect effect = reader(*this);
    if (effect)
      pending_.push_back(Pending{router_.state().last_sequence().value(), std::move(effect)});
    Release();
  });
  return absl::OkStatus();
}

void CoreLoop::WhenDurable(Effect effect) {
  pending_.push_back(Pending{router_.state().last_sequence().value(), std::move(effect)});
  Release();
}

void CoreLoop::Post(std::function<void(CoreLoop&)> work) {
  boost::asio::post(io_, [this, work = std::move(work)] { work(*this); });
}

void CoreLoop::RunCommand(router::Command command, OnDecided on_decided) {
  router::ExecuteResult result;
  if (!failure_.ok() || stopping_) {
    result.status = failure_.ok() ? absl::UnavailableError("ekcd is shutting down") : failure_;
  } else if (!log_.HasRoomFor(kEventsPerCommandMax)) {
    result.status =
        absl::UnavailableError("the event log is behind: too many events wait to be written");
  } else {
    result = router_.Execute(command);
  }
  EKC_DCHECK(router::CheckInvariants(router_.state()).ok());
  Effect answer = on_decided ? on_decided(result, *this) : nullptr;
  std::vector<PushHub::Push> pushes;
  if (!result.events.empty()) {
    pushes = hub_.Publish(result.events, router_.state());
    if (on_events_) on_events_(result.events, *this);
    const uint64_t last = result.events.back().sequence();
    absl::Status appended = log_.Append(
        std::move(result.events), [bridge = bridge_](Sequence s, const absl::Status& st) {
          bridge->Post([s, st](CoreLoop& core) { core.OnDurable(s.value(), st); });
        });
    decided_sequence_.store(last, std::memory_order_release);
    // The state already holds these events; if the log will not take them, nothing may be
    // acknowledged any more.
    if (!appended.ok()) Fail(appended);
  }
  const uint64_t sequence = router_.state().last_sequence().value();
  if (answer) pending_.push_back(Pending{sequence, std::move(answer)});
  for (auto& push : pushes) {
    pending_.push_back(Pending{sequence, [push = std::move(push)](const absl::Status& durability) {
                                 if (durability.ok()) push();
                               }});
  }
  Release();
  if (after_command_ && failure_.ok()) after_command_(*this);
  if (result.more_work) {
    Post([](CoreLoop& core) { core.RunCommand(SystemCommand(router::command::Tick{}), nullptr); });
  }
  ArmTimer();
}

void CoreLoop::OnDurable(uint64_t durable, const absl::Status& status) {
  if (!status.ok()) {
    Fail(status);
  } else {
    durable_ = std::max(durable_, durable);
  }
  Release();
}

void CoreLoop::Fail(const absl::Status& status) {
  if (!failure_.ok()) return;
  failure_ = absl::UnavailableError(
      fmt::format("the event log failed ({}); ekcd acknowledges nothing more until it is restarted",
                  status.ToString()));
  writable_.store(false, std::memory_order_release);
  spdlog::critical("{}", failure_.message());
  if (on_failure_) on_failure_(failure_);
}

void CoreLoop::Release() {
  while (!pending_.empty()) {
    if (failure_.ok() && pending_.front().sequence > durable_) break;
    const uint64_t sequence = pending_.front().sequence;
    Effect effect = std::move(pending_.front().effect);
    pending_.pop_front();
    // Effects whose events were durable before the failure still succeed.
    effect(sequence <= durable_ ? absl::OkStatus() : failure_);
  }
}

void CoreLoop::ArmTimer() {
  if (stopping_) return;
  const int64_t next = router_.state().NextWakeUp(router_.state().last_time_unix_ms());
  if (next == timer_at_unix_ms_) return;
  timer_at_unix_ms_ = next;
  if (next == 0) {
    timer_.cancel();
    return;
  }
  const int64_t delay_ms = std::max<int64_t>(0, next - WallClockUnixMs());
  timer_.expires_after(std::chrono::milliseconds(delay_ms));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    OnTimer();
  });
}

void CoreLoop::OnTimer() {
  timer_at_unix_ms_ = 0;
  RunCommand(SystemCommand(router::command::Tick{}), nullptr);
}

}  // namespace ekc::daemon
