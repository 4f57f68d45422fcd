#include "tools/ekc_load/operators.h"

#include <charconv>
#include <deque>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "tools/ekc_load/schedule.h"

namespace ekc::load {

namespace v1 = ekc::v1;

namespace {

// Requests of one stream waiting to be written; ekcd itself allows 64 awaiting answers.
constexpr size_t kOutboxMax = 32;
// Requests awaiting their answers: ekcd refuses more than 64 on one stream.
constexpr size_t kPendingMax = 64;
constexpr auto kHeartbeatEvery = std::chrono::seconds(10);
constexpr uint64_t kSaltHandle = 101;

// The sequence of a contact of this run, from its card; nullopt for anybody else's contact.
std::optional<uint64_t> SequenceOf(const v1::ContactCard& card, const std::string& run_id) {
  auto it = card.attributes().find(kSequenceAttribute);
  if (it == card.attributes().end()) return std::nullopt;
  const std::string& value = it->second;
  if (value.size() <= run_id.size() + 1 || !value.starts_with(run_id) ||
      value[run_id.size()] != '/')
    return std::nullopt;
  uint64_t seq = 0;
  const char* first = value.data() + run_id.size() + 1;
  const char* last = value.data() + value.size();
  auto [end, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc() || end != last) return std::nullopt;
  return seq;
}

}  // namespace

// One operator's stream. Lives until Operators is destroyed (after OnDone, or abandoned to a
// cancelled call whose OnDone never came, which the deadline of LogOut bounds).
class DeskStream final : public grpc::ClientBidiReactor<v1::DeskRequest, v1::DeskEvent> {
 public:
  DeskStream(Operators& owner, int index, v1::OperatorDesk::Stub* stub)
      : owner_(owner), index_(index), stub_(stub) {
    operator_id_ = fmt::format("{}{}", owner.options().operator_prefix, index);
  }

  void Start() {
    if (!owner_.options().token.empty())
      context_.AddMetadata("authorization", "Bearer " + owner_.options().token);
    stub_->async()->Connect(&context_, this);
    StartRead(&in_);
    AddHold();  // released once the half-close is sent or the stream failed
    StartCall();
    v1::DeskRequest login;
    v1::Login* l = login.mutable_login();
    l->set_operator_id(operator_id_);
    l->set_name(fmt::format("ekc-load operator {}", index_));
    std::vector<std::pair<std::string, int>> skills;
    (void)ParseSkills(owner_.options().skills, &skills);  // validated with the options
    for (const auto& [name, proficiency] : skills) {
      v1::Skill* s = l->add_skills();
      s->set_name(name);
      s->set_proficiency(static_cast<uint32_t>(proficiency));
    }
    l->set_ready(true);
    Send(std::move(login));
    ScheduleHeartbeat(std::chrono::milliseconds(index_ % 10'000));
  }

  // Completes what it holds and logs out; the half-close follows the logout's answer.
  void BeginLogout() {
    std::optional<v1::DeskRequest> complete;
    std::optional<uint64_t> seq;
    {
      std::lock_guard lock(mu_);
      if (closed_ || logging_out_) return;
      logging_out_ = true;
      if (active_contact_ != 0) {
        complete = CompleteRequest(active_contact_);
        seq = active_seq_;
      }
    }
    if (complete) Send(std::move(*complete), seq);
    v1::DeskRequest logout;
    logout.mutable_logout()->set_reason("ekc-load: end of the run");
    Send(std::move(logout));
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      ReleaseHold(/*closed=*/true);
      return;
    }
    OnEvent(in_);
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    bool write_next = false;
    bool half_close = false;
    size_t dropped = 0;  // writes that will never start now: their holds go
    {
      std::lock_guard lock(mu_);
      if (!ok) {
        closed_ = true;
        writing_ = false;
        dropped = outbox_.size();
        outbox_.clear();
      } else if (!outbox_.empty()) {
        current_ = std::move(outbox_.front());
        outbox_.pop_front();
        write_next = true;
      } else if (half_close_wanted_ && !half_close_started_) {
        half_close_started_ = true;
        half_close = true;
      } else {
        writing_ = false;
      }
    }
    if (write_next) StartWrite(&current_);
    if (half_close) {
      StartWritesDone();
      ReleaseHold(/*closed=*/false);
    }
    for (size_t i = 0; i < dropped; ++i) RemoveHold();
    RemoveHold();  // the write's own hold
  }

  void OnWritesDoneDone(bool) override {}

  void OnDone(const grpc::Status& status) override {
    bool expected = false;
    {
      std::lock_guard lock(mu_);
      expected = logging_out_;
      closed_ = true;
    }
    const bool ok = status.ok() || (expected && status.error_code() == grpc::StatusCode::CANCELLED);
    if (!ok)
      owner_.metrics().Error(fmt::format("desk {}: stream ended: {}: {}", operator_id_,
                                         static_cast<int>(status.error_code()),
                                         status.error_message()));
    owner_.OnStreamDone(ok);
  }

 private:
  enum class Kind { kLogin, kAccept, kComplete, kChangeState, kHeartbeat, kLogout };
  struct Pending {
    Kind kind;
    int64_t sent_ns;
    uint64_t contact_id;
    std::optional<uint64_t> seq;
  };

  v1::DeskRequest CompleteRequest(uint64_t contact_id) {
    v1::DeskRequest r;
    r.mutable_complete()->set_contact_id(contact_id);
    r.mutable_complete()->set_outcome_code("consulted");
    return r;
  }

  static Kind KindOf(const v1::DeskRequest& r) {
    switch (r.kind_case()) {
      case v1::DeskRequest::kLogin:
        return Kind::kLogin;
      case v1::DeskRequest::kAccept:
        return Kind::kAccept;
      case v1::DeskRequest::kComplete:
        return Kind::kComplete;
      case v1::DeskRequest::kChangeState:
        return Kind::kChangeState;
      case v1::DeskRequest::kLogout:
        return Kind::kLogout;
      default:
        return Kind::kHeartbeat;
    }
  }

  // Any thread. `seq` is the run's sequence of the contact the request is about, if any.
  void Send(v1::DeskRequest request, std::optional<uint64_t> seq = std::nullopt) {
    bool write_now = false;
    {
      std::lock_guard lock(mu_);
      if (closed_ || half_close_wanted_) return;
      if (outbox_.size() >= kOutboxMax || pending_.size() >= kPendingMax) {
        owner_.metrics().Error(fmt::format("desk {}: too many requests unanswered", operator_id_));
        return;
      }
      const uint64_t id = next_request_id_++;
      request.set_request_id(id);
      uint64_t contact = 0;
      if (request.has_accept()) contact = request.accept().contact_id();
      if (request.has_complete()) contact = request.complete().contact_id();
      pending_[id] = Pending{KindOf(request), SteadyNowNs(), contact, seq};
      AddHold();  // this write's: the stream cannot finish while a write is yet to start
      if (writing_) {
        outbox_.push_back(std::move(request));
      } else {
        writing_ = true;
        current_ = std::move(request);
        write_now = true;
      }
    }
    if (write_now) StartWrite(&current_);
  }

  void ReleaseHold(bool closed) {
    bool release = false;
    {
      std::lock_guard lock(mu_);
      if (closed) closed_ = true;
      release = !hold_released_;
      hold_released_ = true;
    }
    if (release) RemoveHold();
  }

  void ScheduleHeartbeat(std::chrono::nanoseconds delay) {
    (void)owner_.scheduler().After(delay, [this] {
      {
        std::lock_guard lock(mu_);
        if (closed_ || logging_out_) return;
      }
      v1::DeskRequest r;
      r.mutable_heartbeat()->set_client_time_unix_ms(SystemNowUs() / 1000);
      Send(std::move(r));
      ScheduleHeartbeat(kHeartbeatEvery);
    });
  }

  std::optional<Pending> TakePending(uint64_t request_id) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(request_id);
    if (it == pending_.end()) return std::nullopt;
    Pending p = it->second;
    pending_.erase(it);
    return p;
  }

  void OnEvent(const v1::DeskEvent& event) {
    std::optional<Pending> answered;
    if (event.request_id() != 0) answered = TakePending(event.request_id());
    switch (event.kind_case()) {
      case v1::DeskEvent::kLoggedIn:
        owner_.OnLoggedIn();
        break;
      case v1::DeskEvent::kOffer:
        OnOffer(event.offer());
        break;
      case v1::DeskEvent::kOfferRevoked:
        owner_.metrics().Count("revoked_" + event.offer_revoked().reason());
        break;
      case v1::DeskEvent::kAssignment:
        if (answered) OnAssignment(event.assignment(), *answered);
        break;
      case v1::DeskEvent::kAck:
        if (answered) OnAck(*answered);
        break;
      case v1::DeskEvent::kError:
        OnError(event.error(), answered);
        break;
      default:
        break;  // StateChanged, HeartbeatAck: nothing to do
    }
  }

  void OnOffer(const v1::Offer& offer) {
    const uint64_t contact_id = offer.contact().contact_id();
    const std::optional<uint64_t> seq = SequenceOf(offer.contact(), owner_.run_id());
    if (seq && *seq < owner_.table().size()) {
      const int64_t now = SteadyNowNs();
      const int64_t intended = owner_.table().Update(*seq, [&](ContactRecord& c) {
        const bool first = c.offered_ns == 0;
        if (first) c.offered_ns = now;
        return first ? c.intended_ns : int64_t{0};
      });
      if (intended != 0)
        owner_.metrics().Record(RunMetrics::Latency::kOffer, (now - intended) / 1000);
      owner_.metrics().Count("offers");
    } else {
      owner_.metrics().Count("foreign_offers");
    }
    auto accept = [this, contact_id, seq] {
      if (seq && *seq < owner_.table().size()) {
        owner_.table().Update(*seq, [](ContactRecord& c) {
          c.accept_sent = true;
          c.accept_sent_us = SystemNowUs();
        });
      }
      v1::DeskRequest r;
      r.mutable_accept()->set_contact_id(contact_id);
      Send(std::move(r), seq);
    };
    const double delay_s = owner_.options().accept_delay_s;
    if (delay_s <= 0) {
      accept();
    } else if (!owner_.scheduler().After(
                   std::chrono::nanoseconds(static_cast<int64_t>(delay_s * 1e9)), accept)) {
      owner_.metrics().Error("the scheduler is full: an accept was not scheduled");
    }
  }

  void OnAssignment(const v1::Assignment& assignment, const Pending& accept) {
    const int64_t now = SteadyNowNs();
    owner_.metrics().Record(RunMetrics::Latency::kAccept, (now - accept.sent_ns) / 1000);
    const uint64_t contact_id = assignment.contact().contact_id();
    const std::optional<uint64_t> seq = accept.seq;
    if (seq) {
      owner_.table().Update(*seq, [](ContactRecord& c) {
        c.answered = true;
        c.assigned_us = SystemNowUs();
      });
    }
    {
      std::lock_guard lock(mu_);
      active_contact_ = contact_id;
      active_seq_ = seq;
    }
    const double handle_s =
        owner_.options().aht_s <= 0
            ? 0.0
            : ExponentialFromBits(
                  MixBits(owner_.options().seed, seq.value_or(contact_id), kSaltHandle),
                  owner_.options().aht_s);
    auto complete = [this, contact_id, seq] {
      {
        std::lock_guard lock(mu_);
        if (active_contact_ != contact_id || logging_out_) return;  // BeginLogout completed it
        active_contact_ = 0;
      }
      Send(CompleteRequest(contact_id), seq);
    };
    if (handle_s <= 0) {
      complete();
    } else if (!owner_.scheduler().After(
                   std::chrono::nanoseconds(static_cast<int64_t>(handle_s * 1e9)), complete)) {
      owner_.metrics().Error("the scheduler is full: a completion was not scheduled");
    }
  }

  void OnAck(const Pending& answered) {
    if (answered.kind == Kind::kLogout) {
      bool half_close_now = false;
      {
        std::lock_guard lock(mu_);
        half_close_wanted_ = true;
        if (!writing_ && !half_close_started_) {
          half_close_started_ = true;
          half_close_now = true;
        }
      }
      if (half_close_now) {
        StartWritesDone();
        ReleaseHold(/*closed=*/false);
      }
      return;
    }
    if (answered.kind != Kind::kComplete) return;
    owner_.metrics().Record(RunMetrics::Latency::kComplete,
                            (SteadyNowNs() - answered.sent_ns) / 1000);
    if (answered.seq) {
      owner_.metrics().Count("completed");
      owner_.Resolve(*answered.seq, ContactPhase::kCompleted);
    } else {
      owner_.metrics().Count("foreign_completed");
    }
    const double wrap_up_s = owner_.options().wrap_up_s;
    if (wrap_up_s < 0) return;
    auto ready = [this] {
      {
        std::lock_guard lock(mu_);
        if (logging_out_) return;
      }
      v1::DeskRequest r;
      r.mutable_change_state()->set_state(v1::OPERATOR_STATE_AVAILABLE);
      Send(std::move(r));
    };
    if (wrap_up_s == 0) {
      ready();
    } else if (!owner_.scheduler().After(
                   std::chrono::nanoseconds(static_cast<int64_t>(wrap_up_s * 1e9)), ready)) {
      owner_.metrics().Error("the scheduler is full: a wrap-up end was not scheduled");
    }
  }

  void OnError(const v1::DeskError& error, const std::optional<Pending>& answered) {
    // An accept that crossed the citizen's hang-up: ekcd no longer offers that contact to us.
    if (answered && answered->kind == Kind::kAccept &&
        (error.code() == static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION) ||
         error.code() == static_cast<int>(grpc::StatusCode::NOT_FOUND))) {
      owner_.metrics().Count("accept_refused");
      return;
    }
    if (answered && answered->kind == Kind::kLogout) {
      OnAck(*answered);  // half-close anyway; the error is counted below
    }
    owner_.metrics().Error(
        fmt::format("desk {}: DeskError {}: {}", operator_id_, error.code(), error.message()));
  }

  Operators& owner_;
  const int index_;
  v1::OperatorDesk::Stub* stub_;
  std::string operator_id_;
  grpc::ClientContext context_;
  v1::DeskEvent in_;
  v1::DeskRequest current_;  // the write in flight

  std::mutex mu_;
  std::deque<v1::DeskRequest> outbox_;
  std::map<uint64_t, Pending> pending_;
  uint64_t next_request_id_ = 1;
  bool writing_ = false;
  bool closed_ = false;
  bool logging_out_ = false;
  bool half_close_wanted_ = false;
  bool half_close_started_ = false;
  bool hold_released_ = false;
  uint64_t active_contact_ = 0;
  std::optional<uint64_t> active_seq_;
};

Operators::Operators(const LoadOptions& options, std::string run_id,
                     std::vector<std::shared_ptr<grpc::Channel>> channels, ContactTable& table,
                     RunMetrics& metrics, Scheduler& scheduler, ResolveFn resolve)
    : options_(options),
      run_id_(std::move(run_id)),
      table_(table),
      metrics_(metrics),
      scheduler_(scheduler),
      resolve_(std::move(resolve)) {
  for (const auto& channel : channels) stubs_.push_back(v1::OperatorDesk::NewStub(channel));
}

Operators::~Operators() = default;

absl::Status Operators::LogIn(std::chrono::steady_clock::time_point deadline) {
  streams_.reserve(static_cast<size_t>(options_.operators));
  for (int i = 0; i < options_.operators; ++i) {
    streams_.push_back(std::make_unique<DeskStream>(*this, i, stubs_[i % stubs_.size()].get()));
    streams_.back()->Start();
  }
  std::unique_lock lock(mu_);
  const bool all = changed_.wait_until(
      lock, deadline, [&] { return logged_in_ == options_.operators || done_ > 0; });
  if (!all || logged_in_ < options_.operators) {
    return absl::UnavailableError(
        fmt::format("{} of {} operators logged in ({} streams ended); see the errors", logged_in_,
                    options_.operators, done_));
  }
  return absl::OkStatus();
}

void Operators::LogOut(std::chrono::steady_clock::time_point deadline) {
  for (auto& stream : streams_) stream->BeginLogout();
  std::unique_lock lock(mu_);
  const auto all_done = [&] { return done_ == static_cast<int>(streams_.size()); };
  if (changed_.wait_until(lock, deadline, all_done)) return;
  lock.unlock();
  metrics_.Error(fmt::format("{} desk streams did not end after the logout; cancelled",
                             streams_.size() - static_cast<size_t>(done_)));
  for (auto& stream : streams_) stream->Cancel();
  lock.lock();
  if (!changed_.wait_for(lock, std::chrono::seconds(5), all_done)) {
    // gRPC still holds them; leaking is safer than deleting a reactor it may call.
    for (auto& stream : streams_) (void)stream.release();
  }
}

int Operators::logged_in() const {
  std::lock_guard lock(mu_);
  return logged_in_;
}

void Operators::OnLoggedIn() {
  std::lock_guard lock(mu_);
  ++logged_in_;
  changed_.notify_all();
}

void Operators::OnStreamDone(bool) {
  std::lock_guard lock(mu_);
  ++done_;
  changed_.notify_all();
}

}  // namespace ekc::load
