#pragma once

// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of the event log's
// value frame (docs/event-log-format.md). The CPU's CRC32C instruction (SSE 4.2) where there is
// one, else a portable table-driven implementation: both give the same values, so the format does
// not depend on the CPU it was written on. A replay checks every record, so the speed matters
// there.
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

// The portable implementation, whatever the CPU (for tests that compare the two).
uint32_t ExtendPortable(uint32_t crc, std::string_view data);
// Whether Extend uses the CPU's instruction.
bool HardwareAccelerated();

}  // namespace ekc::storage::crc32c
