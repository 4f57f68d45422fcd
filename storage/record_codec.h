#pragma once

// The event log's on-disk encoding (docs/event-log-format.md is the reference):
//
//   key   = sequence, 8 bytes, big-endian (so RocksDB's bytewise order is sequence order)
//   value = version (1 byte, kFormatVersion) | CRC32C of payload (4 bytes, little-endian) | payload
//   payload = ekc.v1.EventRecord in protobuf wire format
//
// The decoders take bytes read from disk, so they never assert: anything malformed is answered with
// DATA_LOSS and a message saying what was wrong. Callers add the log's path and the sequence.
// Pure functions; safe on any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"

namespace ekc::storage {

inline constexpr size_t kKeyBytes = 8;
inline constexpr uint8_t kFormatVersion = 1;
// version byte + CRC32C.
inline constexpr size_t kFrameHeaderBytes = 1 + 4;

// The key under which the record with this sequence is stored.
std::string EncodeKey(Sequence sequence);

// The sequence a stored key names. DATA_LOSS if the key is not exactly kKeyBytes long.
absl::StatusOr<Sequence> DecodeKey(std::string_view key);

// The frame around any payload (the same frame as an event's value; snapshot parts and export
// files use it too): version | CRC32C of payload | payload.
std::string EncodeFrame(std::string_view payload);

// The payload of a frame, after checking its header and checksum. The view points into `value`.
// DATA_LOSS if `value` is shorter than the frame header, has another format version, or fails its
// checksum.
absl::StatusOr<std::string_view> DecodeFrame(std::string_view value);

// The framed value for `record`, written into `*value` (its old contents are replaced; its capacity
// is reused). INVALID_ARGUMENT if the record cannot be serialized (larger than protobuf's 2 GiB).
absl::Status EncodeValueTo(const ekc::v1::EventRecord& record, std::string* value);

// The framed value for `record`, as a new string.
absl::StatusOr<std::string> EncodeValue(const ekc::v1::EventRecord& record);

// Checks the frame of a stored value and parses its payload into `*record` (replacing its
// contents). DATA_LOSS if the value is shorter than the frame header, has another format version,
// fails its checksum, or does not parse. Does not compare record->sequence() with the key: the
// caller does.
absl::Status DecodeValue(std::string_view value, ekc::v1::EventRecord* record);

}  // namespace ekc::storage
