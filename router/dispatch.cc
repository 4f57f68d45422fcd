#include "router/dispatch.h"

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide.h"
#include "router/event_factory.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

const EscalationStep* StepOf(const QueueConfig& q, const Contact& c) {
  if (q.escalation.empty()) return nullptr;
  return &q.escalation[std::min<size_t>(c.escalation_step, q.escalation.size() - 1)];
}

bool StepAllows(const QueueConfig& q, const Contact& c, const Operator& op) {
  const EscalationStep* step = StepOf(q, c);
  if (step == nullptr) return true;
  if (step->same_office && !c.card.office().empty() && op.office != c.card.office()) return false;
  if (step->same_region && !c.card.region().empty() && op.region != c.card.region()) return false;
  return step->min_proficiency == 0 || op.ProficiencyIn(c.required_skills) >= step->min_proficiency;
}

// Whether `op` has the skills of some contact in the line: without, no contact of it is theirs.
bool MayServeSome(const Queue& q, const Operator& op) {
  for (const auto& [skills, count] : q.line_skill_sets) {
    if (op.HasSkills(skills)) return true;
  }
  return false;
}

// CanServe with the contact's queue settings at hand (`q`: those of `c.queue()`).
bool CanServeIn(const RouterConfig& config, const QueueConfig& q, const Operator& op,
                const Contact& c, int64_t now) {
  if (!op.CanTake(c.channel(), config.chat_during_voice)) return false;
  if (!op.HasSkills(c.required_skills) || c.IsRefusedBy(op.id, now)) return false;
  if (!c.reserved_for.value().empty() && c.reserved_for != op.id) return false;
  return StepAllows(q, c, op);
}

struct Match {
  const Contact* contact;
  const Operator* op;
};

// The first contact, in order of service across the queues `op` serves, that `op` may take.
std::optional<Match> WorkFor(const RouterState& state, const RouterConfig& config,
                             const Operator& op, int64_t now) {
  std::optional<Match> best;
  for (const auto& [name, line] : state.queues()) {
    if (line.paused || line.line.empty() || !MayServeSome(line, op)) continue;
    const QueueConfig& q = QueueSettings(config, name);
    size_t scanned = 0;
    for (const LinePlace& place : line.line) {
      if (best && !(place < best->contact->Place())) break;  // nothing further here beats it
      if (++scanned > kLineScanMax) break;
      const Contact* c = state.FindContact(ContactId(place.contact));
      EKC_DCHECK(c != nullptr && c->InLine());
      if (CanServeIn(config, q, op, *c, now)) {
        best = Match{c, &op};
        break;
      }
    }
  }
  return best;
}

// The free operators worth looking at for `c`: the one it is reserved for, or those ready with its
// rarest skill, or everyone ready.
const ReadySet* CandidatesFor(const RouterState& state, const Contact& c) {
  const ReadySet* smallest = &state.ready_operators();
  for (const std::string& skill : c.required_skills) {
    const ReadySet* with = state.ready_with_skill(skill);
    if (with == nullptr) return nullptr;
    if (with->size() < smallest->size()) smallest = with;
  }
  return smallest;
}

// The operator the queue's strategy picks for `c` among those who may take it.
const Operator* OperatorFor(const RouterState& state, const RouterConfig& config, const Contact& c,
                            int64_t now) {
  const Queue* line = state.FindQueue(c.queue());
  if (line == nullptr || line->paused) return nullptr;
  const QueueConfig& q = QueueSettings(config, c.queue());
  if (!c.reserved_for.value().empty()) {
    const Operator* op = state.FindOperator(c.reserved_for);
    return op != nullptr && CanServeIn(config, q, *op, c, now) ? op : nullptr;
  }
  const ReadySet* candidates = CandidatesFor(state, c);
  if (candidates == nullptr) return nullptr;
  const Operator* best = nullptr;
  const Operator* first_after_last = nullptr;  // round robin
  size_t scanned = 0;
  for (const auto& [since, id] : *candidates) {
    if (++scanned > kCandidateScanMax) break;
    const Operator* op = state.FindOperator(id);
    if (!CanServeIn(config, q, *op, c, now)) continue;
    switch (q.strategy) {
      case SelectionStrategy::kLongestIdle:
        return op;  // the ready set is in order of idleness
      case SelectionStrategy::kMostSkilled:
        if (best == nullptr ||
            op->ProficiencyIn(c.required_skills) > best->ProficiencyIn(c.required_skills))
          best = op;
        break;
      case SelectionStrategy::kLeastOccupied:
        if (best == nullptr || op->ActiveCount() < best->ActiveCount()) best = op;
        break;
      case SelectionStrategy::kRoundRobin:
        if (best == nullptr || op->id < best->id) best = op;  // the lowest id, to wrap around to
        if (op->id > line->last_offered_operator &&
            (first_after_last == nullptr || op->id < first_after_last->id)) {
          first_after_last = op;
        }
        break;
    }
  }
  return first_after_last != nullptr ? first_after_last : best;
}

v1::OfferReason Explain(const QueueConfig& q, const Contact& c, const Operator& op, int64_t now) {
  v1::OfferReason reason;
  reason.set_strategy(std::string(SelectionStrategyName(q.strategy)));
  for (const std::string& skill : c.required_skills) reason.add_matched_skills(skill);
  const EscalationStep* step = StepOf(q, c);
  reason.set_step(step == nullptr || step->summary.empty() ? "any" : step->summary);
  const int64_t idle_ms = std::max<int64_t>(0, now - op.ready_since_unix_ms);
  reason.set_idle_ms(idle_ms);
  reason.set_proficiency(op.ProficiencyIn(c.required_skills));
  reason.set_callback(c.callback);
  std::string why = !c.reserved_for.value().empty() ? "reserved for you"
                    : q.strategy == SelectionStrategy::kMostSkilled
                        ? fmt::format("most skilled (proficiency {})", reason.proficiency())
                    : q.strategy == SelectionStrategy::kLeastOccupied
                        ? fmt::format("least occupied ({} in hand)", op.ActiveCount())
                    : q.strategy == SelectionStrategy::kRoundRobin
                        ? std::string("next in turn")
                        : fmt::format("longest idle ({} s)", idle_ms / 1000);
  if (!c.required_skills.empty())
    why += fmt::format(" with skills {}", fmt::join(c.required_skills, ", "));
  if (step != nullptr && !step->summary.empty()) why += fmt::format("; step: {}", step->summary);
  if (c.callback) why += "; a callback: call the citizen back";
  reason.set_summary(std::move(why));
  return reason;
}

v1::EventRecord Offer(const RouterConfig& config, const Contact& c, const Operator& op,
                      int64_t now) {
  const QueueConfig& q = QueueSettings(config, c.queue());
  return events::Offered(c, op, now + q.offer_timeout_ms, Explain(q, c, op, now));
}

}  // namespace

bool CanServe(const RouterState& state, const RouterConfig& config, const Operator& op,
              const Contact& c, int64_t now_unix_ms) {
  (void)state;
  return CanServeIn(config, QueueSettings(config, c.queue()), op, c, now_unix_ms);
}

void DispatchHints::AddAllReady(const RouterState& state) {
  for (const auto& [since, id] : state.ready_operators()) operators.insert(id);
}

void NoteForDispatch(const v1::EventRecord& e, const RouterState& state, DispatchHints& hints) {
  switch (e.event_case()) {
    case v1::EventRecord::kContactReceived:
    case v1::EventRecord::kContactEscalated:
    case v1::EventRecord::kContactOverflowed:
    case v1::EventRecord::kContactPriorityChanged:
    case v1::EventRecord::kContactReserved:
      hints.contacts.insert(ContactId(e.contact_id()));
      break;
    case v1::EventRecord::kOfferRevoked:
    case v1::EventRecord::kContactTransferred:
      hints.contacts.insert(ContactId(e.contact_id()));
      hints.operators.insert(OperatorId(e.operator_id()));
      break;
    case v1::EventRecord::kOperatorLoggedIn:
    case v1::EventRecord::kOperatorStateChanged:
    case v1::EventRecord::kContactConnected:  // a chat operator may have room for another
    case v1::EventRecord::kContactCompleted:
      hints.operators.insert(OperatorId(e.operator_id()));
      break;
    case v1::EventRecord::kQueuePauseChanged:
      if (!e.queue_pause_changed().paused()) hints.AddAllReady(state);
      break;
    default:
      break;
  }
}

std::optional<v1::EventRecord> DispatchStep(const RouterState& state, const RouterConfig& config,
                                            int64_t now, DispatchHints& hints) {
  // Operators first: one who became free takes the best contact of all its lines.
  while (!hints.operators.empty()) {
    const OperatorId id = *hints.operators.begin();
    hints.operators.erase(hints.operators.begin());
    const Operator* op = state.FindOperator(id);
    if (op == nullptr || !op->Ready()) continue;
    if (std::optional<Match> m = WorkFor(state, config, *op, now))
      return Offer(config, *m->contact, *op, now);
  }
  while (!hints.contacts.empty()) {
    const ContactId id = *hints.contacts.begin();
    hints.contacts.erase(hints.contacts.begin());
    const Contact* c = state.FindContact(id);
    if (c == nullptr || !c->InLine()) continue;
    if (const Operator* op = OperatorFor(state, config, *c, now))
      return Offer(config, *c, *op, now);
  }
  return std::nullopt;
}

}  // namespace ekc::router
