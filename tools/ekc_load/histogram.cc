#include "tools/ekc_load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ekc::load {

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  // value in [2^m, 2^(m+1)) with m >= kSubBucketBits: shift so that it keeps kSubBucketBits
  // significant bits, the top one of which is always set.
  const int magnitude = 63 - std::countl_zero(value);
  const int shift = magnitude - (kSubBucketBits - 1);
  const uint64_t sub = (value >> shift) - kHalfSubBuckets;  // 0 .. kHalfSubBuckets - 1
  return static_cast<int>(kSubBuckets + static_cast<uint64_t>(shift - 1) * kHalfSubBuckets + sub);
}

uint64_t LatencyHistogram::BucketLowest(int bucket) {
  const auto b = static_cast<uint64_t>(bucket);
  if (b < kSubBuckets) return b;
  const uint64_t shift = (b - kSubBuckets) / kHalfSubBuckets + 1;
  const uint64_t sub = (b - kSubBuckets) % kHalfSubBuckets;
  return (kHalfSubBuckets + sub) << shift;
}

uint64_t LatencyHistogram::BucketHighest(int bucket) {
  const auto b = static_cast<uint64_t>(bucket);
  if (b < kSubBuckets) return b;
  const uint64_t shift = (b - kSubBuckets) / kHalfSubBuckets + 1;
  return BucketLowest(bucket) + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(uint64_t value) {
  value = std::min<uint64_t>(value, INT64_MAX);
  ++counts_[static_cast<size_t>(BucketOf(value))];
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  ++count_;
  sum_ += static_cast<long double>(value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

double LatencyHistogram::Mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t LatencyHistogram::ValueAtQuantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(BucketHighest(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace ekc::load
