// RecordingBuilder and ScaleStaffing (log_simulation.h): what the log says the citizens and the
// operators did, read once, and who works in a what-if.

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "tools/ekcutl/log_simulation.h"

namespace ekc::utl::log {

namespace v1 = ekc::v1;

namespace {

router::command::Submit SubmitOf(const v1::ContactReceived& r) {
  const v1::ContactCard& card = r.contact();
  router::command::Submit s{.idempotency_key = r.idempotency_key(),
                            .request_fingerprint = r.request_fingerprint(),
                            .channel = card.channel(),
                            .citizen_ref = card.citizen_ref(),
                            .region = card.region(),
                            .text = card.text(),
                            .ivr_choice = card.ivr_choice(),
                            .office = card.office()};
  s.attributes.assign(card.attributes().begin(), card.attributes().end());
  std::sort(s.attributes.begin(), s.attributes.end());
  s.classification = card.classification();
  return s;
}

router::command::Login LoginOf(const v1::EventRecord& e) {
  const v1::OperatorLoggedIn& in = e.operator_logged_in();
  return router::command::Login{.operator_id = OperatorId(e.operator_id()),
                                .name = in.name(),
                                .office = in.office(),
                                .region = in.region(),
                                .skills = {in.skills().begin(), in.skills().end()},
                                .channels = {in.channels().begin(), in.channels().end()},
                                .ready = in.state() == v1::OPERATOR_STATE_AVAILABLE};
}

// A people's action (not the system's, e.g. NOT_RESPONDING after missed offers).
bool ByPeople(const v1::EventRecord& e) {
  return e.actor().kind() == v1::ACTOR_KIND_OPERATOR ||
         e.actor().kind() == v1::ACTOR_KIND_SUPERVISOR;
}

int64_t Median(std::vector<int64_t> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

// FNV-1a: a stable hash of an id, so that the seeded choice of operators does not depend on the
// standard library.
uint64_t StableHash(const std::string& text, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

RecordedArrival* RecordingBuilder::Find(uint64_t contact) {
  auto it = index_.find(contact);
  return it == index_.end() ? nullptr : &recording_.arrivals[it->second];
}

OperatorStep& RecordingBuilder::AddStep(const v1::EventRecord& e, OperatorStep::Kind kind) {
  RecordedOperator& op = operators_[e.operator_id()];
  op.id = OperatorId(e.operator_id());
  op.steps.push_back(OperatorStep{.at_unix_ms = e.time_unix_ms(), .kind = kind});
  return op.steps.back();
}

void RecordingBuilder::Observe(const v1::EventRecord& e) {
  const int64_t now = e.time_unix_ms();
  if (recording_.first_unix_ms == 0) recording_.first_unix_ms = now;
  recording_.last_unix_ms = std::max(recording_.last_unix_ms, now);
  if (e.has_contact_received()) {
    index_[e.contact_id()] = recording_.arrivals.size();
    recording_.arrivals.push_back(RecordedArrival{.at_unix_ms = now,
                                                  .contact = ContactId(e.contact_id()),
                                                  .submit = SubmitOf(e.contact_received()),
                                                  .queue = e.contact_received().contact().queue()});
    return;
  }
  if (e.has_operator_logged_in()) {
    if (!e.operator_logged_in().resumed())
      AddStep(e, OperatorStep::Kind::kLogin).login = LoginOf(e);
    return;
  }
  if (e.has_operator_state_changed()) {
    const v1::OperatorStateChanged& s = e.operator_state_changed();
    if (!ByPeople(e)) return;
    if (s.state() == v1::OPERATOR_STATE_AVAILABLE) AddStep(e, OperatorStep::Kind::kAvailable);
    if (s.state() == v1::OPERATOR_STATE_BREAK)
      AddStep(e, OperatorStep::Kind::kBreak).break_reason = s.break_reason();
    return;
  }
  if (e.has_operator_logged_out()) {
    AddStep(e, OperatorStep::Kind::kLogout);
    return;
  }
  RecordedArrival* a = Find(e.contact_id());
  if (a == nullptr) return;  // a contact received before the log's first event
  const int64_t after = now - a->at_unix_ms;
  if (e.has_contact_offered()) {
    offers_[e.contact_id()] = Offer{e.operator_id(), now};
  } else if (e.has_contact_connected()) {
    if (a->answered_after_ms < 0) {
      a->answered_after_ms = after;
      handling_[e.contact_id()].connected_unix_ms = now;
    }
    if (auto it = offers_.find(e.contact_id());
        it != offers_.end() && it->second.operator_id == e.operator_id()) {
      accept_delays_ms_[e.operator_id()].push_back(now - it->second.at_unix_ms);
    }
    offers_.erase(e.contact_id());
  } else if (e.has_conversation_ended()) {
    Handling& h = handling_[e.contact_id()];
    h.ended_unix_ms = now;
    a->talk_ms = h.connected_unix_ms > 0 ? now - h.connected_unix_ms : -1;
  } else if (e.has_contact_completed()) {
    const Handling& h = handling_[e.contact_id()];
    if (a->talk_ms >= 0) a->wrap_up_ms = now - h.ended_unix_ms;
    handling_.erase(e.contact_id());
  } else if (e.has_contact_abandoned()) {
    a->abandoned_after_ms = after;
    offers_.erase(e.contact_id());
  } else if (e.has_callback_requested() && e.callback_requested().reason() == "citizen") {
    a->callback_after_ms = after;
    a->callback_ref = e.callback_requested().callback_ref();
  }
}

Recording RecordingBuilder::Finish() {
  for (auto& [id, op] : operators_) {
    op.accept_delay_ms = Median(accept_delays_ms_[id]);
    recording_.operators.push_back(std::move(op));
  }
  operators_.clear();
  return std::move(recording_);
}

std::vector<RecordedOperator> ScaleStaffing(const std::vector<RecordedOperator>& operators,
                                            double scale, uint64_t seed) {
  if (operators.empty()) return {};
  std::vector<const RecordedOperator*> order;
  for (const RecordedOperator& op : operators) order.push_back(&op);
  std::sort(order.begin(), order.end(), [seed](const auto* a, const auto* b) {
    return std::pair(StableHash(a->id.value(), seed), a->id) <
           std::pair(StableHash(b->id.value(), seed), b->id);
  });
  const size_t n = operators.size();
  const size_t wanted =
      std::max<size_t>(1, static_cast<size_t>(std::llround(static_cast<double>(n) * scale)));
  std::vector<RecordedOperator> out;
  for (size_t i = 0; i < std::min(n, wanted); ++i) out.push_back(*order[i]);
  for (size_t k = n; k < wanted; ++k) {
    RecordedOperator clone = *order[k % n];
    clone.id = OperatorId(fmt::format("{}.clone{}", clone.id.value(), k / n));
    for (OperatorStep& step : clone.steps) step.login.operator_id = clone.id;
    out.push_back(std::move(clone));
  }
  std::sort(out.begin(), out.end(),
            [](const RecordedOperator& a, const RecordedOperator& b) { return a.id < b.id; });
  return out;
}

}  // namespace ekc::utl::log
