#pragma once

// Dispatch: which waiting contact goes to which free operator. Work-conserving and incremental:
// after a command, only what its events changed is looked at — an operator who became free (the
// best contact in the lines they serve), a contact that joined a line or may now go to more
// operators (the best operator for it under its queue's strategy and current escalation step). At
// rest no contact waits that a free operator could take (bounded scans aside; docs/routing.md).
//
// Pure with respect to the state: the hints are the caller's scratch (Router keeps them); each step
// pops hints until one yields an offer.

#include <cstdint>
#include <optional>
#include <set>

#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "router/config.h"
#include "router/state.h"

namespace ekc::router {

// Waiting contacts of one queue that a dispatch looks at for one operator; free operators looked at
// for one contact. Lines are in order of service and contacts of a queue need the same skills, so
// the first few tell; the bounds keep a step cheap when none fits.
inline constexpr size_t kLineScanMax = 64;
inline constexpr size_t kCandidateScanMax = 1024;

struct DispatchHints {
  std::set<OperatorId> operators;  // may take work now
  std::set<ContactId> contacts;    // may go to an operator now
  bool Empty() const { return operators.empty() && contacts.empty(); }
  // Every ready operator (after a recovery, a config change, a resumed queue).
  void AddAllReady(const RouterState& state);
};

// Notes what an applied event may have made possible.
void NoteForDispatch(const ekc::v1::EventRecord& e, const RouterState& state, DispatchHints& hints);

// One offer, or none when no hint leads to one (the hints are then empty).
std::optional<ekc::v1::EventRecord> DispatchStep(const RouterState& state,
                                                 const RouterConfig& config, int64_t now_unix_ms,
                                                 DispatchHints& hints);

// Whether `op` may take `c` now, under the contact's queue's current escalation step.
bool CanServe(const RouterState& state, const RouterConfig& config, const Operator& op,
              const Contact& c, int64_t now_unix_ms);

}  // namespace ekc::router
