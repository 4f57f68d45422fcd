#pragma once

// Retention: old events leave the log only after an export file holds them. Export writes a closed
// range of events (the first stored one through `through`) into a file of its own, synced; Prune
// deletes exactly the events an export file holds, and only when
//
//   - the file reads back whole: every frame's checksum, the sequences without a gap, the footer;
//   - every record in it is byte for byte the one stored in the log;
//   - it starts at the log's first stored event (nothing older is left behind unexported);
//   - a snapshot at or after its last event reads back intact and is accepted by the caller (so a
//     start can still recover: it begins at that snapshot);
//   - the log's newest event is not in it (the last event is always kept).
//
// Export file (docs/event-log-format.md, "Export files"): the 8 bytes "EKCLOGX1", then entries of
// a 4-byte little-endian length and a frame (record_codec.h): an ekc.v1.ExportHeader, one stored
// event value per event first..last, an ekc.v1.ExportFooter.
//
// Thread: the caller's. Prune needs a log opened read-write, with no Appends running (ekcutl on a
// stopped daemon's folder).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"

namespace ekc::storage {

inline constexpr std::string_view kExportMagic = "EKCLOGX1";
// An export holds at most this many events; larger ranges are exported in several files.
inline constexpr uint64_t kExportRecordsMax = uint64_t{1} << 32;
// A frame in an export file is at most this large (protobuf's limit).
inline constexpr uint32_t kExportFrameBytesMax = 0x7FFFFFFF;

struct ExportSummary {
  Sequence first;
  Sequence last;
  uint64_t records = 0;
  uint64_t bytes = 0;  // of the file
};

// Writes events first..`through` of `log` into a new file `path` (written beside it under a
// temporary name, synced, renamed, the folder synced). Errors: `through` is not a stored event
// (INVALID_ARGUMENT), `path` exists (ALREADY_EXISTS), reading the log (DATA_LOSS) or writing the
// file fails.
absl::StatusOr<ExportSummary> ExportEvents(const EventLog& log, Sequence through,
                                           const std::string& path);

// Reads an export file back and checks it whole; calls `visit` (may be empty) with each record and
// its stored value, in order. DATA_LOSS naming the entry when anything is wrong.
absl::StatusOr<ExportSummary> ReadExport(
    const std::string& path,
    const std::function<absl::Status(const ekc::v1::EventRecord& record, std::string_view value)>&
        visit = nullptr);

// Deletes from `log` the events that the export file `path` holds, after every check listed above.
// `accept_snapshot` says whether a snapshot can be recovered from (router::RouterState::
// FromSnapshot). Errors: FAILED_PRECONDITION saying which condition does not hold; DATA_LOSS for a
// damaged file or a mismatch with the log.
absl::StatusOr<ExportSummary> Prune(
    EventLog& log, const std::string& path,
    const std::function<absl::Status(const ekc::v1::RouterSnapshot&)>& accept_snapshot);

}  // namespace ekc::storage
