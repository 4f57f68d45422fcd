#pragma once

// RouterConfig: the queues and timings the routing core decides with. The daemon builds it from its
// YAML config file; the core never reads files. Only `Decide` reads it: `Apply` works from the
// events alone, so a replay gives the same state whatever the config is now.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace ekc::router {

// How a queue picks among the operators free to take a contact.
enum class SelectionStrategy : uint8_t {
  kLongestIdle,    // the one free the longest
  kMostSkilled,    // the highest proficiency in the queue's skills, then the longest idle
  kLeastOccupied,  // the one handling the fewest contacts now, then the longest idle
  kRoundRobin,     // the next after the operator this queue last offered to, in id order
};

std::string_view SelectionStrategyName(SelectionStrategy strategy);

// One ring of a queue's bullseye: who may take its contacts from `after_ms` of waiting on. The
// first step starts at once; each widens the one before (or ends the wait: overflow, callback).
struct EscalationStep {
  int64_t after_ms = 0;
  bool same_office = false;      // only operators of the contact's SMFC office (if it names one)
  bool same_region = false;      // only operators of the contact's region (if it names one)
  uint32_t min_proficiency = 0;  // in each of the queue's skills; 0: any
  std::string overflow_to;       // move the contact to this queue, keeping its place in time
  bool callback = false;         // turn the contact into a callback request
  std::string summary;  // how the offer explains the step, e.g. "own office, proficiency ≥ 7"
};

struct QueueConfig {
  std::string name;                     // e.g. "family"
  std::vector<std::string> situations;  // the situation codes routed to this queue
  std::vector<std::string> skills;    // an operator needs all of them to get this queue's contacts
  int64_t offer_timeout_ms = 20'000;  // how long an operator has to answer an offer
  int64_t wrap_up_ms = 30'000;        // after-contact work before the operator is available again
  uint32_t waiting_max = 10'000;      // contacts waiting at most; a submit past it is refused
  // How long a contact is not offered again to an operator who declined it or let the offer time
  // out, while others may take it.
  int64_t reoffer_delay_ms = 30'000;
  // The handle time the estimated wait assumes until the queue has completed contacts of its own.
  int64_t expected_handle_ms = 300'000;
  // Service-level goal: `service_level_target` of the contacts answered within the threshold.
  double service_level_target = 0.8;
  uint32_t service_level_threshold_s = 20;
  // Contacts abandoned within this many seconds count in neither the answered nor the missed
  // (docs/routing.md); 0 counts every abandon as a miss.
  uint32_t short_abandon_s = 0;
  SelectionStrategy strategy = SelectionStrategy::kLongestIdle;
  // The bullseye, first step first; empty: anyone with the skills from the start.
  std::vector<EscalationStep> escalation;
  // When the queue is full: refuse the contact (empty) or send it to this queue.
  std::string overflow_when_full;
};

struct RouterConfig {
  std::vector<QueueConfig> queues;
  // Contacts with no situation, or with situations no queue lists, go here.
  std::string default_queue = "general";
  // Urgent contacts go here whatever their situations, when set (e.g. "crisis").
  std::string urgent_queue;
  // How long an operator whose desk stream broke stays logged in, waiting for them to come back.
  int64_t operator_grace_ms = 60'000;
  // Offers in a row an operator lets time out before they go NOT_RESPONDING (0: never).
  uint32_t not_responding_after_misses = 3;
  // Aging: one priority level is worth this much waiting, so that a low-priority contact that
  // waited long enough goes ahead of a newer normal one (0: strict priority, then age). Urgent
  // contacts always go first.
  int64_t priority_aging_ms = 0;
  // May an operator in a voice conversation get chats (or portal, messenger contacts)?
  bool chat_during_voice = false;
  // How long a contact stays in the routing state after it ended (completed or abandoned): its
  // status can be asked for and its idempotency key answers retries for this long. Then the core
  // forgets it (ContactsForgotten), in batches about every 1/24 of this time; the log keeps it.
  int64_t keep_ended_contacts_ms = int64_t{24} * 3600 * 1000;

  const QueueConfig* FindQueue(std::string_view name) const;
  // The queue a contact with these situations (best first) and urgency joins.
  const QueueConfig& QueueFor(const std::vector<std::string_view>& situation_codes,
                              bool urgent) const;
};

// Checks the config is usable: at least one queue, unique names, a situation in at most one queue,
// the default and urgent queues exist, positive timings. The message names the queue and the field.
absl::Status ValidateRouterConfig(const RouterConfig& config);

// The config the tests and the simulator start from: one general queue.
RouterConfig SingleQueueConfig();

}  // namespace ekc::router
