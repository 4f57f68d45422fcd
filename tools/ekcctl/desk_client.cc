#include "tools/ekcctl/desk_client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <signal.h>

#include "tools/ekcctl/desk_printer.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

// The API asks for a heartbeat about every 10 s.
constexpr auto kHeartbeatInterval = std::chrono::seconds(10);
// How soon Ctrl-C is noticed: the handler only counts, it cannot wake a condition variable.
constexpr auto kInterruptPollInterval = std::chrono::milliseconds(100);
// After the half-close, how long ekcd gets to end the stream before ekcctl cancels it.
constexpr auto kCloseWait = std::chrono::seconds(5);
// Requests remembered until answered; ekcd answers every one, so only a broken server gets here.
constexpr size_t kUnansweredMax = 1024;

std::atomic<int> g_interrupts{0};
static_assert(std::atomic<int>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

void CountInterrupt(int) { g_interrupts.fetch_add(1, std::memory_order_relaxed); }

void InstallInterruptHandlers() {
  struct sigaction action = {};
  action.sa_handler = CountInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

v1::DeskRequest LoginRequest(const v1::Login& login) {
  v1::DeskRequest r;
  *r.mutable_login() = login;
  return r;
}

v1::DeskRequest AcceptRequest(uint64_t contact_id) {
  v1::DeskRequest r;
  r.mutable_accept()->set_contact_id(contact_id);
  return r;
}

v1::DeskRequest DeclineRequest(uint64_t contact_id) {
  v1::DeskRequest r;
  r.mutable_decline()->set_contact_id(contact_id);
  r.mutable_decline()->set_reason("declined at the desk");
  return r;
}

v1::DeskRequest CompleteRequest(uint64_t contact_id, const std::string& outcome) {
  v1::DeskRequest r;
  r.mutable_complete()->set_contact_id(contact_id);
  r.mutable_complete()->set_outcome_code(outcome);
  return r;
}

v1::DeskRequest ChangeStateRequest(v1::OperatorState state, std::string break_reason) {
  v1::DeskRequest r;
  r.mutable_change_state()->set_state(state);
  r.mutable_change_state()->set_break_reason(std::move(break_reason));
  return r;
}

v1::DeskRequest HeartbeatRequest() {
  v1::DeskRequest r;
  r.mutable_heartbeat()->set_client_time_unix_ms(NowUnixMs());
  return r;
}

v1::DeskRequest LogoutRequest(const std::string& reason) {
  v1::DeskRequest r;
  r.mutable_logout()->set_reason(reason);
  return r;
}

std::string Trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// A typed line: its first word in lower case (commands are ASCII words), and the rest as typed.
struct TypedCommand {
  std::string word;
  std::string rest;
};

TypedCommand ParseTyped(const std::string& line) {
  const std::string text = Trimmed(line);
  const size_t space = text.find_first_of(" \t");
  TypedCommand command{.word = text.substr(0, space),
                       .rest = space == std::string::npos ? "" : Trimmed(text.substr(space))};
  std::transform(command.word.begin(), command.word.end(), command.word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return command;
}

}  // namespace

DeskClient::DeskClient(const std::shared_ptr<grpc::Channel>& channel, v1::Login login,
                       const OperatorOptions& options, int timeout_s, Printer& printer)
    : login_(std::move(login)),
      options_(options),
      timeout_(timeout_s),
      printer_(printer),
      stub_(v1::OperatorDesk::NewStub(channel)) {}

DeskClient::~DeskClient() {
  if (reader_.joinable()) {
    context_.TryCancel();
    reader_.join();
  }
}

int DeskClient::Run() {
  InstallInterruptHandlers();
  stream_ = stub_->Connect(&context_);  // no deadline: the stream lasts the whole shift
  {
    std::lock_guard lock(mu_);
    phase_deadline_ = Clock::now() + timeout_;
    heartbeat_due_ = Clock::now() + kHeartbeatInterval;
  }
  Send(LoginRequest(login_));
  reader_ = std::thread([this] { ReadEvents(); });
  if (!options_.auto_accept) {
    terminal_.Start([this](const std::string& line) { OnLine(line); }, [this] { OnInputEnd(); });
  }
  RunTimers();
  return Close();
}

void DeskClient::Send(v1::DeskRequest request) {
  {
    std::lock_guard lock(mu_);
    request.set_request_id(next_request_id_++);
    if (unanswered_.size() >= kUnansweredMax) unanswered_.erase(unanswered_.begin());
    unanswered_.emplace(request.request_id(), request);
  }
  PrintSent(request);  // before the write, so that it shows before its answer
  std::lock_guard lock(write_mu_);
  if (writes_done_) return;
  stream_->Write(request);  // false: the stream broke; the reader sees its end
}

void DeskClient::PrintSent(const v1::DeskRequest& request) {
  if (printer_.json()) {
    printer_.Json(nlohmann::json{{"sent", MessageToJsonValue(request)}});
  } else if (!request.has_heartbeat()) {
    printer_.Line(fmt::format("→ {}", DescribeDeskRequest(request)));
  }
}

void DeskClient::RequestStopLocked(std::string reason) {
  if (!stop_reason_.empty()) return;
  stop_reason_ = std::move(reason);
  changed_.notify_all();
}

// ---- reader thread ----

void DeskClient::ReadEvents() {
  v1::DeskEvent event;
  while (stream_->Read(&event)) OnEvent(event);
  std::lock_guard lock(mu_);
  stream_ended_ = true;
  changed_.notify_all();
}

void DeskClient::OnEvent(const v1::DeskEvent& event) {
  const std::optional<v1::DeskRequest> answered = TakeUnanswered(event.request_id());
  PrintEvent(event, answered ? &*answered : nullptr);
  switch (event.kind_case()) {
    case v1::DeskEvent::kLoggedIn:
      OnLoggedIn();
      break;
    case v1::DeskEvent::kOffer:
      OnOffer(event.offer());
      break;
    case v1::DeskEvent::kOfferRevoked:
      OnOfferRevoked(event.offer_revoked().contact_id());
      break;
    case v1::DeskEvent::kAssignment:
      OnAssignment(event.assignment());
      break;
    case v1::DeskEvent::kAck:
      if (answered) OnAck(*answered);
      break;
    case v1::DeskEvent::kError:
      if (answered) OnError(event.error(), *answered);
      break;
    default:
      break;
  }
}

std::optional<v1::DeskRequest> DeskClient::TakeUnanswered(uint64_t request_id) {
  if (request_id == 0) return std::nullopt;  // a push, not an answer
  std::lock_guard lock(mu_);
  auto it = unanswered_.find(request_id);
  if (it == unanswered_.end()) return std::nullopt;
  v1::DeskRequest request = std::move(it->second);
  unanswered_.erase(it);
  return request;
}

void DeskClient::PrintEvent(const v1::DeskEvent& event, const v1::DeskRequest* answered) {
  if (printer_.json()) {
    printer_.Json(event);
    return;
  }
  // A refused login ends the run, and the exit message says it; printing it here too would say it
  // twice.
  if (event.has_error() && answered != nullptr && answered->has_login()) return;
  printer_.Lines(DescribeDeskEvent(event, answered, NowUnixMs()));
}

void DeskClient::OnLoggedIn() {
  std::lock_guard lock(mu_);
  if (phase_ == Phase::kLoggingIn) phase_ = Phase::kWorking;
  changed_.notify_all();
}

void DeskClient::OnOffer(const v1::Offer& offer) {
  const uint64_t contact_id = offer.contact().contact_id();
  {
    std::lock_guard lock(mu_);
    // Accepting now would make the logout on its way fail (busy); the logout revokes the offer.
    if (!stop_reason_.empty()) return;
    if (!options_.auto_accept) {
      if (input_ended_) return;
      offers_to_answer_.push_back(contact_id);
      if (offers_to_answer_.size() > 1) return;  // asked when the earlier ones are answered
    }
  }
  if (options_.auto_accept) {
    Send(AcceptRequest(contact_id));
  } else {
    Prompt(contact_id);
  }
}

void DeskClient::OnOfferRevoked(uint64_t contact_id) {
  uint64_t next = 0;
  {
    std::lock_guard lock(mu_);
    auto it = std::find(offers_to_answer_.begin(), offers_to_answer_.end(), contact_id);
    if (it == offers_to_answer_.end()) return;
    const bool was_asked = it == offers_to_answer_.begin();
    offers_to_answer_.erase(it);
    if (was_asked && !offers_to_answer_.empty()) next = offers_to_answer_.front();
  }
  if (next != 0) Prompt(next);
}

void DeskClient::OnAssignment(const v1::Assignment& assignment) {
  const uint64_t contact_id = assignment.contact().contact_id();
  {
    std::lock_guard lock(mu_);
    completes_due_[contact_id] = Clock::now() + std::chrono::seconds(options_.handle_s);
    changed_.notify_all();
  }
  if (!printer_.json()) {
    printer_.Line(fmt::format("  (ekcctl completes it in {} s with outcome {})", options_.handle_s,
                              options_.outcome));
  }
}

void DeskClient::OnAck(const v1::DeskRequest& answered) {
  std::lock_guard lock(mu_);
  if (answered.has_complete()) {
    ++completed_;
    if (options_.max_contacts > 0 && completed_ >= options_.max_contacts) {
      RequestStopLocked(fmt::format("completed {} contacts", completed_));
    }
    if (options_.wrap_up_s >= 0 && stop_reason_.empty()) {
      ready_due_ = Clock::now() + std::chrono::seconds(options_.wrap_up_s);
    }
  }
  if (answered.has_logout()) logout_answered_ = true;
  changed_.notify_all();
}

void DeskClient::OnError(const v1::DeskError& error, const v1::DeskRequest& answered) {
  std::lock_guard lock(mu_);
  if (answered.has_login()) {
    failure_ = grpc::Status(static_cast<grpc::StatusCode>(error.code()), error.message());
  }
  if (answered.has_logout()) logout_answered_ = true;
  changed_.notify_all();
}

// ---- terminal thread ----

void DeskClient::OnLine(const std::string& line) {
  const auto [word, rest] = ParseTyped(line);
  if (word.empty()) return;
  if (word == "y" || word == "yes" || word == "n" || word == "no") {
    AnswerOffer(word[0] == 'y');
  } else if (word == "ready") {
    Send(ChangeStateRequest(v1::OPERATOR_STATE_AVAILABLE, ""));
  } else if (word == "break") {
    Send(ChangeStateRequest(v1::OPERATOR_STATE_BREAK, rest.empty() ? "break" : rest));
  } else if (word == "quit" || word == "logout") {
    std::lock_guard lock(mu_);
    RequestStopLocked("quit");
  } else {
    printer_.Note("answer an offer with y or n; other commands: ready, break [reason], quit");
  }
}

void DeskClient::AnswerOffer(bool accept) {
  uint64_t contact_id = 0;
  uint64_t next = 0;
  {
    std::lock_guard lock(mu_);
    if (!offers_to_answer_.empty()) {
      contact_id = offers_to_answer_.front();
      offers_to_answer_.pop_front();
      if (!offers_to_answer_.empty()) next = offers_to_answer_.front();
    }
  }
  if (contact_id == 0) {
    printer_.Note("no offer is waiting for an answer");
    return;
  }
  Send(accept ? AcceptRequest(contact_id) : DeclineRequest(contact_id));
  if (next != 0) Prompt(next);
}

void DeskClient::OnInputEnd() {
  {
    std::lock_guard lock(mu_);
    input_ended_ = true;
    offers_to_answer_.clear();
  }
  printer_.Note(
      "stdin is closed: offers are no longer answered here and time out (use --auto-accept); "
      "Ctrl-C logs out");
}

void DeskClient::Prompt(uint64_t contact_id) {
  printer_.Prompt(fmt::format("accept contact {}? [y/n] ", contact_id));
}

// ---- caller's thread ----

void DeskClient::RunTimers() {
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait_until(lock, std::min(NextDueLocked(), Clock::now() + kInterruptPollInterval));
    if (stream_ended_ || failure_) return;
    if (const int interrupts = g_interrupts.load(); interrupts != interrupts_seen_) {
      interrupts_seen_ = interrupts;
      if (!stop_reason_.empty()) {  // a second Ctrl-C: do not wait for ekcd any longer
        context_.TryCancel();
        return;
      }
      RequestStopLocked("interrupted");
    }
    const Clock::time_point now = Clock::now();
    // A stop during the login still waits for its answer: closing a stream whose login went through
    // would leave the operator logged in for ekcd's grace period.
    if (phase_ == Phase::kLoggingIn && now >= phase_deadline_) {
      if (stop_reason_.empty()) {
        failure_ =
            grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                         fmt::format("no answer to the login within {} s", timeout_.count()));
      }
      return;
    }
    if (phase_ == Phase::kLoggingOut && (logout_answered_ || now >= phase_deadline_)) return;
    std::vector<v1::DeskRequest> due = TakeDueRequestsLocked(now);
    lock.unlock();
    for (v1::DeskRequest& request : due) Send(std::move(request));
    lock.lock();
  }
}

DeskClient::Clock::time_point DeskClient::NextDueLocked() const {
  Clock::time_point next = heartbeat_due_;
  for (const auto& [contact_id, at] : completes_due_) next = std::min(next, at);
  if (ready_due_) next = std::min(next, *ready_due_);
  if (phase_ != Phase::kWorking) next = std::min(next, phase_deadline_);
  return next;
}

// The heartbeat, completions and end of wrap-up that are due; on a stop, every completion now and
// then the logout (ekcd refuses to log out an operator who is still connected to a citizen).
std::vector<v1::DeskRequest> DeskClient::TakeDueRequestsLocked(Clock::time_point now) {
  std::vector<v1::DeskRequest> due;
  if (now >= heartbeat_due_) {
    due.push_back(HeartbeatRequest());
    heartbeat_due_ = now + kHeartbeatInterval;
  }
  const bool stopping = !stop_reason_.empty() && phase_ == Phase::kWorking;
  if (ready_due_ && (stopping || *ready_due_ <= now)) {
    if (!stopping) due.push_back(ChangeStateRequest(v1::OPERATOR_STATE_AVAILABLE, ""));
    ready_due_.reset();
  }
  for (auto it = completes_due_.begin(); it != completes_due_.end();) {
    if (stopping || it->second <= now) {
      due.push_back(CompleteRequest(it->first, options_.outcome));
      it = completes_due_.erase(it);
    } else {
      ++it;
    }
  }
  if (stopping) {
    due.push_back(LogoutRequest("ekcctl: " + stop_reason_));
    phase_ = Phase::kLoggingOut;
    phase_deadline_ = now + timeout_;
  }
  return due;
}

int DeskClient::Close() {
  terminal_.Stop();
  {
    std::lock_guard lock(write_mu_);
    if (!writes_done_) stream_->WritesDone();
    writes_done_ = true;
  }
  {
    std::unique_lock lock(mu_);
    const Clock::time_point give_up = Clock::now() + kCloseWait;
    while (!stream_ended_ && Clock::now() < give_up && g_interrupts.load() == interrupts_seen_) {
      changed_.wait_for(lock, kInterruptPollInterval);
    }
    if (!stream_ended_) context_.TryCancel();
  }
  reader_.join();
  return ExitCode(stream_->Finish());
}

int DeskClient::ExitCode(const grpc::Status& finish_status) {
  std::lock_guard lock(mu_);
  if (failure_) return ReportError(*failure_);
  const bool asked_to_stop = !stop_reason_.empty();
  if (finish_status.ok() || (asked_to_stop && finish_status.error_code() == grpc::CANCELLED)) {
    if (asked_to_stop) return kExitOk;
    return ReportError("UNAVAILABLE", "ekcd ended the desk stream");
  }
  return ReportError(finish_status);
}

}  // namespace ekc::ctl
