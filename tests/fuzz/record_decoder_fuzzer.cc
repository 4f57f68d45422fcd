// libFuzzer: the event log's decoders (storage/record_codec.h) on arbitrary bytes — a stored key
// and a stored value, as a damaged disk or a hostile file could hold them. They must answer with an
// error or a record, never crash; and a value they accept must encode back to the same record.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ekc/v1/events.pb.h"

#include "storage/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)ekc::storage::DecodeKey(bytes.substr(0, ekc::storage::kKeyBytes));
  (void)ekc::storage::DecodeKey(bytes);
  (void)ekc::storage::DecodeFrame(bytes);
  ekc::v1::EventRecord record;
  if (ekc::storage::DecodeValue(bytes, &record).ok()) {
    // What decodes must survive a round trip through the encoder unchanged.
    absl::StatusOr<std::string> again = ekc::storage::EncodeValue(record);
    if (!again.ok()) __builtin_trap();
    ekc::v1::EventRecord decoded;
    if (!ekc::storage::DecodeValue(*again, &decoded).ok()) __builtin_trap();
    if (decoded.SerializeAsString() != record.SerializeAsString()) __builtin_trap();
  }
  return 0;
}
