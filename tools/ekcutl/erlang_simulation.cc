#include "tools/ekcutl/erlang_simulation.h"

#include <cmath>
#include <queue>
#include <random>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "base/check.h"
#include "router/router.h"

namespace ekc::utl {

namespace v1 = ekc::v1;

namespace {

// Bounds of a run: enough for any study on this machine, and a guard against a typo's hour-long
// run.
constexpr uint64_t kContactsMax = 10'000'000;
constexpr uint32_t kOperatorsMax = 10'000;
constexpr uint32_t kBatchesMax = 1'000;
// Long enough never to fire: the simulated operators accept at once.
constexpr int64_t kOfferTimeoutMs = 7LL * 24 * 3600 * 1000;
// Virtual time starts here (a plain Unix time in 2001), shifted so that measurement starts on a
// batch boundary.
constexpr int64_t kEpochMs = 1'000'000'000'000;

absl::Status Validate(const ErlangSimulationOptions& o) {
  auto invalid = [](std::string_view option, std::string_view reason) {
    return absl::InvalidArgumentError(fmt::format("--{}: {}", option, reason));
  };
  if (!(o.arrival_rate_per_s > 0 && std::isfinite(o.arrival_rate_per_s))) {
    return invalid("arrival-rate", "must be a positive number of contacts per second");
  }
  if (!(o.aht_s > 0 && std::isfinite(o.aht_s)))
    return invalid("aht", "must be a positive number of seconds");
  if (o.operators == 0 || o.operators > kOperatorsMax) {
    return invalid("operators", fmt::format("must be 1..{}", kOperatorsMax));
  }
  if (o.sl_threshold_s == 0) return invalid("sl-threshold", "must be at least 1 second");
  if (o.contacts < 100 || o.contacts > kContactsMax) {
    return invalid("contacts", fmt::format("must be 100..{}", kContactsMax));
  }
  if (o.patience_s && !(*o.patience_s > 0 && std::isfinite(*o.patience_s))) {
    return invalid("patience", "must be a positive number of seconds");
  }
  if (!(o.warmup_fraction >= 0 && o.warmup_fraction < 0.9))
    return invalid("warmup-fraction", "must be in [0, 0.9)");
  if (o.batches < 2 || o.batches > kBatchesMax)
    return invalid("batches", fmt::format("must be 2..{}", kBatchesMax));
  return absl::OkStatus();
}

int64_t Milliseconds(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1000.0));
}

// What happens next on the virtual clock. `order` keeps ties in the order they were scheduled.
enum class Kind { kArrival, kCompletion, kAbandonment };
struct Happening {
  int64_t at_ms;
  uint64_t order;
  Kind kind;
  uint64_t index;  // the arrival's index
  bool operator>(const Happening& o) const {
    return std::tie(at_ms, order) > std::tie(o.at_ms, o.order);
  }
};

class Simulation {
 public:
  Simulation(router::RouterConfig config, router::StatisticsOptions statistics)
      : router_(std::move(config)), statistics_(statistics) {}

  void Login(int64_t now, uint32_t n) {
    for (uint32_t i = 1; i <= n; ++i) {
      Execute(now, v1::ACTOR_KIND_OPERATOR,
              router::command::Login{.operator_id = OperatorId(fmt::format("op-{}", i)),
                                     .ready = true});
    }
  }

  void Schedule(int64_t at_ms, Kind kind, uint64_t index) {
    agenda_.push(Happening{at_ms, next_order_++, kind, index});
  }

  // Plays every happening in time order until none is left; bounded by the contacts' three
  // happenings each.
  void Run(const std::vector<int64_t>& handle_ms, const std::vector<int64_t>& patience_ms) {
    handle_ms_ = &handle_ms;
    const uint64_t bound = 3 * handle_ms.size() + 1;
    for (uint64_t step = 0; step < bound && !agenda_.empty(); ++step) {
      const Happening h = agenda_.top();
      agenda_.pop();
      switch (h.kind) {
        case Kind::kArrival:
          Arrive(h, patience_ms);
          break;
        case Kind::kCompletion:
          Complete(h);
          break;
        case Kind::kAbandonment:
          Abandon(h);
          break;
      }
    }
    EKC_CHECK_MSG(agenda_.empty(), "the simulation did not settle");
  }

  const router::Router& router() const { return router_; }
  const router::Statistics& statistics() const { return statistics_; }
  uint64_t events() const { return events_; }

 private:
  ContactId ContactOf(uint64_t index) const {
    return ContactId(index + 1);
  }  // ids are given in arrival order

  void Arrive(const Happening& h, const std::vector<int64_t>& patience_ms) {
    router::command::Submit s{.idempotency_key = fmt::format("sim-{}", h.index),
                              .request_fingerprint = h.index,
                              .channel = v1::CHANNEL_VOICE};
    s.classification.set_priority(v1::PRIORITY_NORMAL);
    router::ExecuteResult r = Execute(h.at_ms, v1::ACTOR_KIND_INTAKE, std::move(s));
    EKC_CHECK(r.status.ok() && r.contact == ContactOf(h.index));
    const router::Contact* c = router_.state().FindContact(r.contact);
    if (c->state == v1::CONTACT_STATE_QUEUED && !patience_ms.empty()) {
      Schedule(h.at_ms + patience_ms[h.index], Kind::kAbandonment, h.index);
    }
  }

  void Complete(const Happening& h) {
    const router::Contact* c = router_.state().FindContact(ContactOf(h.index));
    Execute(h.at_ms, v1::ACTOR_KIND_OPERATOR,
            router::command::Complete{c->operator_id, c->id, "served", ""});
  }

  void Abandon(const Happening& h) {
    const router::Contact* c = router_.state().FindContact(ContactOf(h.index));
    if (c->state != v1::CONTACT_STATE_QUEUED) return;  // answered before the citizen gave up
    Execute(h.at_ms, v1::ACTOR_KIND_INTAKE, router::command::Cancel{c->id, "patience"});
  }

  // Executes a command, feeds its events to the statistics, and plays the operators: an offer is
  // accepted at once, and a connected contact is completed after its handling time.
  router::ExecuteResult Execute(int64_t now, v1::ActorKind actor, router::CommandBody body) {
    router::Command command{.now_unix_ms = now};
    command.actor.set_kind(actor);
    command.body = std::move(body);
    router::ExecuteResult r = router_.Execute(command);
    EKC_CHECK_MSG(r.status.ok(), std::string(r.status.message()).c_str());
    events_ += r.events.size();
    std::vector<std::pair<OperatorId, ContactId>> offers;
    for (const v1::EventRecord& e : r.events) {
      statistics_.Observe(e);
      if (e.has_contact_offered())
        offers.emplace_back(OperatorId(e.operator_id()), ContactId(e.contact_id()));
      if (e.has_contact_connected()) {
        const uint64_t index = e.contact_id() - 1;
        Schedule(now + (*handle_ms_)[index], Kind::kCompletion, index);
      }
    }
    for (const auto& [op, contact] : offers) {
      Execute(now, v1::ACTOR_KIND_OPERATOR, router::command::Accept{op, contact});
    }
    return r;
  }

  router::Router router_;
  router::Statistics statistics_;
  std::priority_queue<Happening, std::vector<Happening>, std::greater<>> agenda_;
  uint64_t next_order_ = 0;
  uint64_t events_ = 0;
  const std::vector<int64_t>* handle_ms_ = nullptr;
};

router::RouterConfig SimulationConfig(const ErlangSimulationOptions& o) {
  router::RouterConfig config;
  config.queues.push_back(router::QueueConfig{.name = "simulated",
                                              .offer_timeout_ms = kOfferTimeoutMs,
                                              .wrap_up_ms = 0,
                                              .waiting_max = static_cast<uint32_t>(o.contacts),
                                              .reoffer_delay_ms = 0,
                                              .expected_handle_ms = Milliseconds(o.aht_s),
                                              .service_level_threshold_s = o.sl_threshold_s,
                                              .short_abandon_s = 0});
  config.default_queue = "simulated";
  return config;
}

}  // namespace

absl::StatusOr<ErlangSimulationResult> RunErlangSimulation(const ErlangSimulationOptions& options) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  // Draw the whole workload first, from one seeded generator, so that the run is reproducible.
  std::mt19937_64 rng(options.seed);
  std::exponential_distribution<double> gap(options.arrival_rate_per_s);
  std::exponential_distribution<double> handle(1.0 / options.aht_s);
  std::vector<int64_t> arrival_ms(options.contacts);
  std::vector<int64_t> handle_ms(options.contacts);
  std::vector<int64_t> patience_ms;
  double t = 0;
  for (uint64_t i = 0; i < options.contacts; ++i) {
    t += gap(rng);
    arrival_ms[i] = Milliseconds(t);
    handle_ms[i] = Milliseconds(handle(rng));
  }
  if (options.patience_s) {
    std::exponential_distribution<double> patience(1.0 / *options.patience_s);
    patience_ms.resize(options.contacts);
    for (auto& p : patience_ms) p = Milliseconds(patience(rng));
  }
  // Measurement starts with the first arrival after the warm-up, on a batch boundary.
  const uint64_t first_measured = static_cast<uint64_t>(options.warmup_fraction * options.contacts);
  const int64_t measured_span = arrival_ms.back() - arrival_ms[first_measured] + 1;
  const int64_t batch_ms = (measured_span + options.batches - 1) / options.batches;
  const int64_t epoch = (kEpochMs / batch_ms + 1) * batch_ms - arrival_ms[first_measured];

  router::StatisticsOptions statistics{.interval_ms = batch_ms,
                                       .intervals_kept = options.batches + 2,
                                       .measure_from_unix_ms = epoch + arrival_ms[first_measured]};
  Simulation sim(SimulationConfig(options), statistics);
  sim.Login(epoch, options.operators);
  for (uint64_t i = 0; i < options.contacts; ++i)
    sim.Schedule(epoch + arrival_ms[i], Kind::kArrival, i);
  sim.Run(handle_ms, patience_ms);

  ErlangSimulationResult result;
  result.events = sim.events();
  const int64_t end = sim.router().state().last_time_unix_ms();
  result.simulated_ms = end - epoch;
  result.measured = sim.statistics().QueueTotal("simulated");
  if (const auto* intervals = sim.statistics().QueueIntervals("simulated")) {
    for (const auto& [start, tally] : *intervals) result.batches.push_back(tally);
  }
  double occupancy = 0;
  for (const auto& [id, op] : sim.statistics().operators()) occupancy += op.Occupancy(end);
  result.occupancy = occupancy / options.operators;
  return result;
}

double BatchMeansHalfWidth(const std::vector<double>& v) {
  const size_t k = v.size();
  if (k < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(k);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(k - 1));
  // Student's t, 97.5 % quantile, for k - 1 degrees of freedom (1.96 beyond the table).
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  const size_t df = k - 1;
  const double t = df <= std::size(kT) ? kT[df - 1] : 1.96;
  return t * sd / std::sqrt(static_cast<double>(k));
}

}  // namespace ekc::utl
