#include "storage/crc32c.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ekc::storage::crc32c {
namespace {

// The reflected Castagnoli polynomial: bit-reversed 0x1EDC6F41, because the CRC is computed
// least-significant bit first, as iSCSI (RFC 3720) and every hardware CRC32C instruction do.
constexpr uint32_t kPolynomialReflected = 0x82F63B78u;

// Four tables for slicing-by-4: table[0] is the classic byte-at-a-time table; table[k][b] is the
// CRC of byte b followed by k zero bytes, which lets the main loop fold four input bytes per step.
using Tables = std::array<std::array<uint32_t, 256>, 4>;

constexpr Tables MakeTables() {
  Tables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) != 0 ? (crc >> 1) ^ kPolynomialReflected : crc >> 1;
    }
    tables[0][byte] = crc;
  }
  for (size_t k = 1; k < tables.size(); ++k) {
    for (uint32_t byte = 0; byte < 256; ++byte) {
      const uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFFu];
    }
  }
  return tables;
}

constexpr Tables kTables = MakeTables();

// The first table entries are the textbook values; a typo in the generator would change them.
static_assert(kTables[0][1] == 0xF26B8303u);
static_assert(kTables[0][128] == 0x82F63B78u);

#if defined(__x86_64__)
// Eight bytes per instruction; the instruction computes the same reflected CRC32C as the tables.
__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, std::string_view data) {
  const char* p = data.data();
  const char* const end = p + data.size();
  uint64_t state = ~crc;
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);  // unaligned, little-endian as the instruction wants
    state = _mm_crc32_u64(state, word);
    p += 8;
  }
  auto state32 = static_cast<uint32_t>(state);
  while (p != end) {
    state32 = _mm_crc32_u8(state32, static_cast<unsigned char>(*p));
    ++p;
  }
  return ~state32;
}

// (A static initializer: cpu_init first, as GCC asks. Calls made before it runs see false and take
// the portable path, which gives the same values.)
const bool kHasSse42 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}();
#endif

}  // namespace

bool HardwareAccelerated() {
#if defined(__x86_64__)
  return kHasSse42;
#else
  return false;
#endif
}

uint32_t Extend(uint32_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (kHasSse42) return ExtendSse42(crc, data);
#endif
  return ExtendPortable(crc, data);
}

uint32_t ExtendPortable(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* const end = p + data.size();
  uint32_t state = ~crc;
  // Four bytes at a time, read byte by byte so that alignment and endianness never matter.
  while (end - p >= 4) {
    state ^= static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
             static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    state = kTables[3][state & 0xFFu] ^ kTables[2][(state >> 8) & 0xFFu] ^
            kTables[1][(state >> 16) & 0xFFu] ^ kTables[0][state >> 24];
    p += 4;
  }
  while (p != end) {
    state = (state >> 8) ^ kTables[0][(state ^ *p) & 0xFFu];
    ++p;
  }
  return ~state;
}

}  // namespace ekc::storage::crc32c
