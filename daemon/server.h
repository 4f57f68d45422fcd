#pragma once

// Server: ekcd assembled — rules compiled, the event log opened and replayed, the core thread
// started, the gRPC services listening. `Start` does it all or fails with a status that says what
// and where; destruction (or Shutdown) stops taking requests, lets the last events become durable,
// and closes the log.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "daemon/access_control.h"
#include "daemon/config.h"
#include "daemon/service_notifier.h"
#include "router/classifier.h"

namespace ekc::daemon {

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const DaemonConfig& config);
  ~Server();

  // Stops serving: new calls are refused, open streams end, pending events are made durable and a
  // final snapshot is stored (bounded wait).
  // Idempotent.
  void Shutdown();

  // Compiles the rules file again, checks it against the queues and puts it in force; on error the
  // running rules stay. Any thread but the core's (SIGHUP comes through here).
  absl::StatusOr<std::shared_ptr<const router::RuleSet>> ReloadRules();

  // What SIGHUP does: the rules and the token file are read again; each that is bad is refused
  // (and logged) while its running version stays. The first error is returned.
  absl::Status Reload();

  // What systemd is told (nothing when systemd did not start ekcd).
  const ServiceNotifier& notifier() const;

  // /readyz: replayed (a Server exists only then) and the log still takes writes.
  bool Writable() const;
  // /metrics: the Prometheus text, passed to `reply` on the core thread once it is rendered.
  void RenderMetrics(std::function<void(std::string)> reply);

  // Who may call what; the HTTP listener authorizes with it too.
  AccessControl& access();

  const std::string& listen_address() const;
  // HOST:PORT of the HTTP listener (the dashboard), "" when there is none.
  const std::string& http_address() const;
  // One line for people: where it listens, what it replayed, which rules it runs.
  std::string ReadyLine() const;

  // Everything a running ekcd is made of (server.cc).
  struct Parts;

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  void WriteFinalSnapshot();
  std::unique_ptr<Parts> parts_;
};

// Whether "host:port" names this machine only (127.0.0.0/8, ::1, localhost).
bool IsLoopbackAddress(std::string_view host_port);

// Compiles the rules file that `config` names and checks that every situation its queues list is
// defined there. Errors name file:line:column.
absl::Status CheckRulesAgainstConfig(const DaemonConfig& config);

// What `ekcd --check-config` checks besides the file itself: the rules against the queues, the
// token file, the TLS files, and that open mode (no token file) is on loopback only.
absl::Status CheckConfig(const DaemonConfig& config);

}  // namespace ekc::daemon
