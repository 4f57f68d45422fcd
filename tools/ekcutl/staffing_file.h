#pragma once

// A staffing file for `ekcutl simulate --from-log --staffing FILE`: the operators of a what-if, in
// place of the recorded ones (docs/operations.md shows one).
//
//   operators:
//     - id: op-family            # required; with count > 1: op-family.1, op-family.2, …
//       count: 3                 # operators alike (default 1)
//       skills: {family: 7, general: 5}   # skill → proficiency 1–10; or a list: [family, general]
//       channels: {voice: 1, chat: 2}     # optional; none: every channel, one contact at a time
//       office: "SMFC-12"        # optional
//       region: "77"             # optional
//       start_s: 0               # logs in this many seconds after the log's first event (default
//       0) end_s: 28800             # logs out then (default: stays until the work is done)
//       accept_delay_ms: 2000    # offer → accepted (default 0)

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "tools/ekcutl/log_simulation.h"

namespace ekc::utl::log {

// Parses a staffing file's text; `first_unix_ms` anchors start_s and end_s. Errors name
// "file:line:column: reason".
absl::StatusOr<std::vector<RecordedOperator>> ParseStaffing(const std::string& yaml_text,
                                                            const std::string& path,
                                                            int64_t first_unix_ms);

// Reads and parses a staffing file.
absl::StatusOr<std::vector<RecordedOperator>> LoadStaffingFile(const std::string& path,
                                                               int64_t first_unix_ms);

}  // namespace ekc::utl::log
