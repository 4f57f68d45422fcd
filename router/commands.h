#pragma once

// Commands: what the world asks of the routing core. Each carries the time it arrived (stamped at
// ingress by the daemon, or the virtual clock of a simulation) and who asked. The core turns a
// command into events (`Decide`), or refuses it with a status; it never reads a clock of its own.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ekc/v1/common.pb.h"

#include "base/ids.h"

namespace ekc::router {

namespace command {

// A new contact from an intake front end, already classified on the RPC thread.
struct Submit {
  std::string idempotency_key;
  uint64_t request_fingerprint = 0;  // tells a retry (same request) from a reuse of the key
  ekc::v1::Channel channel = ekc::v1::CHANNEL_UNSPECIFIED;
  std::string citizen_ref;
  std::string region;
  std::string text;
  std::string ivr_choice;
  std::string office;
  std::vector<std::pair<std::string, std::string>> attributes;  // sorted by key
  ekc::v1::Classification classification;
};

// The citizen left.
struct Cancel {
  ContactId contact;
  std::string reason;
};

struct Login {
  OperatorId operator_id;
  std::string name;
  std::string office;
  std::string region;
  std::vector<ekc::v1::Skill> skills;
  std::vector<ekc::v1::ChannelCapacity> channels;
  bool ready = false;
};

struct ChangeState {
  OperatorId operator_id;
  ekc::v1::OperatorState state = ekc::v1::OPERATOR_STATE_UNSPECIFIED;  // AVAILABLE or BREAK
  std::string break_reason;
};

struct Logout {
  OperatorId operator_id;
  std::string reason;
};

struct Accept {
  OperatorId operator_id;
  ContactId contact;
};

struct Decline {
  OperatorId operator_id;
  ContactId contact;
  std::string reason;
};

struct Complete {
  OperatorId operator_id;
  ContactId contact;
  std::string outcome_code;
  std::string notes;
};

// The operator's desk stream broke.
struct ConnectionLost {
  OperatorId operator_id;
};

// The citizen asks to be called back instead of waiting on the line.
struct RequestCallback {
  ContactId contact;
  std::string callback_ref;
};

// An operator hands the contact they are connected to over to a queue or to another operator.
struct Transfer {
  OperatorId operator_id;
  ContactId contact;
  std::string to_queue;    // empty: the contact's own queue
  OperatorId to_operator;  // empty: anyone in the queue
  std::string note;
};

// Supervisor actions; the command's actor is the supervisor.
struct Reassign {
  ContactId contact;
  OperatorId to_operator;
  std::string note;
};

struct ChangePriority {
  ContactId contact;
  ekc::v1::Priority priority = ekc::v1::PRIORITY_UNSPECIFIED;
  std::string note;
};

struct ForceOperatorState {
  OperatorId operator_id;
  ekc::v1::OperatorState state =
      ekc::v1::OPERATOR_STATE_UNSPECIFIED;  // AVAILABLE, BREAK or OFFLINE
  std::string break_reason;
  std::string note;
};

struct SetQueuePaused {
  std::string queue;
  bool paused = false;
  std::string note;
};

// Time passed: fire the timers that are due (offer timeouts, wrap-up ends, grace ends) and offer
// what can be offered.
struct Tick {};

// ekcd restarted: every operator the replayed state shows connected has in fact lost their stream.
struct Recover {};

}  // namespace command

using CommandBody =
    std::variant<command::Submit, command::Cancel, command::Login, command::ChangeState,
                 command::Logout, command::Accept, command::Decline, command::Complete,
                 command::ConnectionLost, command::RequestCallback, command::Transfer,
                 command::Reassign, command::ChangePriority, command::ForceOperatorState,
                 command::SetQueuePaused, command::Tick, command::Recover>;

struct Command {
  int64_t now_unix_ms = 0;
  ekc::v1::Actor actor;
  CommandBody body;
};

}  // namespace ekc::router
