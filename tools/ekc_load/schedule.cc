#include "tools/ekc_load/schedule.h"

#include <cmath>
#include <thread>

namespace ekc::load {

PoissonSchedule::PoissonSchedule(double rate_per_s, uint64_t seed)
    : rate_per_s_(rate_per_s), random_(seed) {}

uint64_t MixBits(uint64_t seed, uint64_t sequence, uint64_t salt) {
  // SplitMix64's finaliser over a combination of the three; good enough to decorrelate neighbours.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + sequence * 0xD1B54A32D192ED03ULL +
               salt * 0x8CB92BA72F3D8DD7ULL + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double UniformOpen01(uint64_t bits) {
  // The top 53 bits, plus one: never 0, so a logarithm of it is finite.
  return static_cast<double>((bits >> 11) + 1) * 0x1.0p-53;
}

double ExponentialFromBits(uint64_t bits, double mean) {
  return -std::log(UniformOpen01(bits)) * mean;
}

double PoissonSchedule::Exponential(std::mt19937_64& random, double mean) {
  return ExponentialFromBits(random(), mean);
}

Nanos PoissonSchedule::Next() {
  elapsed_s_ += Exponential(random_, 1.0 / rate_per_s_);
  return Nanos(static_cast<int64_t>(elapsed_s_ * 1e9));
}

Nanos SteadyPacerClock::Now() {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

void SteadyPacerClock::SleepUntil(Nanos when) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(when)));
}

OpenLoopPacer::OpenLoopPacer(PoissonSchedule schedule, Nanos start, PacerClock& clock)
    : schedule_(std::move(schedule)), start_(start), clock_(clock) {}

Nanos OpenLoopPacer::WaitForNext() {
  const Nanos intended = start_ + schedule_.Next();
  const Nanos now = clock_.Now();
  if (now < intended) {
    clock_.SleepUntil(intended);
    last_lag_ = Nanos(0);
  } else {
    last_lag_ = now - intended;
  }
  return intended;
}

}  // namespace ekc::load
