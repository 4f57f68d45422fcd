#include "storage/record_codec.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "storage/crc32c.h"
#include "tests/storage/event_log_test_util.h"

namespace ekc::storage {
namespace {

using testing::IsMadeRecord;
using testing::MakeRecord;

TEST(RecordCodec, Key_IsEightBytesBigEndian) {
  EXPECT_EQ(EncodeKey(Sequence(0x0102030405060708u)),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_EQ(EncodeKey(Sequence(1)), std::string("\0\0\0\0\0\0\0\x01", 8));
}

// RocksDB compares keys bytewise; the log relies on that order being sequence order.
TEST(RecordCodec, Key_OrderIsSequenceOrder) {
  const std::vector<uint64_t> ascending = {0,          1,
                                           255,        256,
                                           65535,      65536,
                                           1ull << 32, (1ull << 32) + 1,
                                           1ull << 56, std::numeric_limits<uint64_t>::max()};
  for (size_t i = 1; i < ascending.size(); ++i) {
    EXPECT_LT(EncodeKey(Sequence(ascending[i - 1])), EncodeKey(Sequence(ascending[i])))
        << ascending[i - 1] << " vs " << ascending[i];
  }
}

TEST(RecordCodec, Key_RoundTrips) {
  for (const uint64_t value :
       {0ull, 1ull, 1234567890123ull,
        static_cast<unsigned long long>(std::numeric_limits<uint64_t>::max())}) {
    absl::StatusOr<Sequence> decoded = DecodeKey(EncodeKey(Sequence(value)));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->value(), value);
  }
}

TEST(RecordCodec, Key_RejectsWrongLength) {
  for (const std::string& key : {std::string(), std::string("\x01", 1), std::string(7, 'k'),
                                 std::string(9, 'k'), std::string("sequence-17")}) {
    absl::StatusOr<Sequence> decoded = DecodeKey(key);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << key.size() << " bytes";
  }
}

TEST(RecordCodec, Value_RoundTripsWithVersionAndLittleEndianChecksum) {
  const ekc::v1::EventRecord record = MakeRecord(42);
  absl::StatusOr<std::string> value = EncodeValue(record);
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_GT(value->size(), kFrameHeaderBytes);

  EXPECT_EQ(static_cast<uint8_t>((*value)[0]), kFormatVersion);
  const std::string payload = value->substr(kFrameHeaderBytes);
  EXPECT_EQ(payload, record.SerializeAsString());
  const uint32_t crc = crc32c::Value(payload);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(static_cast<uint8_t>((*value)[1 + i]), (crc >> (8 * i)) & 0xFFu) << "byte " << i;
  }

  ekc::v1::EventRecord decoded;
  ASSERT_TRUE(DecodeValue(*value, &decoded).ok());
  EXPECT_EQ(decoded.sequence(), 42u);
  EXPECT_TRUE(IsMadeRecord(decoded));
}

TEST(RecordCodec, Value_EmptyRecordRoundTrips) {
  absl::StatusOr<std::string> value = EncodeValue(ekc::v1::EventRecord());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, std::string("\x01\0\0\0\0", 5));  // CRC32C of nothing is 0
  ekc::v1::EventRecord decoded = MakeRecord(5);
  ASSERT_TRUE(DecodeValue(*value, &decoded).ok());
  EXPECT_EQ(decoded.sequence(), 0u);  // replaced, not merged
  EXPECT_EQ(decoded.operator_id(), "");
}

TEST(RecordCodec, EncodeValueTo_ReusesTheBuffer) {
  std::string value = "old contents that are longer than nothing";
  ASSERT_TRUE(EncodeValueTo(MakeRecord(7), &value).ok());
  EXPECT_EQ(value, *EncodeValue(MakeRecord(7)));
}

TEST(RecordCodec, Codec_RejectsTruncatedAndBadChecksum) {
  const std::string value = *EncodeValue(MakeRecord(9));
  ekc::v1::EventRecord decoded;

  // Every truncation: shorter than the header, or a payload that no longer matches its checksum.
  for (size_t size = 0; size < value.size(); ++size) {
    const absl::Status status = DecodeValue(value.substr(0, size), &decoded);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << "truncated to " << size;
  }

  // Every single-bit flip: in the version byte, the checksum or the payload.
  for (size_t byte = 0; byte < value.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = value;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      const absl::Status status = DecodeValue(damaged, &decoded);
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << "byte " << byte << " bit " << bit;
    }
  }

  std::string appended = value + "x";
  const absl::Status status = DecodeValue(appended, &decoded);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("checksum"), std::string::npos) << status;
}

TEST(RecordCodec, Value_RejectsUnknownVersion) {
  std::string value = *EncodeValue(MakeRecord(3));
  value[0] = 2;
  ekc::v1::EventRecord decoded;
  const absl::Status status = DecodeValue(value, &decoded);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("version 2"), std::string::npos) << status;
}

// A frame whose checksum is right but whose payload is not an EventRecord (a writer bug, or a value
// written by something else) is still refused.
TEST(RecordCodec, Value_RejectsPayloadThatDoesNotParse) {
  const std::string payload = "\xff\xff\xff\xff";  // a field key with an invalid wire type
  std::string value(1, static_cast<char>(kFormatVersion));
  const uint32_t crc = crc32c::Value(payload);
  for (int i = 0; i < 4; ++i) value.push_back(static_cast<char>((crc >> (8 * i)) & 0xFFu));
  value += payload;
  ekc::v1::EventRecord decoded;
  const absl::Status status = DecodeValue(value, &decoded);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("does not parse"), std::string::npos) << status;
}

}  // namespace
}  // namespace ekc::storage
