#pragma once

// Dashboard: what a supervisor's dashboard shows — per queue, per operator, the waiting contacts
// and the latest supervisor actions — computed from the routing state and its statistics
// (router/statistics.h). Pure: no clock of its own (`now` and the start of "today" are passed in),
// no I/O, so one state and one set of times always give the same snapshot.
//
// Thread: whoever owns the RouterState — the core thread in ekcd.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/supervision.pb.h"

#include "router/config.h"
#include "router/state.h"

namespace ekc::daemon {

// Waiting contacts listed when a watcher does not say (WatchDashboardRequest.max_waiting = 0).
inline constexpr uint32_t kDashboardWaitingDefault = 100;
// Supervisor actions a snapshot lists, at most (the audit panel), and the trail keeps.
inline constexpr size_t kAuditTrailMax = 50;

// What one watcher asked to see. Watchers with equal views share one computed snapshot.
struct DashboardView {
  std::vector<std::string> queues;  // sorted, unique; empty: every queue
  uint32_t max_waiting = kDashboardWaitingDefault;
  auto operator<=>(const DashboardView&) const = default;
};

struct DashboardTimes {
  int64_t now_unix_ms = 0;
  int64_t day_start_unix_ms = 0;  // "today" starts here (local midnight)
};

// The view a request asks for; INVALID_ARGUMENT naming the field for a queue `config` lacks.
absl::StatusOr<DashboardView> MakeDashboardView(const ekc::v1::WatchDashboardRequest& request,
                                                const router::RouterConfig& config);

// The latest supervisor actions, newest first, bounded by kAuditTrailMax. Fed every applied event
// (and, at start, the tail of the log); keeps those whose actor is a supervisor.
class AuditTrail {
 public:
  void Observe(const ekc::v1::EventRecord& event);
  const std::deque<ekc::v1::SupervisorActionRecord>& newest_first() const { return records_; }

 private:
  std::deque<ekc::v1::SupervisorActionRecord> records_;
};

// The audit record of an event, when it is the primary event of a supervisor's action (a reassign
// also revokes an offer: only its ContactReserved is the action).
std::optional<ekc::v1::SupervisorActionRecord> SupervisorActionOf(
    const ekc::v1::EventRecord& event);

ekc::v1::DashboardSnapshot BuildDashboard(const router::RouterState& state,
                                          const router::RouterConfig& config,
                                          const DashboardView& view, const DashboardTimes& times,
                                          const AuditTrail& audit);

// Rows shared by the dashboard and the Supervision lists.
ekc::v1::WaitingContact WaitingContactRow(const router::Contact& contact, int64_t now_unix_ms);
ekc::v1::OperatorStatus OperatorStatusRow(const router::Operator& op);

}  // namespace ekc::daemon
