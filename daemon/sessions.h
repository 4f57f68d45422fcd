#pragma once

// The daemon's handles on open streams, held by the core thread (PushHub) and by their reactors.

#include <atomic>
#include <cstdint>
#include <string>

#include "ekc/v1/intake.pb.h"
#include "ekc/v1/operator_desk.pb.h"

#include "base/ids.h"
#include "daemon/outbox.h"

namespace ekc::daemon {

// Messages queued to one client at most: a desk or watcher falling further behind is cut off.
inline constexpr size_t kStreamQueuedMessagesMax = 256;
// Desk requests of one stream decided but not yet answered, at most; past it a request is refused.
inline constexpr int kDeskRequestsInFlightMax = 64;

// One operator's desk stream (OperatorDesk.Connect).
struct DeskSession {
  explicit DeskSession(Outbox<ekc::v1::DeskEvent>::StartWrite start_write,
                       Outbox<ekc::v1::DeskEvent>::Finish finish)
      : outbox(kStreamQueuedMessagesMax, std::move(start_write), std::move(finish)) {}

  Outbox<ekc::v1::DeskEvent> outbox;
  // Set by the core thread when a login succeeds; read there only.
  OperatorId operator_id;
  // Requests posted to the core and not yet answered (any thread).
  std::atomic<int> requests_in_flight{0};
  // The client closed its side: the stream ends once every request in flight is answered.
  std::atomic<bool> client_done{false};

  // Called when a request is answered (or the client half-closes): ends the stream once the client
  // is done and nothing is left to answer. Whichever of the two comes last closes it.
  void FinishIfDone() {
    if (client_done.load() && requests_in_flight.load() == 0) outbox.Close(grpc::Status::OK);
  }
  uint64_t id = 0;  // for logs: which stream this is
  // The state the desk was last told (core thread only), so that a change is pushed once.
  bool state_told = false;
  ekc::v1::StateChanged last_state_told;
};

// One WatchContact stream.
struct WatchSession {
  WatchSession(ContactId watched, Outbox<ekc::v1::ContactUpdate>::StartWrite start_write,
               Outbox<ekc::v1::ContactUpdate>::Finish finish)
      : contact(watched),
        outbox(kStreamQueuedMessagesMax, std::move(start_write), std::move(finish)) {}

  ContactId contact;
  Outbox<ekc::v1::ContactUpdate> outbox;
};

}  // namespace ekc::daemon
