#pragma once

// The citizens' arrival times.
//
// PoissonSchedule: the intended send times of an open-loop workload, a Poisson process of a given
// rate: the gaps between arrivals are independent and exponentially distributed with mean 1 / rate.
// It is a pure function of (rate, seed) — the same seed gives the same times on every machine,
// because the exponential is drawn by inversion from a 64-bit Mersenne twister rather than by the
// standard library's unspecified distribution code.
//
// OpenLoopPacer: walks a schedule in real (or fake) time. The times are fixed in advance, relative
// to the start, and never move: a sender that falls behind (a stalled server, a full in-flight
// window) sends late, and the latency it then records is measured from the *intended* time, so the
// stall is charged to every request it delayed (no coordinated omission).
//
// Thread: one caller at a time for each object.

#include <chrono>
#include <cstdint>
#include <random>

namespace ekc::load {

using Nanos = std::chrono::nanoseconds;

// Per-contact randomness that does not depend on which thread asks first: a hash (SplitMix64) of
// the seed, the contact's sequence and a salt naming the purpose (text, channel, patience, talk
// time).
uint64_t MixBits(uint64_t seed, uint64_t sequence, uint64_t salt);
// A uniform double in (0, 1] from 64 random bits.
double UniformOpen01(uint64_t bits);
// An exponential variate of the given mean from 64 random bits, by inversion.
double ExponentialFromBits(uint64_t bits, double mean);

class PoissonSchedule {
 public:
  // rate_per_s > 0.
  PoissonSchedule(double rate_per_s, uint64_t seed);

  // The intended time of the next arrival, counted from the start of the schedule.
  Nanos Next();
  double rate_per_s() const { return rate_per_s_; }

  // An exponential variate of the given mean from a 64-bit Mersenne twister, by inversion.
  static double Exponential(std::mt19937_64& random, double mean);

 private:
  double rate_per_s_;
  std::mt19937_64 random_;
  double elapsed_s_ = 0;  // kept in double seconds so that rounding never accumulates
};

// What the pacer needs of time: now, and sleeping until a moment. Tests pass a fake.
class PacerClock {
 public:
  virtual ~PacerClock() = default;
  virtual Nanos Now() = 0;  // on a monotonic clock
  virtual void SleepUntil(Nanos when) = 0;
};

class SteadyPacerClock final : public PacerClock {
 public:
  Nanos Now() override;
  void SleepUntil(Nanos when) override;
};

class OpenLoopPacer {
 public:
  // The schedule starts at `start` (a PacerClock time).
  OpenLoopPacer(PoissonSchedule schedule, Nanos start, PacerClock& clock);

  // Sleeps until the next arrival is due (not at all when it is already late) and returns its
  // intended time, on the clock's time line. Latencies are measured from that value.
  Nanos WaitForNext();
  // How late the last arrival was when WaitForNext returned (0 when on time).
  Nanos last_lag() const { return last_lag_; }

 private:
  PoissonSchedule schedule_;
  Nanos start_;
  PacerClock& clock_;
  Nanos last_lag_{0};
};

}  // namespace ekc::load
