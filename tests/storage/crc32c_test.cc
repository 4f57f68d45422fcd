#include "storage/crc32c.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace ekc::storage {
namespace {

TEST(Crc32c, Value_MatchesStandardCheckValue) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
}

TEST(Crc32c, Value_OfNothingIsZero) { EXPECT_EQ(crc32c::Value(""), 0u); }

// The iSCSI test vectors of RFC 3720, appendix B.4.
TEST(Crc32c, Value_MatchesRfc3720Vectors) {
  std::string data(32, '\0');
  EXPECT_EQ(crc32c::Value(data), 0x8A9136AAu);

  data.assign(32, static_cast<char>(0xFF));
  EXPECT_EQ(crc32c::Value(data), 0x62A8AB43u);

  for (int i = 0; i < 32; ++i) data[i] = static_cast<char>(i);
  EXPECT_EQ(crc32c::Value(data), 0x46DD794Eu);

  for (int i = 0; i < 32; ++i) data[i] = static_cast<char>(31 - i);
  EXPECT_EQ(crc32c::Value(data), 0x113FDB5Cu);
}

// The four-bytes-at-a-time path and the byte tail must agree wherever the input is split.
TEST(Crc32c, Extend_EqualsValueOfTheWhole) {
  std::string data;
  for (int i = 0; i < 67; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const uint32_t whole = crc32c::Value(data);
  const std::string_view view(data);
  for (size_t split = 0; split <= view.size(); ++split) {
    EXPECT_EQ(crc32c::Extend(crc32c::Value(view.substr(0, split)), view.substr(split)), whole)
        << "split at " << split;
  }
}

TEST(Crc32c, Value_DetectsEverySingleBitFlip) {
  std::string data = "ekc event log payload";
  const uint32_t original = crc32c::Value(data);
  for (size_t byte = 0; byte < data.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      data[byte] = static_cast<char>(data[byte] ^ (1 << bit));
      EXPECT_NE(crc32c::Value(data), original) << "byte " << byte << " bit " << bit;
      data[byte] = static_cast<char>(data[byte] ^ (1 << bit));
    }
  }
}

}  // namespace
TEST(Crc32c, Extend_GivesThePortableValuesAtEveryLengthAndAlignment) {
  std::string data(300, '\0');
  uint32_t x = 12345;
  for (char& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t length = 0; offset + length <= data.size(); length += 7) {
      const std::string_view piece(data.data() + offset, length);
      ASSERT_EQ(crc32c::Extend(0xDEADBEEFu, piece), crc32c::ExtendPortable(0xDEADBEEFu, piece))
          << "offset " << offset << " length " << length;
    }
  }
  // This machine has the instruction, so the comparison above was not of one function with itself.
#if defined(__x86_64__)
  EXPECT_TRUE(crc32c::HardwareAccelerated());
#endif
}

}  // namespace ekc::storage
