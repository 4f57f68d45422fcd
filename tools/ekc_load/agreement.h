#pragma once

// Service level, ASA and abandonment as the clients saw them, and as ekcd recorded them — and
// whether the two agree.
//
// The clients cannot know the instants ekcd stamps (a contact's wait starts when ekcd receives the
// SubmitContact, and ends when it receives the Accept or the CancelContact), but they know an
// interval around each: ekcd's wait of a contact lies in the *bracket*
//     answered:  [accept sent − submit answered,  assignment received − submit sent]
//     abandoned: [cancel sent − submit answered,  cancel answered − submit sent]
// widened by kStampSlackMs because ekcd stamps whole milliseconds. Agreement means: ekcd's wait of
// every contact it lists lies in the client's bracket, the contact ended the same way on both
// sides, and hence ekcd's service level, ASA and abandon rate lie within the client's bounds
// (computed from the same brackets). The width of the bounds is the tolerance: about one submit
// latency plus one accept round trip per contact, a few milliseconds on loopback.
//
// ekcd's side comes from Supervision.ListContacts (COMPLETED, WRAP_UP and ABANDONED contacts, per
// queue, with their waited_ms): the Supervision API has no queue statistics yet (WatchDashboard is
// UNIMPLEMENTED), and ListContacts answers at most 1000 rows per call, longest waits first. A
// listing that reached that limit is `truncated`: the contacts it did list are still compared one
// by one, the figures are computed over the compared ones, and contacts it left out are not
// "missing".

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

#include "tools/ekc_load/options.h"
#include "tools/ekc_load/run_state.h"

namespace ekc::load {

inline constexpr int64_t kStampSlackMs = 1;
inline constexpr uint32_t kListLimit = 1000;  // ListContacts' maximum

struct ClientWait {
  uint64_t contact_id = 0;
  int64_t low_us = 0;
  int64_t high_us = 0;
  bool answered = false;  // otherwise abandoned
};

struct ServerWait {
  uint64_t contact_id = 0;
  int64_t waited_ms = 0;
  bool answered = false;  // COMPLETED or WRAP_UP (otherwise ABANDONED)
};

// The brackets of every contact of the run that was answered or abandoned.
std::vector<ClientWait> ClientWaits(const std::vector<ContactRecord>& records);

struct WaitFigures {
  uint64_t ended = 0;  // answered + abandoned
  uint64_t answered = 0;
  uint64_t abandoned = 0;
  double service_level_low = 1;  // answered within the threshold / ended: 1 when nothing ended
  double service_level_high = 1;
  double asa_ms_low = 0;  // mean wait over ended waits (answered and abandoned), like ekcd's ASA
  double asa_ms_high = 0;
  double abandon_rate = 0;
};

// The client's bounds over `waits`, with the stamp slack included.
WaitFigures ClientFigures(const std::vector<ClientWait>& waits, int64_t threshold_ms);

struct Agreement {
  std::string source = "Supervision.ListContacts";
  bool truncated = false;  // a listing hit kListLimit
  uint64_t compared = 0;   // contacts both sides know as ended
  uint64_t inside = 0;     // ekcd's wait inside the client's bracket
  uint64_t outside = 0;
  uint64_t ended_differently = 0;  // completed on one side, abandoned on the other
  uint64_t missing = 0;  // ended for the client, not listed by ekcd (only when not truncated)
  WaitFigures client;    // over the compared contacts
  double server_service_level = 1;
  double server_asa_ms = 0;
  double server_abandon_rate = 0;
  bool agrees = false;
  std::vector<std::string> examples;  // the first few disagreements
};

// Compares contact by contact (server rows of other runs are ignored).
Agreement Compare(const std::vector<ClientWait>& client, const std::vector<ServerWait>& server,
                  int64_t threshold_ms, bool truncated);

// Lists the COMPLETED, WRAP_UP and ABANDONED contacts of `queues` from ekcd. `truncated` is set
// when a listing hit the limit.
absl::StatusOr<std::vector<ServerWait>> FetchServerWaits(
    const std::shared_ptr<grpc::Channel>& channel, const LoadOptions& options,
    const std::vector<std::string>& queues, bool* truncated);

}  // namespace ekc::load
