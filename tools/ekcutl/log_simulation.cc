// SimulateRecording (log_simulation.h): the recorded arrivals through a fresh routing core on a
// virtual clock, with the citizens and operators played as the log says they behaved.

#include "tools/ekcutl/log_simulation.h"

#include <algorithm>
#include <queue>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "router/router.h"

namespace ekc::utl::log {

namespace v1 = ekc::v1;

namespace {

// Bounds of a run: a year of a large centre, and a guard against a runaway loop.
constexpr size_t kArrivalsMax = 50'000'000;
constexpr size_t kOperatorsMax = 20'000;
// Happenings per arrival and per operator step at most: an arrival, an abandonment, a callback,
// offers with their accepts, a completion, an early wrap-up end, and the core's own timers
// (offer timeouts, escalation steps, wrap-up ends) — each a handful.
constexpr uint64_t kStepsPerItem = 64;

// Draws from a recorded sample, seeded. The generator is the standard's mt19937_64 (its output is
// fixed by the standard); the index is taken by a plain modulus so that no library distribution
// (implementation-defined) enters the result.
class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  size_t Index(size_t n) { return static_cast<size_t>(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

// How one contact of the simulation behaves: its handling and its patience.
struct Behaviour {
  int64_t talk_ms = 0;
  int64_t wrap_up_ms = -1;   // -1: the queue's wrap-up timer ends it
  int64_t patience_ms = -1;  // -1: never abandons
  int64_t callback_after_ms = -1;
};

// The recorded samples the draws come from, by queue ("" for every queue).
struct Samples {
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> handling;  // (talk, wrap-up)
  std::map<std::string, std::vector<int64_t>> abandon_waits;                 // sorted

  explicit Samples(const Recording& r) {
    for (const RecordedArrival& a : r.arrivals) {
      if (a.talk_ms >= 0) {
        handling[a.queue].emplace_back(a.talk_ms, a.wrap_up_ms);
        handling[""].emplace_back(a.talk_ms, a.wrap_up_ms);
      }
      if (a.abandoned_after_ms >= 0) {
        abandon_waits[a.queue].push_back(a.abandoned_after_ms);
        abandon_waits[""].push_back(a.abandoned_after_ms);
      }
    }
    for (auto& [queue, waits] : abandon_waits) std::sort(waits.begin(), waits.end());
  }

  const std::vector<std::pair<int64_t, int64_t>>* HandlingOf(const std::string& queue) const {
    for (const std::string& q : {queue, std::string()}) {
      if (auto it = handling.find(q); it != handling.end() && !it->second.empty())
        return &it->second;
    }
    return nullptr;
  }

  // A recorded abandon wait above `waited_ms`, of the queue or of any; -1 when none is.
  int64_t PatienceAbove(const std::string& queue, int64_t waited_ms, Draw& draw) const {
    for (const std::string& q : {queue, std::string()}) {
      auto it = abandon_waits.find(q);
      if (it == abandon_waits.end()) continue;
      auto above = std::upper_bound(it->second.begin(), it->second.end(), waited_ms);
      const size_t n = static_cast<size_t>(it->second.end() - above);
      if (n > 0) return *(above + static_cast<std::ptrdiff_t>(draw.Index(n)));
    }
    return -1;
  }
};

// What happens next on the virtual clock. `order` keeps ties in the order they were scheduled:
// the recorded arrivals and operator steps first, in the order the log has them.
enum class Kind {
  kArrival,
  kOperatorStep,
  kAccept,
  kComplete,
  kWrapUpEnd,
  kAbandon,
  kCallback,
  kLogoutAfterConversation,
  kTick
};
struct Happening {
  int64_t at_ms;
  uint64_t order;
  Kind kind;
  uint64_t index = 0;  // the arrival, or the operator
  uint64_t step = 0;   // the operator's step; the contact an accept is for
  bool operator>(const Happening& o) const {
    return std::tie(at_ms, order) > std::tie(o.at_ms, o.order);
  }
};

class Simulation {
 public:
  Simulation(const Recording& recording, const LogSimulationOptions& options,
             std::vector<Behaviour> behaviour)
      : recording_(recording),
        options_(options),
        behaviour_(std::move(behaviour)),
        router_(options.config) {
    for (size_t i = 0; i < options.operators.size(); ++i)
      operator_index_[options.operators[i].id] = i;
  }

  absl::Status Run() {
    ScheduleRecorded();
    uint64_t items = recording_.arrivals.size() + options_.operators.size();
    for (const RecordedOperator& op : options_.operators) items += op.steps.size();
    const uint64_t bound = kStepsPerItem * (items + 16);
    for (uint64_t step = 0; step < bound && !agenda_.empty(); ++step) {
      const Happening h = agenda_.top();
      agenda_.pop();
      Play(h);
    }
    if (!agenda_.empty()) {
      return absl::FailedPreconditionError(
          fmt::format("the simulation did not settle within {} steps", bound));
    }
    return absl::OkStatus();
  }

  LogSimulationResult TakeResult() {
    result_.end_unix_ms = router_.state().last_time_unix_ms();
    result_.waiting_at_end = router_.state().WaitingCount();
    return std::move(result_);
  }

 private:
  void Schedule(int64_t at_ms, Kind kind, uint64_t index, uint64_t step = 0) {
    agenda_.push(Happening{at_ms, next_order_++, kind, index, step});
  }

  void ScheduleRecorded() {
    // Both lists in time order; merged so that a tie keeps operators' steps before arrivals (the
    // log's order when an operator logs in and a contact arrives in the same millisecond is lost).
    std::vector<std::tuple<int64_t, int, uint64_t, uint64_t>> recorded;
    for (size_t o = 0; o < options_.operators.size(); ++o) {
      const auto& steps = options_.operators[o].steps;
      for (size_t s = 0; s < steps.size(); ++s) recorded.emplace_back(steps[s].at_unix_ms, 0, o, s);
    }
    for (size_t i = 0; i < recording_.arrivals.size(); ++i)
      recorded.emplace_back(recording_.arrivals[i].at_unix_ms, 1, i, 0);
    std::stable_sort(recorded.begin(), recorded.end());
    for (const auto& [at, arrival, index, step] : recorded)
      Schedule(at, arrival == 1 ? Kind::kArrival : Kind::kOperatorStep, index, step);
  }

  void Play(const Happening& h) {
    switch (h.kind) {
      case Kind::kArrival:
        return Arrive(h);
      case Kind::kOperatorStep:
        return OperatorDoes(h.at_ms, h.index, options_.operators[h.index].steps[h.step]);
      case Kind::kAccept:
        return Accept(h);
      case Kind::kComplete:
        return Complete(h);
      case Kind::kWrapUpEnd:
        return EndWrapUp(h);
      case Kind::kAbandon:
        return CitizenLeaves(h, /*callback=*/false);
      case Kind::kCallback:
        return CitizenLeaves(h, /*callback=*/true);
      case Kind::kLogoutAfterConversation:
        return LogOutIfFree(h.at_ms, h.index);
      case Kind::kTick:
        ticks_.erase(h.at_ms);
        Execute(h.at_ms, SystemActor(), router::command::Tick{});
        return;
    }
  }

  void Arrive(const Happening& h) {
    const RecordedArrival& a = recording_.arrivals[h.index];
    router::command::Submit s = a.submit;
    if (options_.rules != nullptr) {
      s.classification = options_.rules->Classify(
          router::ClassifyInput{.text = s.text, .channel = s.channel, .ivr_choice = s.ivr_choice});
    }
    v1::Actor intake;
    intake.set_kind(v1::ACTOR_KIND_INTAKE);
    const router::ExecuteResult r = Execute(h.at_ms, intake, std::move(s));
    if (!r.status.ok()) {
      ++result_.refused;
      return;
    }
    ++result_.contacts;
    arrival_of_[r.contact.value()] = h.index;
    const Behaviour& b = behaviour_[h.index];
    if (b.patience_ms >= 0) Schedule(h.at_ms + b.patience_ms, Kind::kAbandon, h.index);
    if (b.callback_after_ms >= 0) Schedule(h.at_ms + b.callback_after_ms, Kind::kCallback, h.index);
    contact_of_[h.index] = r.contact;
  }

  void OperatorDoes(int64_t now, size_t o, const OperatorStep& step) {
    const RecordedOperator& who = options_.operators[o];
    const router::Operator* op = router_.state().FindOperator(who.id);
    const bool logged_in = op != nullptr && op->LoggedIn();
    switch (step.kind) {
      case OperatorStep::Kind::kLogin:
        logout_pending_.erase(o);  // back before the last log out could happen
        if (!logged_in) Execute(now, OperatorActor(who.id), step.login);
        return;
      case OperatorStep::Kind::kAvailable:
      case OperatorStep::Kind::kBreak:
        if (!logged_in) return;
        Execute(now, OperatorActor(who.id),
                router::command::ChangeState{who.id,
                                             step.kind == OperatorStep::Kind::kAvailable
                                                 ? v1::OPERATOR_STATE_AVAILABLE
                                                 : v1::OPERATOR_STATE_BREAK,
                                             step.break_reason});
        return;
      case OperatorStep::Kind::kLogout:
        if (!logged_in) return;
        logout_pending_.insert(o);
        LogOutIfFree(now, o);
        return;
    }
  }

  // A log out waits for the end of the operator's conversation.
  void LogOutIfFree(int64_t now, size_t o) {
    const OperatorId& id = options_.operators[o].id;
    const router::Operator* op = router_.state().FindOperator(id);
    if (!logout_pending_.contains(o) || op == nullptr || !op->LoggedIn()) return;
    for (ContactId c : op->active) {
      if (router_.state().FindContact(c)->state == v1::CONTACT_STATE_CONNECTED) return;
    }
    logout_pending_.erase(o);
    Execute(now, OperatorActor(id), router::command::Logout{id, "logout"});
  }

  void Accept(const Happening& h) {
    const ContactId contact(h.step);
    const router::Contact* c = router_.state().FindContact(contact);
    const OperatorId& id = options_.operators[h.index].id;
    if (c == nullptr || c->state != v1::CONTACT_STATE_OFFERED || c->operator_id != id) return;
    Execute(h.at_ms, OperatorActor(id), router::command::Accept{id, contact});
  }

  const router::Contact* ContactOf(uint64_t index) const {
    auto it = contact_of_.find(index);
    return it == contact_of_.end() ? nullptr : router_.state().FindContact(it->second);
  }

  void Complete(const Happening& h) {
    const router::Contact* c = ContactOf(h.index);
    if (c == nullptr || c->state != v1::CONTACT_STATE_CONNECTED) return;
    Execute(h.at_ms, OperatorActor(c->operator_id),
            router::command::Complete{c->operator_id, c->id, "simulated", ""});
  }

  // The operator went ready before the queue's wrap-up ran out, as they did in reality.
  void EndWrapUp(const Happening& h) {
    const router::Contact* c = ContactOf(h.index);
    if (c == nullptr || c->state != v1::CONTACT_STATE_WRAP_UP) return;
    const router::Operator* op = router_.state().FindOperator(c->operator_id);
    if (op == nullptr || (op->presence != v1::OPERATOR_STATE_AVAILABLE &&
                          op->presence != v1::OPERATOR_STATE_BREAK)) {
      return;
    }
    Execute(h.at_ms, OperatorActor(op->id),
            router::command::ChangeState{op->id, op->presence, op->break_reason});
  }

  void CitizenLeaves(const Happening& h, bool callback) {
    const router::Contact* c = ContactOf(h.index);
    if (c == nullptr ||
        (c->state != v1::CONTACT_STATE_QUEUED && c->state != v1::CONTACT_STATE_OFFERED)) {
      return;
    }
    v1::Actor intake;
    intake.set_kind(v1::ACTOR_KIND_INTAKE);
    if (callback) {
      Execute(h.at_ms, intake,
              router::command::RequestCallback{c->id, recording_.arrivals[h.index].callback_ref});
    } else {
      Execute(h.at_ms, intake, router::command::Cancel{c->id, "patience"});
    }
  }

  // Executes a command, feeds its events to the statistics and plays what they call for: an offer
  // is accepted after the operator's answer delay, a connected contact is completed after its talk
  // time, a wrap-up ends early when it did in reality; and the core is woken for its timers.
  router::ExecuteResult Execute(int64_t now, const v1::Actor& actor, router::CommandBody body) {
    const bool submit = std::holds_alternative<router::command::Submit>(body);
    router::ExecuteResult r = router_.Execute(router::Command{now, actor, std::move(body)});
    if (!r.status.ok() && !submit) ++result_.commands_refused;
    result_.events += r.events.size();
    for (const v1::EventRecord& e : r.events) {
      result_.statistics.Observe(e);
      React(now, e);
    }
    if (r.more_work) ScheduleTick(now);
    if (const int64_t next = router_.state().NextWakeUp(now); next > now) ScheduleTick(next);
    return r;
  }

  void React(int64_t now, const v1::EventRecord& e) {
    if (e.has_contact_offered()) {
      auto it = operator_index_.find(OperatorId(e.operator_id()));
      if (it == operator_index_.end()) return;
      Schedule(now + options_.operators[it->second].accept_delay_ms, Kind::kAccept, it->second,
               e.contact_id());
      return;
    }
    auto arrival = arrival_of_.find(e.contact_id());
    if (arrival == arrival_of_.end()) return;
    const Behaviour& b = behaviour_[arrival->second];
    if (e.has_contact_connected()) {
      Schedule(now + b.talk_ms, Kind::kComplete, arrival->second);
    } else if (e.has_conversation_ended()) {
      const int64_t until = e.conversation_ended().wrap_up_until_unix_ms();
      if (b.wrap_up_ms >= 0 && now + b.wrap_up_ms < until)
        Schedule(now + b.wrap_up_ms, Kind::kWrapUpEnd, arrival->second);
      if (auto op = operator_index_.find(OperatorId(e.operator_id()));
          op != operator_index_.end() && logout_pending_.contains(op->second)) {
        Schedule(now, Kind::kLogoutAfterConversation, op->second);
      }
    }
  }

  void ScheduleTick(int64_t at_ms) {
    if (ticks_.insert(at_ms).second) Schedule(at_ms, Kind::kTick, 0);
  }

  static v1::Actor OperatorActor(const OperatorId& id) {
    v1::Actor a;
    a.set_kind(v1::ACTOR_KIND_OPERATOR);
    a.set_id(id.value());
    return a;
  }
  static v1::Actor SystemActor() {
    v1::Actor a;
    a.set_kind(v1::ACTOR_KIND_SYSTEM);
    return a;
  }

  const Recording& recording_;
  const LogSimulationOptions& options_;
  const std::vector<Behaviour> behaviour_;  // by arrival
  router::Router router_;
  std::map<OperatorId, size_t> operator_index_;
  std::unordered_map<uint64_t, uint64_t> arrival_of_;   // simulated contact id → arrival
  std::unordered_map<uint64_t, ContactId> contact_of_;  // arrival → simulated contact id
  std::set<size_t> logout_pending_;                     // operators
  std::set<int64_t> ticks_;                             // times a Tick is scheduled for
  std::priority_queue<Happening, std::vector<Happening>, std::greater<>> agenda_;
  uint64_t next_order_ = 0;
  LogSimulationResult result_;
};

// Each arrival's handling and patience, drawn in arrival order from one seeded generator.
std::vector<Behaviour> Behaviours(const Recording& r, const LogSimulationOptions& options,
                                  LogSimulationResult& counts) {
  const Samples samples(r);
  Draw draw(options.seed);
  std::vector<Behaviour> out;
  out.reserve(r.arrivals.size());
  for (const RecordedArrival& a : r.arrivals) {
    Behaviour b{.talk_ms = a.talk_ms, .wrap_up_ms = a.wrap_up_ms};
    if (a.talk_ms < 0) {
      // The queue the config sends it to (the core decides; this is only where to draw from).
      std::vector<std::string_view> codes;
      v1::Classification c =
          options.rules != nullptr
              ? options.rules->Classify(router::ClassifyInput{.text = a.submit.text,
                                                              .channel = a.submit.channel,
                                                              .ivr_choice = a.submit.ivr_choice})
              : a.submit.classification;
      for (const auto& s : c.situations()) codes.push_back(s.code());
      const router::QueueConfig& queue =
          options.config.QueueFor(codes, c.priority() == v1::PRIORITY_URGENT);
      if (const auto* sample = samples.HandlingOf(queue.name)) {
        std::tie(b.talk_ms, b.wrap_up_ms) = (*sample)[draw.Index(sample->size())];
      } else {
        b.talk_ms = queue.expected_handle_ms;
      }
      ++counts.handle_times_drawn;
    }
    if (a.abandoned_after_ms >= 0) {
      b.patience_ms = a.abandoned_after_ms;
    } else if (a.callback_after_ms >= 0) {
      b.callback_after_ms = a.callback_after_ms;
    } else {
      const int64_t waited =
          a.answered_after_ms >= 0 ? a.answered_after_ms : r.last_unix_ms - a.at_unix_ms;
      b.patience_ms = samples.PatienceAbove(a.queue, waited, draw);
      ++(b.patience_ms >= 0 ? counts.patience_drawn : counts.never_abandon);
    }
    out.push_back(b);
  }
  return out;
}

}  // namespace

absl::StatusOr<LogSimulationResult> SimulateRecording(const Recording& recording,
                                                      const LogSimulationOptions& options) {
  if (recording.arrivals.size() > kArrivalsMax) {
    return absl::InvalidArgumentError(
        fmt::format("the log holds {} contacts; a what-if takes at most {}",
                    recording.arrivals.size(), kArrivalsMax));
  }
  if (options.operators.size() > kOperatorsMax) {
    return absl::InvalidArgumentError(fmt::format("{} operators; a what-if takes at most {}",
                                                  options.operators.size(), kOperatorsMax));
  }
  if (absl::Status s = router::ValidateRouterConfig(options.config); !s.ok()) return s;
  LogSimulationResult counts;
  std::vector<Behaviour> behaviour = Behaviours(recording, options, counts);
  Simulation simulation(recording, options, std::move(behaviour));
  if (absl::Status s = simulation.Run(); !s.ok()) return s;
  LogSimulationResult result = simulation.TakeResult();
  result.handle_times_drawn = counts.handle_times_drawn;
  result.patience_drawn = counts.patience_drawn;
  result.never_abandon = counts.never_abandon;
  return result;
}

}  // namespace ekc::utl::log
