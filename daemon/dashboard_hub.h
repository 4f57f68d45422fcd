#pragma once

// DashboardHub: the supervisors' live view. It keeps the dashboard watchers (gRPC WatchDashboard
// streams and the web page's event streams alike), and sends each one a snapshot at once, then a
// new one when the routing state changed — at most one per kDashboardPublishIntervalMin (changes in
// between are merged into the next), and one every kDashboardRefreshInterval while nothing changes
// (waits grow, intervals roll). It also keeps the audit trail of supervisor actions and a history
// of queue depths for the page's chart.
//
// Snapshots are computed on the core thread (daemon/dashboard.h) and handed to the watchers only
// once everything they show is durable. A watcher never makes the core wait: it keeps the latest
// snapshot and drops older ones it has not sent yet (daemon/latest_outbox.h).
//
// Thread: the core thread only (construct it anywhere before the core starts).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "ekc/v1/supervision.pb.h"

#include "daemon/core_loop.h"
#include "daemon/dashboard.h"

namespace ekc::daemon {

// At most this many snapshots a second per watcher: 1 s / kDashboardPublishIntervalMin.
inline constexpr std::chrono::milliseconds kDashboardPublishIntervalMin{250};
// A snapshot at least this often while nothing changes.
inline constexpr std::chrono::milliseconds kDashboardRefreshInterval{5000};
static_assert(kDashboardRefreshInterval > kDashboardPublishIntervalMin);
// Dashboard watchers (gRPC and web together), at most; past it a watch is RESOURCE_EXHAUSTED.
inline constexpr size_t kDashboardWatchersMax = 64;
// The queue-depth history: one sample per interval, kept for kHistorySamplesMax intervals (12 h).
inline constexpr std::chrono::seconds kHistorySampleInterval{60};
inline constexpr size_t kHistorySamplesMax = 12 * 60;
// How far back the log is read at start to refill the audit trail (bounded start-up time).
inline constexpr uint64_t kAuditScanEventsMax = 20'000;

// One receiver of snapshots.
class DashboardWatcher {
 public:
  virtual ~DashboardWatcher() = default;
  // Core thread, before AddWatcher: what this watcher shows.
  void set_view(DashboardView view) { view_ = std::move(view); }
  // Core thread. Must not block: queue the snapshot (replacing an older unsent one) and return.
  virtual void Deliver(const std::shared_ptr<const ekc::v1::DashboardSnapshot>& snapshot) = 0;
  // Core thread: the watch ends (the event log failed, or ekcd stops).
  virtual void End(const absl::Status& why) = 0;
  const DashboardView& view() const { return view_; }

 private:
  DashboardView view_;
};

// The chart's data: per queue, the depth sampled over time and the service level of each 15-minute
// interval (from the statistics, so it survives restarts; the depth samples start with ekcd).
struct QueueHistory {
  struct Sample {
    int64_t time_unix_ms = 0;
    uint32_t waiting = 0;  // in line or offered
    int64_t longest_wait_ms = 0;
  };
  struct Interval {
    int64_t start_unix_ms = 0;
    uint64_t arrivals = 0;
    uint64_t ended = 0;
    double service_level = 0;  // meaningful when ended > 0
  };
  std::string name;
  double service_level_target = 0;
  uint32_t service_level_threshold_s = 0;
  std::vector<Sample> samples;
  std::vector<Interval> intervals;
};

struct DashboardHistory {
  int64_t now_unix_ms = 0;
  int64_t interval_ms = 0;
  std::vector<QueueHistory> queues;
};

class DashboardHub {
 public:
  explicit DashboardHub(CoreLoop& core);
  DashboardHub(const DashboardHub&) = delete;
  DashboardHub& operator=(const DashboardHub&) = delete;

  // Seeds the audit trail from the tail of the log (before the core starts; any thread).
  void SeedAudit(const ekc::v1::EventRecord& event) { audit_.Observe(event); }

  // Core thread: starts the history sampler.
  void Start();
  // Core thread: every watch ends with `why`; timers stop.
  void Stop(const absl::Status& why);

  // Core thread (CoreLoop::set_on_events): notes supervisor actions and schedules a snapshot.
  void OnEvents(const std::vector<ekc::v1::EventRecord>& events);

  // Core thread. RESOURCE_EXHAUSTED past kDashboardWatchersMax. The watcher gets its first
  // snapshot once the state it shows is durable.
  absl::Status AddWatcher(std::shared_ptr<DashboardWatcher> watcher);
  void RemoveWatcher(const DashboardWatcher* watcher);

  // Core thread: a snapshot of the state now (not necessarily durable yet: send it through
  // CoreLoop::WhenDurable).
  ekc::v1::DashboardSnapshot SnapshotNow(const DashboardView& view) const;
  // Core thread: the chart's data from `since_unix_ms` on.
  DashboardHistory History(int64_t since_unix_ms) const;

  size_t watcher_count() const { return watchers_.size(); }

 private:
  DashboardTimes Times() const;
  void Publish();
  void Schedule();
  // The event log failed: every watch ends with its error, and new ones are refused with it.
  void Fail(const absl::Status& why);
  void Sample();
  void ArmSampler();

  CoreLoop& core_;
  AuditTrail audit_;
  std::vector<std::shared_ptr<DashboardWatcher>> watchers_;
  boost::asio::steady_timer publish_timer_;
  bool publish_armed_ = false;
  std::chrono::steady_clock::time_point publish_armed_at_;
  std::chrono::steady_clock::time_point last_publish_;
  bool dirty_ = false;
  bool stopped_ = false;
  absl::Status failure_;  // sticky, like the log's
  boost::asio::steady_timer sample_timer_;
  std::vector<std::pair<std::string, std::deque<QueueHistory::Sample>>> samples_;  // config order
};

}  // namespace ekc::daemon
