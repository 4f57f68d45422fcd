#pragma once

// Server: ekcd assembled — rules compiled, the event log opened and replayed, the core thread
// started, the gRPC services listening. `Start` does it all or fails with a status that says what
// and where; destruction (or Shutdown) stops taking requests, lets the last events become durable,
// and closes the log.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "daemon/config.h"
#include "router/classifier.h"

namespace ekc::daemon {

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const DaemonConfig& config);
  ~Server();

  // Stops serving: new calls are refused, open streams end, pending events are made durable.
  // Idempotent.
  void Shutdown();

  // Compiles the rules file again, checks it against the queues and puts it in force; on error the
  // running rules stay. Any thread but the core's (SIGHUP comes through here).
  absl::StatusOr<std::shared_ptr<const router::RuleSet>> ReloadRules();

  const std::string& listen_address() const;
  // HOST:PORT of the HTTP listener (the dashboard), "" when there is none.
  const std::string& http_address() const;
  // One line for people: where it listens, what it replayed, which rules it runs.
  std::string ReadyLine() const;

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Compiles the rules file that `config` names and checks that every situation its queues list is
// defined there. Errors name file:line:column.
absl::Status CheckRulesAgainstConfig(const DaemonConfig& config);

}  // namespace ekc::daemon
