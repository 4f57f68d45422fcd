#include "tools/ekcctl/desk_printer.h"

#include <algorithm>

#include <fmt/format.h>

#include "router/names.h"
#include "tools/ekcctl/output.h"
#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

// The contact card as the operator sees it: who, what they said, what the rules recognised.
std::vector<std::string> CardLines(const v1::ContactCard& card) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("  {} contact, queue {}, priority {}{}{}",
                              router::ChannelName(card.channel()), card.queue(),
                              router::PriorityName(card.priority()),
                              card.region().empty() ? "" : ", region " + card.region(),
                              card.citizen_ref().empty() ? "" : ", citizen " + card.citizen_ref()));
  if (!card.text().empty()) lines.push_back(fmt::format("  text: {}", card.text()));
  if (!card.ivr_choice().empty()) lines.push_back(fmt::format("  ivr: {}", card.ivr_choice()));
  for (const auto& [key, value] : card.attributes()) {
    lines.push_back(fmt::format("  {}: {}", key, value));
  }
  for (std::string& line : ClassificationLines(card.classification(), false)) {
    lines.push_back("  " + line);
  }
  return lines;
}

std::vector<std::string> OfferLines(const v1::Offer& offer, int64_t now_unix_ms) {
  const int64_t left_ms = std::max<int64_t>(0, offer.deadline_unix_ms() - now_unix_ms);
  std::vector<std::string> lines;
  lines.push_back(fmt::format("offer: contact {} (waited {}), answer by {} ({} left)",
                              offer.contact().contact_id(), Seconds(offer.waited_ms()),
                              ClockTime(offer.deadline_unix_ms()), Seconds(left_ms)));
  for (std::string& line : CardLines(offer.contact())) lines.push_back(std::move(line));
  const v1::OfferReason& why = offer.reason();
  lines.push_back(fmt::format("  why you: {}{}", why.summary(),
                              why.step().empty() ? "" : fmt::format(" (step {})", why.step())));
  return lines;
}

std::vector<std::string> AssignmentLines(const v1::Assignment& assignment) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("assignment: contact {} is yours since {}: connect to the citizen",
                              assignment.contact().contact_id(),
                              ClockTime(assignment.connected_unix_ms())));
  for (std::string& line : CardLines(assignment.contact())) lines.push_back(std::move(line));
  return lines;
}

std::string StateLine(const v1::StateChanged& s) {
  std::string line = fmt::format("state: {}", router::OperatorStateName(s.state()));
  if (!s.break_reason().empty()) line += fmt::format(" ({})", s.break_reason());
  if (s.wrap_up_until_unix_ms() != 0) {
    line += fmt::format(" until {}", ClockTime(s.wrap_up_until_unix_ms()));
  }
  return line;
}

std::string AnswerSuffix(const v1::DeskRequest* answered) {
  return answered == nullptr ? "" : fmt::format(" [{}]", DescribeDeskRequest(*answered));
}

}  // namespace

std::vector<std::string> DescribeDeskEvent(const v1::DeskEvent& event,
                                           const v1::DeskRequest* answered, int64_t now_unix_ms) {
  switch (event.kind_case()) {
    case v1::DeskEvent::kLoggedIn:
      return {fmt::format("logged in as {}: {}{}", event.logged_in().operator_id(),
                          router::OperatorStateName(event.logged_in().state()),
                          event.logged_in().resumed() ? " (resumed the earlier session)" : "")};
    case v1::DeskEvent::kOffer:
      return OfferLines(event.offer(), now_unix_ms);
    case v1::DeskEvent::kOfferRevoked:
      return {fmt::format("offer revoked: contact {} ({})", event.offer_revoked().contact_id(),
                          event.offer_revoked().reason())};
    case v1::DeskEvent::kAssignment:
      return AssignmentLines(event.assignment());
    case v1::DeskEvent::kStateChanged:
      return {StateLine(event.state_changed()) + AnswerSuffix(answered)};
    case v1::DeskEvent::kAck:
      return {"ok" + AnswerSuffix(answered)};
    case v1::DeskEvent::kError:
      return {fmt::format("error{}: {}: {}", AnswerSuffix(answered),
                          StatusCodeName(event.error().code()), event.error().message())};
    case v1::DeskEvent::kHeartbeatAck:
      return {};  // every 10 s: noise to a person
    case v1::DeskEvent::KIND_NOT_SET:
      break;
  }
  return {"(an empty message from ekcd)"};
}

std::string DescribeDeskRequest(const v1::DeskRequest& request) {
  switch (request.kind_case()) {
    case v1::DeskRequest::kLogin:
      return fmt::format("login as {} ({})", request.login().operator_id(),
                         request.login().ready() ? "ready" : "on break");
    case v1::DeskRequest::kChangeState:
      return fmt::format("change state to {}{}",
                         router::OperatorStateName(request.change_state().state()),
                         request.change_state().break_reason().empty()
                             ? ""
                             : fmt::format(" ({})", request.change_state().break_reason()));
    case v1::DeskRequest::kAccept:
      return fmt::format("accept contact {}", request.accept().contact_id());
    case v1::DeskRequest::kDecline:
      return fmt::format("decline contact {}", request.decline().contact_id());
    case v1::DeskRequest::kComplete:
      return fmt::format("complete contact {} ({})", request.complete().contact_id(),
                         request.complete().outcome_code());
    case v1::DeskRequest::kTransfer:
      return fmt::format("transfer contact {}", request.transfer().contact_id());
    case v1::DeskRequest::kHeartbeat:
      return "heartbeat";
    case v1::DeskRequest::kLogout:
      return "logout";
    case v1::DeskRequest::KIND_NOT_SET:
      break;
  }
  return "an empty request";
}

}  // namespace ekc::ctl
