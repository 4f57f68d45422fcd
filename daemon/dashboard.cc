#include "daemon/dashboard.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

int64_t IntervalStart(int64_t t, int64_t interval_ms) {
  const int64_t q = t / interval_ms;
  return (t % interval_ms < 0 ? q - 1 : q) * interval_ms;
}

// What one pass over a queue's line and its offers finds.
struct QueueCounts {
  uint32_t waiting = 0;
  uint32_t callbacks = 0;
  uint32_t offered = 0;
  int64_t longest_wait_ms = 0;
  uint32_t available = 0;
  uint32_t staffed = 0;
};

void FillRates(const router::Statistics& statistics, const std::string& queue,
               const DashboardTimes& times, int64_t interval_start, v1::QueueStatus& out) {
  router::WaitTally today;
  router::WaitTally current;
  if (const auto* intervals = statistics.QueueIntervals(queue)) {
    for (auto it = intervals->lower_bound(times.day_start_unix_ms); it != intervals->end(); ++it) {
      today.Add(it->second);
      if (it->first == interval_start) current.Add(it->second);
    }
  }
  out.set_service_level_today(today.ServiceLevel());
  out.set_service_level_15min(current.ServiceLevel());
  out.set_abandon_rate_today(today.PAbandon());
  out.set_asa_s(today.AsaMs() / 1000.0);
  out.set_aht_s(today.AhtMs() / 1000.0);
  out.set_arrivals_today(today.arrivals);
  out.set_answered_today(today.answered);
  out.set_abandoned_today(today.abandoned);
  out.set_ended_today(today.ended);
  out.set_ended_15min(current.ended);
}

bool Shows(const DashboardView& view, const std::string& queue) {
  return view.queues.empty() || std::binary_search(view.queues.begin(), view.queues.end(), queue);
}

}  // namespace

absl::StatusOr<DashboardView> MakeDashboardView(const v1::WatchDashboardRequest& request,
                                                const router::RouterConfig& config) {
  DashboardView view;
  for (const std::string& name : request.queues()) {
    if (config.FindQueue(name) == nullptr) {
      return absl::InvalidArgumentError(fmt::format("queues: no queue named \"{}\"", name));
    }
    view.queues.push_back(name);
  }
  std::sort(view.queues.begin(), view.queues.end());
  view.queues.erase(std::unique(view.queues.begin(), view.queues.end()), view.queues.end());
  if (request.max_waiting() != 0) view.max_waiting = request.max_waiting();
  return view;
}

std::optional<v1::SupervisorActionRecord> SupervisorActionOf(const v1::EventRecord& e) {
  if (e.actor().kind() != v1::ACTOR_KIND_SUPERVISOR) return std::nullopt;
  v1::SupervisorActionRecord r;
  switch (e.event_case()) {
    case v1::EventRecord::kContactReserved:
      r.set_action("reassign");
      r.set_operator_id(e.contact_reserved().operator_id());
      r.set_note(e.contact_reserved().note());
      break;
    case v1::EventRecord::kContactPriorityChanged:
      r.set_action("change_priority");
      r.set_priority(e.contact_priority_changed().priority());
      r.set_note(e.contact_priority_changed().note());
      break;
    case v1::EventRecord::kQueuePauseChanged:
      r.set_action(e.queue_pause_changed().paused() ? "pause_queue" : "resume_queue");
      r.set_queue(e.queue_pause_changed().queue());
      r.set_note(e.queue_pause_changed().note());
      break;
    case v1::EventRecord::kOperatorStateChanged:
      r.set_action("force_state");
      r.set_operator_id(e.operator_id());
      r.set_operator_state(e.operator_state_changed().state());
      r.set_break_reason(e.operator_state_changed().break_reason());
      break;
    case v1::EventRecord::kOperatorLoggedOut:
      r.set_action("force_logout");
      r.set_operator_id(e.operator_id());
      break;
    default:
      return std::nullopt;  // a consequence of an action (a revoked offer), not the action
  }
  r.set_event_sequence(e.sequence());
  r.set_time_unix_ms(e.time_unix_ms());
  r.set_supervisor(e.actor().id());
  r.set_contact_id(e.contact_id());
  return r;
}

void AuditTrail::Observe(const v1::EventRecord& event) {
  std::optional<v1::SupervisorActionRecord> record = SupervisorActionOf(event);
  if (!record) return;
  records_.push_front(*std::move(record));
  while (records_.size() > kAuditTrailMax) records_.pop_back();
}

v1::WaitingContact WaitingContactRow(const router::Contact& c, int64_t now) {
  v1::WaitingContact row;
  row.set_contact_id(c.id.value());
  row.set_queue(c.queue());
  row.set_priority(c.priority());
  // The card keeps its classification in wire form: decode it once, and keep it alive here.
  const v1::Classification classification = c.card.classification();
  for (const auto& s : classification.situations()) {
    row.add_situations(s.code());
    row.add_situation_titles(s.title());
  }
  row.set_region(c.card.region());
  const int64_t until = c.connected_unix_ms != 0 ? c.connected_unix_ms
                        : c.ended_unix_ms != 0   ? c.ended_unix_ms
                                                 : now;
  row.set_waited_ms(std::max<int64_t>(0, until - c.enqueued_unix_ms));
  row.set_state(c.state);
  row.set_channel(c.channel());
  return row;
}

v1::OperatorStatus OperatorStatusRow(const router::Operator& op) {
  v1::OperatorStatus row;
  row.set_operator_id(op.id.value());
  row.set_name(op.name);
  row.set_office(op.office);
  row.set_region(op.region);
  row.set_state(op.shown);
  row.set_break_reason(op.break_reason);
  row.set_state_since_unix_ms(op.state_since_unix_ms);
  if (op.offered_contact.value() != 0) row.add_contact_ids(op.offered_contact.value());
  for (ContactId id : op.active) row.add_contact_ids(id.value());
  for (const auto& skill : op.skills) *row.add_skills() = skill;
  row.set_connected(op.connected);
  return row;
}

v1::DashboardSnapshot BuildDashboard(const router::RouterState& state,
                                     const router::RouterConfig& config, const DashboardView& view,
                                     const DashboardTimes& times, const AuditTrail& audit) {
  const int64_t now = times.now_unix_ms;
  const int64_t interval_start = IntervalStart(now, state.statistics().options().interval_ms);
  v1::DashboardSnapshot snapshot;
  snapshot.set_time_unix_ms(now);
  snapshot.set_day_start_unix_ms(times.day_start_unix_ms);
  snapshot.set_interval_start_unix_ms(interval_start);

  std::map<std::string, QueueCounts, std::less<>> counts;
  std::vector<const router::Contact*> waiting;
  auto wait_of = [now](const router::Contact& c) {
    return std::max<int64_t>(0, now - c.enqueued_unix_ms);
  };
  for (const router::QueueConfig& q : config.queues) {
    QueueCounts& n = counts[q.name];
    const router::Queue* line = state.FindQueue(q.name);
    if (line == nullptr) continue;
    for (const router::LinePlace& place : line->line) {
      const router::Contact* c = state.FindContact(ContactId(place.contact));
      if (c == nullptr) continue;
      ++n.waiting;
      if (c->state == v1::CONTACT_STATE_CALLBACK) ++n.callbacks;
      n.longest_wait_ms = std::max(n.longest_wait_ms, wait_of(*c));
      if (Shows(view, q.name)) waiting.push_back(c);
    }
  }
  for (const auto& [id, op] : state.operators()) {
    if (op.offered_contact.value() != 0) {
      const router::Contact* c = state.FindContact(op.offered_contact);
      auto it = c == nullptr ? counts.end() : counts.find(c->queue());
      if (it != counts.end()) {
        ++it->second.offered;
        it->second.longest_wait_ms = std::max(it->second.longest_wait_ms, wait_of(*c));
        if (Shows(view, c->queue())) waiting.push_back(c);
      }
    }
    if (!op.LoggedIn()) continue;
    bool shown = view.queues.empty();
    for (const router::QueueConfig& q : config.queues) {
      if (!op.HasSkills(q.skills)) continue;
      QueueCounts& n = counts[q.name];
      ++n.staffed;
      if (op.shown == v1::OPERATOR_STATE_AVAILABLE && op.connected) ++n.available;
      shown = shown || Shows(view, q.name);
    }
    if (shown) *snapshot.add_operators() = OperatorStatusRow(op);
  }

  uint32_t waiting_total = 0;
  for (const router::QueueConfig& q : config.queues) {
    if (!Shows(view, q.name)) continue;
    const QueueCounts& n = counts[q.name];
    const router::Queue* line = state.FindQueue(q.name);
    v1::QueueStatus* out = snapshot.add_queues();
    out->set_name(q.name);
    out->set_waiting(n.waiting);
    out->set_longest_wait_ms(n.longest_wait_ms);
    out->set_service_level_target(q.service_level_target);
    out->set_service_level_threshold_s(q.service_level_threshold_s);
    out->set_paused(line != nullptr && line->paused);
    out->set_operators_available(n.available);
    out->set_operators_staffed(n.staffed);
    out->set_callbacks_waiting(n.callbacks);
    out->set_offered(n.offered);
    FillRates(state.statistics(), q.name, times, interval_start, *out);
    waiting_total += n.waiting + n.offered;
  }
  snapshot.set_waiting_total(waiting_total);

  // Longest waiting first, as a supervisor reads a waiting list.
  const auto longest_first = [](const router::Contact* a, const router::Contact* b) {
    return std::tie(a->enqueued_unix_ms, a->id) < std::tie(b->enqueued_unix_ms, b->id);
  };
  const size_t listed = std::min<size_t>(waiting.size(), view.max_waiting);
  std::partial_sort(waiting.begin(), waiting.begin() + static_cast<std::ptrdiff_t>(listed),
                    waiting.end(), longest_first);
  for (size_t i = 0; i < listed; ++i) *snapshot.add_waiting() = WaitingContactRow(*waiting[i], now);

  for (const v1::SupervisorActionRecord& r : audit.newest_first())
    *snapshot.add_recent_actions() = r;
  return snapshot;
}

}  // namespace ekc::daemon
