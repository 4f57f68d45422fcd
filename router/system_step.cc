// The core's own steps: timers that fall due, and offers of waiting contacts to idle operators.

#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "router/decide.h"
#include "router/event_factory.h"

namespace ekc::router {

namespace v1 = ekc::v1;

namespace {

// How many waiting contacts of one queue a dispatch step looks at for one that an idle operator can
// take. Contacts of a queue usually need the same skills, so the first few tell; the bound keeps a
// step cheap when none fits.
constexpr size_t kDispatchScanPerQueueMax = 64;

std::vector<v1::EventRecord> FireTimer(const RouterState& state, const RouterConfig& config,
                                       const Timer& timer, int64_t now) {
  std::vector<v1::EventRecord> out;
  switch (timer.kind) {
    case TimerKind::kOfferTimeout: {
      const Contact* c = state.FindContact(ContactId(timer.contact));
      EKC_CHECK(c != nullptr && c->state == v1::CONTACT_STATE_OFFERED);
      const QueueConfig& queue = QueueSettings(config, c->queue());
      out.push_back(
          events::Revoked(*c, v1::REVOKE_REASON_TIMEOUT, "", now + queue.reoffer_delay_ms));
      break;
    }
    case TimerKind::kWrapUpEnd: {
      const Contact* c = state.FindContact(ContactId(timer.contact));
      EKC_CHECK(c != nullptr && c->state == v1::CONTACT_STATE_WRAP_UP);
      out.push_back(events::Completed(*c));
      out.push_back(events::StateChanged(c->operator_id, v1::OPERATOR_STATE_AVAILABLE, ""));
      break;
    }
    case TimerKind::kGraceEnd: {
      const Operator* op = state.FindOperator(OperatorId(timer.operator_id));
      EKC_CHECK(op != nullptr && op->LoggedIn() && !op->connected);
      if (op->active_contact.value() != 0) {
        // The operator never came back to finish: close the conversation on their behalf.
        const Contact* c = state.FindContact(op->active_contact);
        EKC_CHECK(c != nullptr);
        if (c->state == v1::CONTACT_STATE_CONNECTED) {
          out.push_back(events::ConversationEnded(*c, "connection_lost", "", now));
        }
        out.push_back(events::Completed(*c));
      }
      out.push_back(events::LoggedOut(op->id, "connection_lost"));
      break;
    }
  }
  return out;
}

struct Match {
  LinePlace place;
  const Contact* contact = nullptr;
  const Operator* op = nullptr;
};

// The longest-idle operator who can take the contact now.
const Operator* BestOperatorFor(const RouterState& state, const Contact& c, int64_t now) {
  for (const auto& [since, id] : state.idle_operators()) {
    const Operator* op = state.FindOperator(id);
    EKC_DCHECK(op != nullptr && op->Idle());
    if (op->HasSkills(c.required_skills) && op->TakesChannel(c.card.channel()) &&
        !c.IsRefusedBy(id, now)) {
      return op;
    }
  }
  return nullptr;
}

// The first contact in the queue's line that an idle operator can take.
std::optional<Match> FirstMatchIn(const RouterState& state, const Queue& queue, int64_t now) {
  size_t scanned = 0;
  for (const LinePlace& place : queue.waiting) {
    if (++scanned > kDispatchScanPerQueueMax) break;
    const Contact* c = state.FindContact(ContactId(place.contact));
    EKC_DCHECK(c != nullptr && c->IsWaiting());
    if (const Operator* op = BestOperatorFor(state, *c, now)) return Match{place, c, op};
  }
  return std::nullopt;
}

v1::OfferReason ExplainOffer(const Contact& c, const Operator& op, int64_t now) {
  v1::OfferReason reason;
  reason.set_strategy("longest_idle");
  for (const std::string& skill : c.required_skills) reason.add_matched_skills(skill);
  reason.set_step("any");
  const int64_t idle_ms = std::max<int64_t>(0, now - op.available_since_unix_ms);
  reason.set_idle_ms(idle_ms);
  reason.set_summary(c.required_skills.empty()
                         ? fmt::format("longest idle ({} s)", idle_ms / 1000)
                         : fmt::format("longest idle ({} s) with skills {}", idle_ms / 1000,
                                       fmt::join(c.required_skills, ", ")));
  return reason;
}

std::vector<v1::EventRecord> OfferBestMatch(const RouterState& state, const RouterConfig& config,
                                            int64_t now) {
  if (state.idle_operators().empty()) return {};
  std::optional<Match> best;
  for (const auto& [name, queue] : state.queues()) {
    if (queue.waiting.empty()) continue;
    std::optional<Match> m = FirstMatchIn(state, queue, now);
    if (m && (!best || m->place < best->place)) best = m;
  }
  if (!best) return {};
  const QueueConfig& queue = QueueSettings(config, best->contact->queue());
  return {events::Offered(*best->contact, *best->op, now + queue.offer_timeout_ms,
                          ExplainOffer(*best->contact, *best->op, now))};
}

}  // namespace

std::vector<v1::EventRecord> DecideSystemStep(const RouterState& state, const RouterConfig& config,
                                              int64_t now_unix_ms) {
  if (!state.timers().empty() && state.timers().begin()->at_unix_ms <= now_unix_ms) {
    return FireTimer(state, config, *state.timers().begin(), now_unix_ms);
  }
  return OfferBestMatch(state, config, now_unix_ms);
}

}  // namespace ekc::router
