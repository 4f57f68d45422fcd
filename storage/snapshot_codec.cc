#include "storage/snapshot_codec.h"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/log_storage.pb.h"
#include "ekc/v1/snapshot.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

#include "base/absl_fmt.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "storage/crc32c.h"
#include "storage/record_codec.h"

namespace ekc::storage {
namespace {

constexpr size_t kPayloadBytesMax = INT_MAX;  // protobuf's limit

}  // namespace

std::string EncodeSnapshotKey(Sequence sequence, uint32_t part) {
  std::string key = EncodeKey(sequence);
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>((part >> (8 * i)) & 0xFFu));
  return key;
}

absl::StatusOr<SnapshotKey> DecodeSnapshotKey(std::string_view key) {
  if (key.size() != kSnapshotKeyBytes) {
    return absl::DataLossError(
        fmt::format("snapshot key of {} bytes, expected {} (sequence and part)", key.size(),
                    kSnapshotKeyBytes));
  }
  absl::StatusOr<Sequence> sequence = DecodeKey(key.substr(0, kKeyBytes));
  if (!sequence.ok()) return sequence.status();
  uint32_t part = 0;
  for (const char byte : key.substr(kKeyBytes))
    part = (part << 8) | static_cast<unsigned char>(byte);
  return SnapshotKey{*sequence, part};
}

absl::StatusOr<EncodedSnapshot> EncodeSnapshot(const ekc::v1::RouterSnapshot& snapshot,
                                               int64_t written_unix_ms, size_t part_bytes) {
  if (snapshot.last_sequence() == 0) {
    return absl::InvalidArgumentError("snapshot: it covers no event (last_sequence 0)");
  }
  if (part_bytes == 0) return absl::InvalidArgumentError("snapshot: part size 0");
  const size_t bytes = snapshot.ByteSizeLong();
  if (bytes > kPayloadBytesMax) {
    return absl::InvalidArgumentError(
        fmt::format("snapshot of event {}: {} bytes, more than protobuf's limit of {}",
                    snapshot.last_sequence(), bytes, kPayloadBytesMax));
  }
  EncodedSnapshot encoded;
  {
    // Deterministic, so that equal states store equal bytes (and verify can compare them).
    google::protobuf::io::StringOutputStream string_stream(&encoded.payload);
    google::protobuf::io::CodedOutputStream coded(&string_stream);
    coded.SetSerializationDeterministic(true);
    snapshot.SerializeWithCachedSizes(&coded);
  }
  encoded.payload.resize(bytes);
  ekc::v1::SnapshotHeader& header = encoded.header;
  header.set_sequence(snapshot.last_sequence());
  header.set_written_unix_ms(written_unix_ms);
  header.set_payload_bytes(bytes);
  header.set_payload_crc32c(crc32c::Value(encoded.payload));
  header.set_parts(static_cast<uint32_t>(bytes == 0 ? 1 : (bytes + part_bytes - 1) / part_bytes));
  header.set_writer_version(EKC_STORAGE_VERSION);
  if (header.parts() > kSnapshotPartsMax) {
    return absl::InvalidArgumentError(fmt::format("snapshot of event {}: {} parts, at most {}",
                                                  header.sequence(), header.parts(),
                                                  kSnapshotPartsMax));
  }
  return encoded;
}

std::string EncodeSnapshotPart(const EncodedSnapshot& encoded, uint32_t part, size_t part_bytes) {
  const size_t offset = static_cast<size_t>(part - 1) * part_bytes;
  return EncodeFrame(std::string_view(encoded.payload).substr(offset, part_bytes));
}

std::string EncodeSnapshotHeader(const ekc::v1::SnapshotHeader& header) {
  return EncodeFrame(header.SerializeAsString());
}

absl::StatusOr<ekc::v1::SnapshotHeader> DecodeSnapshotHeader(std::string_view value) {
  absl::StatusOr<std::string_view> payload = DecodeFrame(value);
  if (!payload.ok()) return payload.status();
  ekc::v1::SnapshotHeader header;
  if (!header.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
    return absl::DataLossError("snapshot header does not parse as ekc.v1.SnapshotHeader");
  }
  if (header.sequence() == 0) return absl::DataLossError("snapshot header: sequence 0");
  if (header.parts() == 0 || header.parts() > kSnapshotPartsMax) {
    return absl::DataLossError(fmt::format("snapshot header: {} parts (1 to {} are possible)",
                                           header.parts(), kSnapshotPartsMax));
  }
  if (header.payload_bytes() > kPayloadBytesMax) {
    return absl::DataLossError(fmt::format("snapshot header: a payload of {} bytes (at most {})",
                                           header.payload_bytes(), kPayloadBytesMax));
  }
  return header;
}

absl::Status DecodeSnapshotParts(const ekc::v1::SnapshotHeader& header,
                                 const std::vector<std::string_view>& parts,
                                 ekc::v1::RouterSnapshot* snapshot) {
  if (parts.size() != header.parts()) {
    return absl::DataLossError(
        fmt::format("snapshot of event {}: {} parts stored, the header says {}", header.sequence(),
                    parts.size(), header.parts()));
  }
  std::string payload;
  payload.reserve(header.payload_bytes());
  for (size_t i = 0; i < parts.size(); ++i) {
    EKC_RETURN_IF_ERROR(
        AppendSnapshotPart(header, static_cast<uint32_t>(i + 1), parts[i], &payload));
  }
  return DecodeSnapshotPayload(header, payload, snapshot);
}

absl::Status AppendSnapshotPart(const ekc::v1::SnapshotHeader& header, uint32_t part,
                                std::string_view value, std::string* payload) {
  absl::StatusOr<std::string_view> slice = DecodeFrame(value);
  if (!slice.ok()) {
    return absl::DataLossError(fmt::format("snapshot of event {}: part {}: {}", header.sequence(),
                                           part, slice.status().message()));
  }
  if (payload->size() + slice->size() > header.payload_bytes()) {
    return absl::DataLossError(
        fmt::format("snapshot of event {}: the parts hold more than the {} bytes the header says",
                    header.sequence(), header.payload_bytes()));
  }
  payload->append(*slice);
  return absl::OkStatus();
}

absl::Status DecodeSnapshotPayload(const ekc::v1::SnapshotHeader& header, std::string_view payload,
                                   ekc::v1::RouterSnapshot* snapshot) {
  if (payload.size() != header.payload_bytes()) {
    return absl::DataLossError(
        fmt::format("snapshot of event {}: {} bytes stored, the header says {}", header.sequence(),
                    payload.size(), header.payload_bytes()));
  }
  if (const uint32_t crc = crc32c::Value(payload); crc != header.payload_crc32c()) {
    return absl::DataLossError(fmt::format(
        "snapshot of event {}: checksum mismatch: the header says CRC32C {:#010x}, the payload has "
        "{:#010x}",
        header.sequence(), header.payload_crc32c(), crc));
  }
  if (!snapshot->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError(
        fmt::format("snapshot of event {}: the payload does not parse as ekc.v1.RouterSnapshot",
                    header.sequence()));
  }
  if (snapshot->last_sequence() != header.sequence()) {
    return absl::DataLossError(
        fmt::format("snapshot of event {}: the state inside says it covers event {}",
                    header.sequence(), snapshot->last_sequence()));
  }
  return absl::OkStatus();
}

}  // namespace ekc::storage
