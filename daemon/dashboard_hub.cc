#include "daemon/dashboard_hub.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "daemon/clock.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

DashboardHub::DashboardHub(CoreLoop& core)
    : core_(core), publish_timer_(core.io_context()), sample_timer_(core.io_context()) {
  for (const router::QueueConfig& q : core.config().queues) samples_.push_back({q.name, {}});
}

DashboardTimes DashboardHub::Times() const {
  const int64_t now = WallClockUnixMs();
  return DashboardTimes{.now_unix_ms = now, .day_start_unix_ms = LocalDayStartUnixMs(now)};
}

void DashboardHub::Start() {
  Sample();
  ArmSampler();
}

void DashboardHub::Stop(const absl::Status& why) {
  stopped_ = true;
  publish_timer_.cancel();
  sample_timer_.cancel();
  for (const auto& watcher : watchers_) watcher->End(why);
  watchers_.clear();
}

void DashboardHub::OnEvents(const std::vector<v1::EventRecord>& events) {
  for (const v1::EventRecord& e : events) audit_.Observe(e);
  dirty_ = true;
  Schedule();
}

void DashboardHub::Fail(const absl::Status& why) {
  if (!failure_.ok()) return;
  failure_ = why;
  publish_timer_.cancel();
  publish_armed_ = false;
  for (const auto& watcher : watchers_) watcher->End(why);
  watchers_.clear();
}

absl::Status DashboardHub::AddWatcher(std::shared_ptr<DashboardWatcher> watcher) {
  if (stopped_) return absl::UnavailableError("ekcd is shutting down");
  if (!failure_.ok()) return failure_;
  if (watchers_.size() >= kDashboardWatchersMax) {
    return absl::ResourceExhaustedError(fmt::format(
        "{} dashboards are watching already, the limit of this server", kDashboardWatchersMax));
  }
  auto first = std::make_shared<const v1::DashboardSnapshot>(SnapshotNow(watcher->view()));
  core_.WhenDurable([watcher, first](const absl::Status& durability) {
    if (durability.ok()) {
      watcher->Deliver(first);
    } else {
      watcher->End(durability);
    }
  });
  watchers_.push_back(std::move(watcher));
  Schedule();
  return absl::OkStatus();
}

void DashboardHub::RemoveWatcher(const DashboardWatcher* watcher) {
  std::erase_if(watchers_, [watcher](const auto& w) { return w.get() == watcher; });
  if (watchers_.empty()) {
    publish_timer_.cancel();
    publish_armed_ = false;
  }
}

v1::DashboardSnapshot DashboardHub::SnapshotNow(const DashboardView& view) const {
  return BuildDashboard(core_.state(), core_.config(), view, Times(), audit_);
}

void DashboardHub::Publish() {
  last_publish_ = std::chrono::steady_clock::now();
  dirty_ = false;
  if (watchers_.empty()) return;
  // Watchers with the same view share one snapshot.
  std::map<DashboardView, std::shared_ptr<const v1::DashboardSnapshot>> built;
  const DashboardTimes times = Times();
  for (const auto& watcher : watchers_) {
    auto& snapshot = built[watcher->view()];
    if (snapshot == nullptr) {
      snapshot = std::make_shared<const v1::DashboardSnapshot>(
          BuildDashboard(core_.state(), core_.config(), watcher->view(), times, audit_));
    }
  }
  core_.WhenDurable(
      [this, watchers = watchers_, built = std::move(built)](const absl::Status& durability) {
        if (!durability.ok()) return Fail(durability);
        for (const auto& watcher : watchers) watcher->Deliver(built.at(watcher->view()));
      });
}

void DashboardHub::Schedule() {
  if (stopped_ || !failure_.ok() || watchers_.empty()) return;
  const auto due = last_publish_ + (dirty_ ? kDashboardPublishIntervalMin
                                           : std::chrono::milliseconds(kDashboardRefreshInterval));
  if (publish_armed_ && publish_armed_at_ <= due) return;
  publish_armed_ = true;
  publish_armed_at_ = due;
  publish_timer_.expires_at(due);
  publish_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || stopped_) return;
    publish_armed_ = false;
    Publish();
    Schedule();
  });
}

void DashboardHub::Sample() {
  const DashboardView everything{.queues = {}, .max_waiting = 0};
  const DashboardTimes times = Times();
  const AuditTrail no_audit;
  const v1::DashboardSnapshot now =
      BuildDashboard(core_.state(), core_.config(), everything, times, no_audit);
  for (const v1::QueueStatus& q : now.queues()) {
    auto it = std::find_if(samples_.begin(), samples_.end(),
                           [&](const auto& s) { return s.first == q.name(); });
    if (it == samples_.end()) continue;
    it->second.push_back(QueueHistory::Sample{.time_unix_ms = times.now_unix_ms,
                                              .waiting = q.waiting() + q.offered(),
                                              .longest_wait_ms = q.longest_wait_ms()});
    while (it->second.size() > kHistorySamplesMax) it->second.pop_front();
  }
}

void DashboardHub::ArmSampler() {
  sample_timer_.expires_after(kHistorySampleInterval);
  sample_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || stopped_) return;
    Sample();
    ArmSampler();
  });
}

DashboardHistory DashboardHub::History(int64_t since_unix_ms) const {
  DashboardHistory history;
  history.now_unix_ms = WallClockUnixMs();
  const router::Statistics& statistics = core_.state().statistics();
  history.interval_ms = statistics.options().interval_ms;
  for (const router::QueueConfig& q : core_.config().queues) {
    QueueHistory& out = history.queues.emplace_back();
    out.name = q.name;
    out.service_level_target = q.service_level_target;
    out.service_level_threshold_s = q.service_level_threshold_s;
    for (const auto& [name, samples] : samples_) {
      if (name != q.name) continue;
      for (const QueueHistory::Sample& s : samples) {
        if (s.time_unix_ms >= since_unix_ms) out.samples.push_back(s);
      }
    }
    // The interval that holds `since` is shown whole.
    const int64_t first = since_unix_ms - since_unix_ms % history.interval_ms;
    if (const auto* intervals = statistics.QueueIntervals(q.name)) {
      for (auto it = intervals->lower_bound(first); it != intervals->end(); ++it) {
        out.intervals.push_back(QueueHistory::Interval{.start_unix_ms = it->first,
                                                       .arrivals = it->second.arrivals,
                                                       .ended = it->second.ended,
                                                       .service_level = it->second.ServiceLevel()});
      }
    }
  }
  return history;
}

}  // namespace ekc::daemon
