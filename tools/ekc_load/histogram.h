#pragma once

// LatencyHistogram: an HDR-style histogram of non-negative integer values (ekc-load records
// microseconds) in logarithmic buckets with linear sub-buckets, so that every recorded value is
// kept within a relative error of 1 / kSubBuckets (under 0.8 %) in a fixed, small amount of memory
// (kBucketCount counters, about 30 KiB), whatever the range: a 1 µs loopback call and a 10 minute
// stall land in the same table.
//
// Buckets: values below kSubBuckets have a bucket each (exact); above, each power of two
// [2^k, 2^(k+1)) is split into kSubBuckets / 2 equal parts. A quantile is answered with the highest
// value of its bucket (never under-reports), capped at the exact maximum recorded.
//
// Not thread-safe: each recorder owns one (or locks around it); Merge combines them.

#include <array>
#include <cstdint>

namespace ekc::load {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // 128
  static constexpr uint64_t kHalfSubBuckets = kSubBuckets / 2;
  // Values up to 2^63 - 1: 64 - kSubBucketBits magnitudes of kHalfSubBuckets, above the first
  // kSubBuckets exact values.
  static constexpr int kBucketCount =
      static_cast<int>(kSubBuckets + (64 - kSubBucketBits) * kHalfSubBuckets);

  void Record(uint64_t value);
  // Adds every value `other` recorded.
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const;
  // The value at quantile q in [0, 1]: the smallest recorded bucket whose cumulative count reaches
  // ceil(q * count), reported as that bucket's highest value (at most max()). 0 when empty.
  uint64_t ValueAtQuantile(double q) const;

  // Bucket arithmetic, public for the tests.
  static int BucketOf(uint64_t value);
  static uint64_t BucketLowest(int bucket);
  static uint64_t BucketHighest(int bucket);

 private:
  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = 0;
  uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace ekc::load
