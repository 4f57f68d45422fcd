#include "tools/ekc_load/agreement.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "ekc/v1/supervision.grpc.pb.h"

#include "tools/ekc_load/citizens.h"

namespace ekc::load {

namespace v1 = ekc::v1;

namespace {

constexpr size_t kExamplesMax = 5;
constexpr int64_t kSlackUs = kStampSlackMs * 1000;

}  // namespace

std::vector<ClientWait> ClientWaits(const std::vector<ContactRecord>& records) {
  std::vector<ClientWait> out;
  for (const ContactRecord& c : records) {
    if (c.contact_id == 0 || c.acked_us == 0) continue;
    if (c.phase == ContactPhase::kCompleted && c.answered) {
      out.push_back(ClientWait{.contact_id = c.contact_id,
                               .low_us = std::max<int64_t>(0, c.accept_sent_us - c.acked_us),
                               .high_us = c.assigned_us - c.sent_us,
                               .answered = true});
    } else if (c.phase == ContactPhase::kAbandoned) {
      out.push_back(ClientWait{.contact_id = c.contact_id,
                               .low_us = std::max<int64_t>(0, c.cancel_sent_us - c.acked_us),
                               .high_us = c.cancel_acked_us - c.sent_us,
                               .answered = false});
    }
  }
  return out;
}

WaitFigures ClientFigures(const std::vector<ClientWait>& waits, int64_t threshold_ms) {
  WaitFigures f;
  const int64_t threshold_us = threshold_ms * 1000;
  uint64_t surely_within = 0;
  uint64_t maybe_within = 0;
  long double low_total = 0;
  long double high_total = 0;
  for (const ClientWait& w : waits) {
    ++f.ended;
    const int64_t low = std::max<int64_t>(0, w.low_us - kSlackUs);
    const int64_t high = w.high_us + kSlackUs;
    low_total += low;
    high_total += high;
    if (w.answered) {
      ++f.answered;
      if (high <= threshold_us) ++surely_within;
      if (low <= threshold_us) ++maybe_within;
    } else {
      ++f.abandoned;
    }
  }
  if (f.ended > 0) {
    const auto ended = static_cast<double>(f.ended);
    f.service_level_low = static_cast<double>(surely_within) / ended;
    f.service_level_high = static_cast<double>(maybe_within) / ended;
    f.asa_ms_low = static_cast<double>(low_total / 1000) / ended;
    f.asa_ms_high = static_cast<double>(high_total / 1000) / ended;
    f.abandon_rate = static_cast<double>(f.abandoned) / ended;
  }
  return f;
}

Agreement Compare(const std::vector<ClientWait>& client, const std::vector<ServerWait>& server,
                  int64_t threshold_ms, bool truncated) {
  Agreement a;
  a.truncated = truncated;
  std::unordered_map<uint64_t, const ServerWait*> by_id;
  for (const ServerWait& s : server) by_id[s.contact_id] = &s;
  std::vector<ClientWait> compared;
  uint64_t within = 0;
  long double wait_total_ms = 0;
  uint64_t abandoned = 0;
  for (const ClientWait& c : client) {
    auto it = by_id.find(c.contact_id);
    if (it == by_id.end()) {
      if (!truncated) {
        ++a.missing;
        if (a.examples.size() < kExamplesMax)
          a.examples.push_back(
              fmt::format("contact {} ended for the client, not listed by ekcd", c.contact_id));
      }
      continue;
    }
    const ServerWait& s = *it->second;
    ++a.compared;
    compared.push_back(c);
    if (s.answered != c.answered) {
      ++a.ended_differently;
      if (a.examples.size() < kExamplesMax)
        a.examples.push_back(fmt::format("contact {}: {} for the client, {} for ekcd", c.contact_id,
                                         c.answered ? "completed" : "abandoned",
                                         s.answered ? "completed" : "abandoned"));
    }
    const int64_t server_us = s.waited_ms * 1000;
    if (server_us >= c.low_us - kSlackUs && server_us <= c.high_us + kSlackUs) {
      ++a.inside;
    } else {
      ++a.outside;
      if (a.examples.size() < kExamplesMax)
        a.examples.push_back(
            fmt::format("contact {}: ekcd says it waited {} ms, the client saw "
                        "{:.3f}..{:.3f} ms",
                        c.contact_id, s.waited_ms, c.low_us / 1000.0, c.high_us / 1000.0));
    }
    wait_total_ms += s.waited_ms;
    if (s.answered && s.waited_ms <= threshold_ms) ++within;
    if (!s.answered) ++abandoned;
  }
  a.client = ClientFigures(compared, threshold_ms);
  if (a.compared > 0) {
    const auto n = static_cast<double>(a.compared);
    a.server_service_level = static_cast<double>(within) / n;
    a.server_asa_ms = static_cast<double>(wait_total_ms) / n;
    a.server_abandon_rate = static_cast<double>(abandoned) / n;
  }
  a.agrees = a.outside == 0 && a.ended_differently == 0 && a.missing == 0;
  return a;
}

absl::StatusOr<std::vector<ServerWait>> FetchServerWaits(
    const std::shared_ptr<grpc::Channel>& channel, const LoadOptions& options,
    const std::vector<std::string>& queues, bool* truncated) {
  *truncated = false;
  auto stub = v1::Supervision::NewStub(channel);
  std::vector<ServerWait> out;
  for (const std::string& queue : queues) {
    // Answered: completed, or still in the operator's wrap-up (the client's "completed" is the
    // acknowledged Complete, which starts the wrap-up).
    for (const bool answered : {true, false}) {
      grpc::ClientContext context;
      PrepareContext(context, options);
      v1::ListContactsRequest request;
      if (answered) {
        request.add_states(v1::CONTACT_STATE_COMPLETED);
        request.add_states(v1::CONTACT_STATE_WRAP_UP);
      } else {
        request.add_states(v1::CONTACT_STATE_ABANDONED);
      }
      request.set_queue(queue);
      request.set_limit(kListLimit);
      v1::ListContactsResponse response;
      const grpc::Status status = stub->ListContacts(&context, request, &response);
      if (!status.ok()) {
        return absl::UnavailableError(fmt::format("Supervision.ListContacts({}): {}: {}", queue,
                                                  static_cast<int>(status.error_code()),
                                                  status.error_message()));
      }
      if (response.contacts_size() >= static_cast<int>(kListLimit)) *truncated = true;
      for (const v1::WaitingContact& row : response.contacts()) {
        out.push_back(ServerWait{
            .contact_id = row.contact_id(), .waited_ms = row.waited_ms(), .answered = answered});
      }
    }
  }
  return out;
}

}  // namespace ekc::load
