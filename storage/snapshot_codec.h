#pragma once

// The stored form of a snapshot of the routing state (docs/event-log-format.md, "Snapshots"). A
// snapshot lives in the log's "snapshots" column family under 12-byte keys:
//
//   key   = sequence covered (8 bytes big-endian) | part number (4 bytes big-endian)
//   part 0            = frame around an ekc.v1.SnapshotHeader (sizes, CRC32C of the payload)
//   parts 1..parts    = frames around consecutive slices of the payload
//   payload           = ekc.v1.RouterSnapshot, deterministic protobuf serialization
//
// The payload is split so that no RocksDB value (and no write the log's writer thread may queue
// behind) is larger than kSnapshotPartBytes, whatever the size of the state. The writer puts the
// parts first and the header last, so a header implies its parts; a part without a header is an
// interrupted write and is ignored (and deleted by the next snapshot).
//
// Decoders take bytes read from disk, so they never assert: anything malformed is DATA_LOSS with a
// message saying what. Pure functions; safe on any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/log_storage.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"

namespace ekc::storage {

inline constexpr size_t kSnapshotKeyBytes = 8 + 4;
// The largest slice of a snapshot's payload in one part (one RocksDB value).
inline constexpr size_t kSnapshotPartBytes = size_t{4} << 20;
// Protobuf parses at most 2 GiB, so more parts than this can only come from a damaged header.
inline constexpr uint32_t kSnapshotPartsMax = 1024;
static_assert(kSnapshotPartsMax * kSnapshotPartBytes >= (size_t{2} << 30),
              "the parts must be able to hold the largest payload protobuf can parse");

struct SnapshotKey {
  Sequence sequence;
  uint32_t part = 0;
};

std::string EncodeSnapshotKey(Sequence sequence, uint32_t part);
// DATA_LOSS if the key is not kSnapshotKeyBytes long.
absl::StatusOr<SnapshotKey> DecodeSnapshotKey(std::string_view key);

// A snapshot ready to be stored: its serialized payload and the header describing it.
struct EncodedSnapshot {
  ekc::v1::SnapshotHeader header;
  std::string payload;
};

// Serializes `snapshot` (deterministically) and describes it with parts of at most `part_bytes`.
// INVALID_ARGUMENT if it covers no event (last_sequence 0), is larger than protobuf's limit, or
// part_bytes is 0.
absl::StatusOr<EncodedSnapshot> EncodeSnapshot(const ekc::v1::RouterSnapshot& snapshot,
                                               int64_t written_unix_ms,
                                               size_t part_bytes = kSnapshotPartBytes);
// The stored value of part `part` (1-based) of `encoded`, split with `part_bytes`.
std::string EncodeSnapshotPart(const EncodedSnapshot& encoded, uint32_t part,
                               size_t part_bytes = kSnapshotPartBytes);
// The stored value of part 0.
std::string EncodeSnapshotHeader(const ekc::v1::SnapshotHeader& header);

// Checks part 0's frame and parses it; checks the header's fields are possible (a sequence, 1 to
// kSnapshotPartsMax parts, a payload protobuf can parse).
absl::StatusOr<ekc::v1::SnapshotHeader> DecodeSnapshotHeader(std::string_view value);

// Checks the frame of part `part` (1-based) and appends its slice to `*payload`; DATA_LOSS when the
// frame is bad or the parts would hold more than the header's payload_bytes.
absl::Status AppendSnapshotPart(const ekc::v1::SnapshotHeader& header, uint32_t part,
                                std::string_view value, std::string* payload);

// Checks the reassembled payload against `header` (size, CRC32C) and parses it into `*snapshot`,
// whose last_sequence must be the header's.
absl::Status DecodeSnapshotPayload(const ekc::v1::SnapshotHeader& header, std::string_view payload,
                                   ekc::v1::RouterSnapshot* snapshot);

// Checks every part's frame, reassembles the payload and decodes it (DecodeSnapshotPayload).
// `parts[i]` is the stored value of part i+1.
absl::Status DecodeSnapshotParts(const ekc::v1::SnapshotHeader& header,
                                 const std::vector<std::string_view>& parts,
                                 ekc::v1::RouterSnapshot* snapshot);

}  // namespace ekc::storage
