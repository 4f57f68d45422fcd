// libFuzzer: the snapshot loader — a stored snapshot's header and parts (storage/snapshot_codec.h)
// and the state they describe (router::RouterState::FromSnapshot) on arbitrary bytes. Damaged or
// hostile input must be refused with an error, never crash or build a state that breaks its own
// invariants.
//
// Input: byte 0 chooses the path. Even: the rest is a RouterSnapshot payload, loaded directly (the
// checksums would otherwise stop almost every input before the loader). Odd: the rest is split into
// a header value and part values, each prefixed with a 2-byte little-endian length.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ekc/v1/snapshot.pb.h"

#include "router/invariants.h"
#include "router/state.h"
#include "storage/snapshot_codec.h"

namespace {

// The next length-prefixed piece of `input`, or false at its end.
bool NextPiece(std::string_view& input, std::string_view* piece) {
  if (input.size() < 2) return false;
  const size_t length = static_cast<unsigned char>(input[0]) |
                        static_cast<size_t>(static_cast<unsigned char>(input[1])) << 8;
  input.remove_prefix(2);
  *piece = input.substr(0, length);
  input.remove_prefix(piece->size());
  return true;
}

void Load(const ekc::v1::RouterSnapshot& snapshot) {
  absl::StatusOr<ekc::router::RouterState> state = ekc::router::RouterState::FromSnapshot(snapshot);
  if (!state.ok()) return;
  // A state the loader accepted must hold together and describe itself the same way again.
  if (!ekc::router::CheckInvariants(*state).ok()) __builtin_trap();
  (void)state->StateHash();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    ekc::v1::RouterSnapshot snapshot;
    if (snapshot.ParseFromArray(input.data(), static_cast<int>(input.size()))) Load(snapshot);
    return 0;
  }
  std::string_view header_value;
  if (!NextPiece(input, &header_value)) return 0;
  absl::StatusOr<ekc::v1::SnapshotHeader> header = ekc::storage::DecodeSnapshotHeader(header_value);
  if (!header.ok()) return 0;
  std::vector<std::string_view> parts;
  std::string_view part;
  // Bounded by the input: each piece consumes at least its 2-byte length.
  while (parts.size() < ekc::storage::kSnapshotPartsMax && NextPiece(input, &part)) {
    parts.push_back(part);
  }
  ekc::v1::RouterSnapshot snapshot;
  if (ekc::storage::DecodeSnapshotParts(*header, parts, &snapshot).ok()) Load(snapshot);
  return 0;
}
