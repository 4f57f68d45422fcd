#pragma once

// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of the event log's
// value frame (docs/event-log-format.md). A portable table-driven implementation, so that the
// format does not depend on the CPU it was written on; the log's throughput is bounded by fsync,
// not by this.
//
// Check value: Value("123456789") == 0xE3069283.

#include <cstdint>
#include <string_view>

namespace ekc::storage::crc32c {

// The CRC32C of `data` appended to a stream whose CRC32C so far is `crc`:
// Extend(Value(a), b) == Value(a + b). Extend(0, data) == Value(data).
uint32_t Extend(uint32_t crc, std::string_view data);

// The CRC32C of `data`.
inline uint32_t Value(std::string_view data) { return Extend(0, data); }

}  // namespace ekc::storage::crc32c
