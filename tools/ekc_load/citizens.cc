#include "tools/ekc_load/citizens.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "tools/ekc_load/schedule.h"

namespace ekc::load {

namespace v1 = ekc::v1;

namespace {

// What makes each contact different, by purpose (MixBits' salt).
enum Salt : uint64_t { kSaltText = 1, kSaltChannel, kSaltRegion, kSaltPatience };

// A hotline's mix: mostly calls, then chats, portal requests and messengers.
v1::Channel ChannelFor(uint64_t bits) {
  const uint64_t percent = bits % 100;
  if (percent < 60) return v1::CHANNEL_VOICE;
  if (percent < 85) return v1::CHANNEL_CHAT;
  if (percent < 95) return v1::CHANNEL_PORTAL;
  return v1::CHANNEL_MESSENGER;
}

constexpr std::array<const char*, 8> kRegions = {"77", "50", "78", "66", "16", "23", "54", "02"};

std::string StatusText(const grpc::Status& status) {
  return fmt::format("{}: {}", static_cast<int>(status.error_code()), status.error_message());
}

}  // namespace

void PrepareContext(grpc::ClientContext& context, const LoadOptions& options) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(options.timeout_ms));
  if (!options.token.empty()) context.AddMetadata("authorization", "Bearer " + options.token);
}

struct Citizens::SubmitCall {
  grpc::ClientContext context;
  v1::SubmitContactRequest request;
  v1::SubmitContactResponse response;
  uint64_t seq = 0;
  int64_t intended_ns = 0;
};

struct Citizens::CancelCall {
  grpc::ClientContext context;
  v1::CancelContactRequest request;
  v1::CancelContactResponse response;
  uint64_t seq = 0;
  int64_t sent_ns = 0;
};

Citizens::Citizens(const LoadOptions& options, const Corpus& corpus, std::string run_id,
                   std::vector<std::shared_ptr<grpc::Channel>> channels, ContactTable& table,
                   RunMetrics& metrics, Scheduler& scheduler)
    : options_(options),
      corpus_(corpus),
      run_id_(std::move(run_id)),
      table_(table),
      metrics_(metrics),
      scheduler_(scheduler),
      release_at_ack_(options.operators == 0 && options.patience_s == 0) {
  for (const auto& channel : channels) stubs_.push_back(v1::ContactIntake::NewStub(channel));
}

Citizens::~Citizens() {
  // Calls still in flight hold `this`; wait for them (bounded by their deadlines).
  WaitAnswered(std::chrono::steady_clock::now() +
               std::chrono::milliseconds(options_.timeout_ms + 1000));
}

bool Citizens::MaySubmitMore() const {
  return !stopping_.load() && submitted_.load() < options_.contacts && SteadyNowNs() < end_ns_;
}

void Citizens::Run() {
  first_send_ns_ = SteadyNowNs();
  end_ns_ = first_send_ns_ + static_cast<int64_t>(options_.duration_s * 1e9);
  if (options_.max) {
    {
      std::lock_guard lock(mu_);
      citizens_active_ = options_.concurrency;
    }
    for (int i = 0; i < options_.concurrency; ++i) NextTurn();
    // Bounded by the duration, and by --drain without progress: a turn that never ends (a contact
    // nobody serves) must not hold the run forever.
    const auto end = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(end_ns_));
    const auto stall_limit = std::chrono::nanoseconds(static_cast<int64_t>(options_.drain_s * 1e9));
    uint64_t progress = metrics_.resolved() + acked_.load();
    auto last_progress = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (citizens_active_ > 0 && std::chrono::steady_clock::now() < end) {
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      const uint64_t now_progress = metrics_.resolved() + acked_.load();
      const auto now = std::chrono::steady_clock::now();
      if (now_progress != progress) {
        progress = now_progress;
        last_progress = now;
      } else if (now - last_progress > stall_limit) {
        metrics_.Error(fmt::format("closed loop: nothing answered or resolved for {} s; stopping",
                                   options_.drain_s));
        break;
      }
    }
    stopping_.store(true);
    return;
  }
  SteadyPacerClock clock;
  OpenLoopPacer pacer(PoissonSchedule(options_.rate_per_s, options_.seed), Nanos(first_send_ns_),
                      clock);
  while (!stopping_.load()) {
    const int64_t intended_ns = pacer.WaitForNext().count();
    if (intended_ns >= end_ns_ || !TakeTicket()) break;
    {
      // A full window delays the send, never the intended time: the wait shows in the latency.
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return in_flight_.load() < options_.in_flight_max; });
    }
    Submit(table_.Add(intended_ns), intended_ns);
  }
  stopping_.store(true);
}

bool Citizens::TakeTicket() {
  uint64_t n = submitted_.load();
  do {
    if (n >= options_.contacts) return false;
  } while (!submitted_.compare_exchange_weak(n, n + 1));
  return true;
}

void Citizens::NextTurn() {
  if (!MaySubmitMore() || !TakeTicket()) {
    std::lock_guard lock(mu_);
    --citizens_active_;
    changed_.notify_all();
    return;
  }
  const int64_t now = SteadyNowNs();
  Submit(table_.Add(now), now);
}

void Citizens::Submit(uint64_t seq, int64_t intended_ns) {
  auto* call = new SubmitCall();
  call->seq = seq;
  call->intended_ns = intended_ns;
  PrepareContext(call->context, options_);
  v1::SubmitContactRequest& r = call->request;
  r.set_idempotency_key(fmt::format("{}-{}", run_id_, seq));
  r.set_channel(ChannelFor(MixBits(options_.seed, seq, kSaltChannel)));
  r.set_text(corpus_.Text(MixBits(options_.seed, seq, kSaltText) % corpus_.size()));
  r.set_region(kRegions[MixBits(options_.seed, seq, kSaltRegion) % kRegions.size()]);
  r.set_citizen_ref(fmt::format("load-citizen-{}", seq));
  (*r.mutable_attributes())[kSequenceAttribute] = fmt::format("{}/{}", run_id_, seq);
  {
    std::lock_guard lock(mu_);
    in_flight_.fetch_add(1);
  }
  const int64_t now_ns = SteadyNowNs();
  last_send_ns_.store(now_ns);
  table_.Update(seq, [](ContactRecord& c) { c.sent_us = SystemNowUs(); });
  stubs_[seq % stubs_.size()]->async()->SubmitContact(
      &call->context, &call->request, &call->response,
      [this, call](grpc::Status status) { OnSubmitted(call, status); });
}

void Citizens::OnSubmitted(SubmitCall* call, const grpc::Status& status) {
  std::unique_ptr<SubmitCall> owned(call);
  const int64_t now_ns = SteadyNowNs();
  const uint64_t seq = call->seq;
  if (!status.ok() || call->response.duplicate()) {
    metrics_.Error(status.ok() ? fmt::format("submit {}: answered as a duplicate", seq)
                               : fmt::format("submit {}: {}", seq, StatusText(status)));
    Resolve(seq, ContactPhase::kFailed);
  } else {
    metrics_.Record(RunMetrics::Latency::kSubmit, (now_ns - call->intended_ns) / 1000);
    const int32_t queue = table_.QueueIndex(call->response.queue());
    table_.Update(seq, [&](ContactRecord& c) {
      c.contact_id = call->response.contact_id();
      c.acked_us = SystemNowUs();
      c.queue = queue;
      if (c.phase == ContactPhase::kSending) c.phase = ContactPhase::kQueued;
    });
    acked_.fetch_add(1);
    last_ack_ns_.store(now_ns);
    if (options_.patience_s > 0) {
      const double patience_s =
          ExponentialFromBits(MixBits(options_.seed, seq, kSaltPatience), options_.patience_s);
      const auto due = std::chrono::steady_clock::time_point(
          std::chrono::nanoseconds(call->intended_ns + static_cast<int64_t>(patience_s * 1e9)));
      if (!scheduler_.At(due, [this, seq] { Cancel(seq); }))
        metrics_.Error("the scheduler is full: a citizen's patience was not scheduled");
    }
    if (release_at_ack_) {
      metrics_.Resolved();
      if (options_.max) NextTurn();
    }
  }
  // The call (its ClientContext) goes before the count that lets the run end drops: once it is 0
  // the main thread may shut the channels down, and a context must not outlive its channel.
  owned.reset();
  SubmitDone();
}

void Citizens::SubmitDone() {
  std::lock_guard lock(mu_);
  in_flight_.fetch_sub(1);
  changed_.notify_all();
}

bool Citizens::WaitAnswered(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return changed_.wait_until(lock, deadline, [&] { return in_flight_.load() == 0; });
}

void Citizens::Resolve(uint64_t seq, ContactPhase phase) {
  const bool first = table_.Update(seq, [&](ContactRecord& c) {
    if (c.resolved_ns != 0) return false;
    c.resolved_ns = SteadyNowNs();
    c.phase = phase;
    return true;
  });
  if (!first) return;
  metrics_.Resolved();
  if (options_.max && !release_at_ack_) NextTurn();
  if (phase == ContactPhase::kFailed && options_.max && release_at_ack_) NextTurn();
}

void Citizens::Cancel(uint64_t seq) {
  uint64_t contact_id = 0;
  const bool waiting = table_.Update(seq, [&](ContactRecord& c) {
    // The operator has taken the call (or it ended): the citizen is no longer waiting.
    if (c.phase != ContactPhase::kQueued || c.accept_sent || c.answered) return false;
    contact_id = c.contact_id;
    c.cancel_sent_us = SystemNowUs();
    return true;
  });
  if (!waiting) return;
  {
    std::lock_guard lock(mu_);
    in_flight_.fetch_add(1);
  }
  auto* call = new CancelCall();
  call->seq = seq;
  call->sent_ns = SteadyNowNs();
  call->request.set_contact_id(contact_id);
  call->request.set_reason("ekc-load: the citizen's patience ran out");
  PrepareContext(call->context, options_);
  stubs_[seq % stubs_.size()]->async()->CancelContact(
      &call->context, &call->request, &call->response,
      [this, call](grpc::Status status) { OnCancelled(call, status); });
}

void Citizens::OnCancelled(CancelCall* call, const grpc::Status& status) {
  std::unique_ptr<CancelCall> owned(call);
  metrics_.Record(RunMetrics::Latency::kCancel, (SteadyNowNs() - call->sent_ns) / 1000);
  if (status.ok() && call->response.state() == v1::CONTACT_STATE_ABANDONED) {
    table_.Update(call->seq, [](ContactRecord& c) { c.cancel_acked_us = SystemNowUs(); });
    metrics_.Count("abandoned");
    Resolve(call->seq, ContactPhase::kAbandoned);
  } else if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    // An operator accepted it while the hang-up was on its way: it is served after all.
    table_.Update(call->seq, [](ContactRecord& c) { c.cancel_sent_us = 0; });
    metrics_.Count("cancel_too_late");
  } else {
    metrics_.Error(fmt::format(
        "cancel {}: {}", call->seq,
        status.ok() ? "answered with a state other than ABANDONED" : StatusText(status)));
  }
  owned.reset();  // before the count drops, as in OnSubmitted
  SubmitDone();
}

}  // namespace ekc::load
