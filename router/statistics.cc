#include "router/statistics.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

double Ratio(double part, double whole, double if_empty) {
  return whole > 0 ? part / whole : if_empty;
}

int64_t IntervalStart(int64_t t, int64_t interval_ms) {
  const int64_t q = t / interval_ms;
  return (t % interval_ms < 0 ? q - 1 : q) * interval_ms;
}

}  // namespace

double WaitTally::ServiceLevel() const { return Ratio(answered_within_target, ended, 1.0); }
double WaitTally::PWait() const { return Ratio(waited, ended, 0.0); }
double WaitTally::PAbandon() const { return Ratio(abandoned, ended, 0.0); }
double WaitTally::AsaMs() const { return Ratio(wait_ms_total, ended, 0.0); }
double WaitTally::AnswerWaitMeanMs() const { return Ratio(answer_wait_ms_total, answered, 0.0); }
double WaitTally::AhtMs() const { return Ratio(handle_ms_total, completed, 0.0); }

void WaitTally::Add(const WaitTally& o) {
  arrivals += o.arrivals;
  ended += o.ended;
  answered += o.answered;
  answered_within_target += o.answered_within_target;
  abandoned += o.abandoned;
  short_abandoned += o.short_abandoned;
  moved_on += o.moved_on;
  waited += o.waited;
  wait_ms_total += o.wait_ms_total;
  answer_wait_ms_total += o.answer_wait_ms_total;
  longest_wait_ms = std::max(longest_wait_ms, o.longest_wait_ms);
  completed += o.completed;
  handle_ms_total += o.handle_ms_total;
}

double OperatorTally::Occupancy(int64_t now_unix_ms) const {
  int64_t logged_in = logged_in_ms_total;
  if (logged_in_since_unix_ms != 0)
    logged_in += std::max<int64_t>(0, now_unix_ms - logged_in_since_unix_ms);
  int64_t busy = busy_ms_total;
  if (handling_since_unix_ms != 0)
    busy += std::max<int64_t>(0, now_unix_ms - handling_since_unix_ms);
  return Ratio(static_cast<double>(busy), static_cast<double>(logged_in), 0.0);
}

uint32_t Statistics::Intern(const std::string& name) {
  auto [it, added] = name_numbers_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

WaitTally* Statistics::TallyOf(const Tracked& t) {
  auto q = queues_.find(names_[t.queue]);
  if (q == queues_.end()) return nullptr;
  auto it = q->second.find(t.interval);
  return it == q->second.end() ? nullptr : &it->second;  // nullptr: the interval was dropped
}

void Statistics::Arrive(uint64_t contact, const std::string& queue, int64_t now,
                        int64_t threshold_ms, int64_t short_abandon_ms) {
  if (now < options_.measure_from_unix_ms) return;
  Tracked t{.queue = Intern(queue),
            .operator_id = Intern(""),
            .interval = IntervalStart(now, options_.interval_ms),
            .arrived_unix_ms = now,
            .threshold_ms = threshold_ms,
            .short_abandon_ms = short_abandon_ms};
  std::map<int64_t, WaitTally>& intervals = queues_[queue];
  ++intervals[t.interval].arrivals;
  while (intervals.size() > options_.intervals_kept) intervals.erase(intervals.begin());
  tracked_[contact] = std::move(t);
}

void Statistics::EndWait(Tracked& t, int64_t wait_ms, bool answered, bool abandoned) {
  WaitTally* tally = TallyOf(t);
  if (tally == nullptr) return;
  if (abandoned && wait_ms < t.short_abandon_ms) {
    ++tally->short_abandoned;
    return;
  }
  ++tally->ended;
  if (wait_ms > 0) ++tally->waited;
  tally->wait_ms_total += wait_ms;
  tally->longest_wait_ms = std::max(tally->longest_wait_ms, wait_ms);
  if (answered) {
    ++tally->answered;
    tally->answer_wait_ms_total += wait_ms;
    if (wait_ms <= t.threshold_ms) ++tally->answered_within_target;
  } else if (abandoned) {
    ++tally->abandoned;
  } else {
    ++tally->moved_on;
  }
}

OperatorTally& Statistics::OperatorTallyOf(const std::string& id) {
  if (OperatorTally* tally = operator_index_.Find(id)) return *tally;
  auto it = operators_.try_emplace(id).first;
  operator_index_.Add(it->first, &it->second);
  return it->second;
}

void Statistics::OnOperatorEvent(const v1::EventRecord& e) {
  OperatorTally& op = OperatorTallyOf(e.operator_id());
  const int64_t now = e.time_unix_ms();
  switch (e.event_case()) {
    case v1::EventRecord::kOperatorLoggedIn:
      if (op.logged_in_since_unix_ms == 0) op.logged_in_since_unix_ms = now;
      break;
    case v1::EventRecord::kOperatorLoggedOut:
      if (op.logged_in_since_unix_ms != 0)
        op.logged_in_ms_total += now - op.logged_in_since_unix_ms;
      op.logged_in_since_unix_ms = 0;
      break;
    case v1::EventRecord::kContactOffered:
      ++op.offers;
      break;
    case v1::EventRecord::kOfferRevoked:
      if (e.offer_revoked().reason() == v1::REVOKE_REASON_DECLINED) ++op.declined;
      if (e.offer_revoked().reason() == v1::REVOKE_REASON_TIMEOUT) ++op.missed;
      break;
    case v1::EventRecord::kContactConnected:
      ++op.accepted;
      if (op.handling++ == 0) op.handling_since_unix_ms = now;
      break;
    case v1::EventRecord::kContactCompleted:
    case v1::EventRecord::kContactTransferred:
      if (e.has_contact_completed()) ++op.completed;
      if (op.handling > 0 && --op.handling == 0) {
        op.busy_ms_total += now - op.handling_since_unix_ms;
        op.handling_since_unix_ms = 0;
      }
      break;
    default:
      break;
  }
}

void Statistics::Observe(const v1::EventRecord& e) {
  if (!e.operator_id().empty()) OnOperatorEvent(e);
  const int64_t now = e.time_unix_ms();
  if (e.has_contact_received()) {
    const v1::ContactReceived& r = e.contact_received();
    Arrive(e.contact_id(), r.contact().queue(), now, int64_t{1000} * r.service_level_threshold_s(),
           int64_t{1000} * r.short_abandon_s());
    return;
  }
  auto it = tracked_.find(e.contact_id());
  if (it == tracked_.end()) return;
  Tracked& t = it->second;
  switch (e.event_case()) {
    case v1::EventRecord::kContactConnected:
      if (!t.wait_ended) EndWait(t, now - t.arrived_unix_ms, /*answered=*/true, false);
      t.wait_ended = true;
      t.connected_unix_ms = now;
      t.operator_id = Intern(e.operator_id());
      break;
    case v1::EventRecord::kContactTransferred:
      // The handing-over operator's part; the contact's handle time starts again with the next one.
      OperatorTallyOf(e.operator_id()).handle_ms_total += now - t.connected_unix_ms;
      t.connected_unix_ms = 0;
      break;
    case v1::EventRecord::kCallbackRequested:
      if (!t.wait_ended) EndWait(t, now - t.arrived_unix_ms, false, false);
      t.wait_ended = true;
      break;
    case v1::EventRecord::kContactOverflowed: {
      // The wait ends in the queue it leaves and starts again in the one it joins.
      if (!t.wait_ended) EndWait(t, now - t.arrived_unix_ms, false, false);
      const v1::ContactOverflowed& r = e.contact_overflowed();
      const uint64_t contact = e.contact_id();
      tracked_.erase(it);
      Arrive(contact, r.to_queue(), now, int64_t{1000} * r.service_level_threshold_s(),
             int64_t{1000} * r.short_abandon_s());
      break;
    }
    case v1::EventRecord::kContactCompleted: {
      const int64_t handle_ms = now - t.connected_unix_ms;
      if (WaitTally* tally = TallyOf(t)) {
        ++tally->completed;
        tally->handle_ms_total += handle_ms;
      }
      OperatorTallyOf(e.operator_id()).handle_ms_total += handle_ms;
      tracked_.erase(it);
      break;
    }
    case v1::EventRecord::kContactAbandoned:
      if (!t.wait_ended) EndWait(t, now - t.arrived_unix_ms, false, /*abandoned=*/true);
      tracked_.erase(it);
      break;
    default:
      break;
  }
}

WaitTally Statistics::QueueTotal(const std::string& queue) const {
  WaitTally total;
  if (const auto* intervals = QueueIntervals(queue)) {
    for (const auto& [start, tally] : *intervals) total.Add(tally);
  }
  return total;
}

const std::map<int64_t, WaitTally>* Statistics::QueueIntervals(const std::string& queue) const {
  auto it = queues_.find(queue);
  return it == queues_.end() ? nullptr : &it->second;
}

WaitTally Statistics::AllQueues() const {
  WaitTally total;
  for (const auto& [queue, intervals] : queues_) {
    for (const auto& [start, tally] : intervals) total.Add(tally);
  }
  return total;
}

namespace {

void TallyToProto(const WaitTally& t, v1::WaitTallySnapshot* out) {
  out->set_arrivals(t.arrivals);
  out->set_ended(t.ended);
  out->set_answered(t.answered);
  out->set_answered_within_target(t.answered_within_target);
  out->set_abandoned(t.abandoned);
  out->set_short_abandoned(t.short_abandoned);
  out->set_moved_on(t.moved_on);
  out->set_waited(t.waited);
  out->set_wait_ms_total(t.wait_ms_total);
  out->set_answer_wait_ms_total(t.answer_wait_ms_total);
  out->set_longest_wait_ms(t.longest_wait_ms);
  out->set_completed(t.completed);
  out->set_handle_ms_total(t.handle_ms_total);
}

WaitTally TallyFromProto(const v1::WaitTallySnapshot& p) {
  return WaitTally{.arrivals = p.arrivals(),
                   .ended = p.ended(),
                   .answered = p.answered(),
                   .answered_within_target = p.answered_within_target(),
                   .abandoned = p.abandoned(),
                   .short_abandoned = p.short_abandoned(),
                   .moved_on = p.moved_on(),
                   .waited = p.waited(),
                   .wait_ms_total = p.wait_ms_total(),
                   .answer_wait_ms_total = p.answer_wait_ms_total(),
                   .longest_wait_ms = p.longest_wait_ms(),
                   .completed = p.completed(),
                   .handle_ms_total = p.handle_ms_total()};
}

}  // namespace

v1::StatisticsSnapshot Statistics::ToSnapshot() const {
  v1::StatisticsSnapshot s;
  for (const auto& [queue, intervals] : queues_) {
    for (const auto& [start, tally] : intervals) {
      v1::QueueIntervalSnapshot* out = s.add_intervals();
      out->set_queue(queue);
      out->set_interval_start_unix_ms(start);
      TallyToProto(tally, out->mutable_tally());
    }
  }
  for (const auto& [id, op] : operators_) {
    v1::OperatorTallySnapshot* out = s.add_operators();
    out->set_operator_id(id);
    out->set_offers(op.offers);
    out->set_accepted(op.accepted);
    out->set_declined(op.declined);
    out->set_missed(op.missed);
    out->set_completed(op.completed);
    out->set_handle_ms_total(op.handle_ms_total);
    out->set_logged_in_ms_total(op.logged_in_ms_total);
    out->set_logged_in_since_unix_ms(op.logged_in_since_unix_ms);
    out->set_handling_since_unix_ms(op.handling_since_unix_ms);
    out->set_handling(op.handling);
    out->set_busy_ms_total(op.busy_ms_total);
  }
  std::vector<uint64_t> ids;
  ids.reserve(tracked_.size());
  for (const auto& [id, t] : tracked_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (uint64_t id : ids) {
    const Tracked& t = tracked_.at(id);
    v1::TrackedContactSnapshot* out = s.add_tracked();
    out->set_contact_id(id);
    out->set_queue(names_[t.queue]);
    out->set_interval_start_unix_ms(t.interval);
    out->set_arrived_unix_ms(t.arrived_unix_ms);
    out->set_threshold_ms(t.threshold_ms);
    out->set_short_abandon_ms(t.short_abandon_ms);
    out->set_connected_unix_ms(t.connected_unix_ms);
    out->set_operator_id(names_[t.operator_id]);
    out->set_wait_ended(t.wait_ended);
  }
  return s;
}

absl::StatusOr<Statistics> Statistics::FromSnapshot(const v1::StatisticsSnapshot& s,
                                                    StatisticsOptions options) {
  Statistics stats(options);
  for (const auto& i : s.intervals()) {
    if (!stats.queues_[i.queue()]
             .emplace(i.interval_start_unix_ms(), TallyFromProto(i.tally()))
             .second) {
      return absl::DataLossError(fmt::format("statistics: interval {} of queue {} twice",
                                             i.interval_start_unix_ms(), i.queue()));
    }
  }
  for (const auto& o : s.operators()) {
    stats.operators_[o.operator_id()] =
        OperatorTally{.offers = o.offers(),
                      .accepted = o.accepted(),
                      .declined = o.declined(),
                      .missed = o.missed(),
                      .completed = o.completed(),
                      .handle_ms_total = o.handle_ms_total(),
                      .logged_in_ms_total = o.logged_in_ms_total(),
                      .logged_in_since_unix_ms = o.logged_in_since_unix_ms(),
                      .handling_since_unix_ms = o.handling_since_unix_ms(),
                      .handling = o.handling(),
                      .busy_ms_total = o.busy_ms_total()};
  }
  for (const auto& t : s.tracked()) {
    stats.tracked_[t.contact_id()] = Tracked{.queue = stats.Intern(t.queue()),
                                             .operator_id = stats.Intern(t.operator_id()),
                                             .interval = t.interval_start_unix_ms(),
                                             .arrived_unix_ms = t.arrived_unix_ms(),
                                             .threshold_ms = t.threshold_ms(),
                                             .short_abandon_ms = t.short_abandon_ms(),
                                             .connected_unix_ms = t.connected_unix_ms(),
                                             .wait_ended = t.wait_ended()};
  }
  return stats;
}

}  // namespace ekc::router
