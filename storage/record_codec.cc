#include "storage/record_codec.h"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "storage/crc32c.h"

namespace ekc::storage {
namespace {

// Protobuf's own limit: sizes and lengths are ints.
constexpr size_t kPayloadBytesMax = INT_MAX;

void PutFixed32LittleEndian(char* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFFu);
}

uint32_t GetFixed32LittleEndian(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

}  // namespace

std::string EncodeKey(Sequence sequence) {
  std::string key(kKeyBytes, '\0');
  const uint64_t value = sequence.value();
  for (size_t i = 0; i < kKeyBytes; ++i) {
    key[i] = static_cast<char>((value >> (8 * (kKeyBytes - 1 - i))) & 0xFFu);
  }
  return key;
}

absl::StatusOr<Sequence> DecodeKey(std::string_view key) {
  if (key.size() != kKeyBytes) {
    return absl::DataLossError(
        fmt::format("key of {} bytes, expected {} (a big-endian sequence)", key.size(), kKeyBytes));
  }
  uint64_t value = 0;
  for (const char byte : key) value = (value << 8) | static_cast<unsigned char>(byte);
  return Sequence(value);
}

absl::Status EncodeValueTo(const ekc::v1::EventRecord& record, std::string* value) {
  const size_t payload_bytes = record.ByteSizeLong();
  if (payload_bytes > kPayloadBytesMax) {
    return absl::InvalidArgumentError(
        fmt::format("record {} serializes to {} bytes, more than protobuf's limit of {}",
                    record.sequence(), payload_bytes, kPayloadBytesMax));
  }
  value->resize(kFrameHeaderBytes + payload_bytes);
  char* const payload = value->data() + kFrameHeaderBytes;
  // ByteSizeLong cached the sizes above; serialize straight into the frame without a copy.
  record.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(payload));
  (*value)[0] = static_cast<char>(kFormatVersion);
  PutFixed32LittleEndian(value->data() + 1,
                         crc32c::Value(std::string_view(payload, payload_bytes)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeValue(const ekc::v1::EventRecord& record) {
  std::string value;
  if (absl::Status status = EncodeValueTo(record, &value); !status.ok()) return status;
  return value;
}

std::string EncodeFrame(std::string_view payload) {
  std::string value(kFrameHeaderBytes, '\0');
  value[0] = static_cast<char>(kFormatVersion);
  PutFixed32LittleEndian(value.data() + 1, crc32c::Value(payload));
  value.append(payload);
  return value;
}

absl::StatusOr<std::string_view> DecodeFrame(std::string_view value) {
  if (value.size() < kFrameHeaderBytes) {
    return absl::DataLossError(
        fmt::format("value of {} bytes is shorter than the {}-byte frame header", value.size(),
                    kFrameHeaderBytes));
  }
  const auto version = static_cast<uint8_t>(value[0]);
  if (version != kFormatVersion) {
    return absl::DataLossError(
        fmt::format("unknown format version {} (this build reads {})", version, kFormatVersion));
  }
  const std::string_view payload = value.substr(kFrameHeaderBytes);
  const uint32_t stored = GetFixed32LittleEndian(value.data() + 1);
  const uint32_t computed = crc32c::Value(payload);
  if (stored != computed) {
    return absl::DataLossError(
        fmt::format("checksum mismatch: stored CRC32C {:#010x}, payload of {} bytes has {:#010x}",
                    stored, payload.size(), computed));
  }
  return payload;
}

absl::Status DecodeValue(std::string_view value, ekc::v1::EventRecord* record) {
  absl::StatusOr<std::string_view> payload = DecodeFrame(value);
  if (!payload.ok()) return payload.status();
  if (payload->size() > kPayloadBytesMax ||
      !record->ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
    return absl::DataLossError(
        fmt::format("payload of {} bytes does not parse as ekc.v1.EventRecord", payload->size()));
  }
  return absl::OkStatus();
}

}  // namespace ekc::storage
