#pragma once

// Stable, platform-independent 64-bit hashing (FNV-1a). Used where a hash is persisted or compared
// across processes: request fingerprints, state hashes, rules versions. Not for hash tables.

#include <cstdint>
#include <string_view>

namespace ekc {

class StableHash {
 public:
  StableHash& Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      value_ = (value_ ^ c) * kPrime;
    }
    return *this;
  }
  // Adds a length first so that ("ab","c") and ("a","bc") differ.
  StableHash& AddField(std::string_view bytes) {
    AddInt(bytes.size());
    return Add(bytes);
  }
  StableHash& AddInt(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      value_ = (value_ ^ ((v >> (8 * i)) & 0xff)) * kPrime;
    }
    return *this;
  }
  uint64_t value() const { return value_; }

 private:
  static constexpr uint64_t kOffset = 14695981039346656037ull;
  static constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t value_ = kOffset;
};

inline uint64_t StableHash64(std::string_view bytes) { return StableHash().Add(bytes).value(); }

}  // namespace ekc
