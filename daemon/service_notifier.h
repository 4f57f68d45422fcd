#pragma once

// ServiceNotifier: what ekcd tells systemd under Type=notify (sd_notify(3)) — READY=1 only once the
// log is replayed and the listeners are bound, STATUS= lines people read in `systemctl status`
// (replaying N/M, serving, read-only after a disk error), WATCHDOG=1 from the core thread,
// RELOADING=1 around a SIGHUP reload and STOPPING=1 on SIGTERM. Without NOTIFY_SOCKET (started by
// hand, in tests) every call does nothing.

#include <chrono>
#include <optional>
#include <string_view>

namespace ekc::daemon {

class ServiceNotifier {
 public:
  // Reads NOTIFY_SOCKET and the watchdog's interval from the environment once.
  ServiceNotifier();

  bool enabled() const { return enabled_; }

  void Ready(std::string_view status) const;
  void Status(std::string_view status) const;
  void Reloading() const;
  void ReloadDone(std::string_view status) const;
  void Stopping() const;
  void Watchdog() const;

  // How often to send WATCHDOG=1 (half of WatchdogSec=), when systemd watches this process.
  std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_interval_; }

 private:
  void Send(std::string_view message) const;

  bool enabled_ = false;
  std::optional<std::chrono::milliseconds> watchdog_interval_;
};

}  // namespace ekc::daemon
