#pragma once

// PushHub: who is listening, and what each durable event means to them. It keeps the open desk
// streams (by operator) and the contact watchers, and turns a command's events into the messages to
// push: offers, revocations and state changes to operators; progress updates to watchers.
//
// Thread: the core thread only. The messages are built when the events are decided (from the state
// right after them) and sent by the CoreLoop only once the events are durable.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "daemon/sessions.h"
#include "router/state.h"

namespace ekc::daemon {

// Watchers of one contact at most, and of all contacts.
inline constexpr size_t kWatchersPerContactMax = 8;
inline constexpr size_t kWatchersMax = 10'000;

class PushHub {
 public:
  using Push = std::function<void()>;

  // Registers the session as the operator's desk. Returns the session it replaces (to be closed),
  // if any.
  std::shared_ptr<DeskSession> AttachDesk(const OperatorId& op,
                                          std::shared_ptr<DeskSession> session);
  // Forgets the operator's desk if it is this session. True when it was.
  bool DetachDesk(const OperatorId& op, const DeskSession* session);
  std::shared_ptr<DeskSession> DeskOf(const OperatorId& op) const;
  // Tells every desk why its stream ends, and ends it (their operators then lose their connection
  // as usual, through the streams' OnDone).
  void CloseAllDesks(const absl::Status& why);

  // RESOURCE_EXHAUSTED past the bounds.
  absl::Status AddWatcher(std::shared_ptr<WatchSession> watcher);
  void RemoveWatcher(const WatchSession* watcher);

  // The pushes that a command's events cause, in event order.
  std::vector<Push> Publish(const std::vector<ekc::v1::EventRecord>& events,
                            const router::RouterState& state);

  size_t desk_count() const { return desks_.size(); }
  size_t watcher_count() const { return watcher_total_; }

 private:
  void PublishToDesk(const ekc::v1::EventRecord& e, const router::RouterState& state,
                     std::vector<Push>& out);
  void PublishToWatchers(const ekc::v1::EventRecord& e, const router::RouterState& state,
                         std::vector<Push>& out);
  // The state each touched operator is in now, when it is not what their desk was told last.
  void PublishStates(const std::set<OperatorId>& touched, const router::RouterState& state,
                     std::vector<Push>& out);

  std::map<OperatorId, std::shared_ptr<DeskSession>> desks_;
  std::map<ContactId, std::vector<std::shared_ptr<WatchSession>>> watchers_;
  size_t watcher_total_ = 0;
};

// What a watcher sees of a contact now.
ekc::v1::ContactUpdate ContactUpdateOf(const router::Contact& contact,
                                       const router::RouterState& state, int64_t now_unix_ms);
// True once a watcher has nothing more to wait for: connected, or ended.
bool WatchIsOver(ekc::v1::ContactState state);

// Tells the desk why its stream ends (a DeskError with request_id 0), then ends it with that
// status.
void EndDeskStream(DeskSession& desk, const absl::Status& why);

// Desk messages shared by the hub and the desk service.
ekc::v1::DeskEvent OfferMessage(const router::Contact& contact, const ekc::v1::OfferReason& reason,
                                int64_t now_unix_ms);
ekc::v1::DeskEvent AssignmentMessage(const router::Contact& contact);
ekc::v1::DeskEvent StateChangedMessage(const router::Operator& op,
                                       const router::RouterState& state);
// Whether two StateChanged say the same (the time aside).
bool SameState(const ekc::v1::StateChanged& a, const ekc::v1::StateChanged& b);

}  // namespace ekc::daemon
