#include "daemon/service_notifier.h"

#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

namespace ekc::daemon {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::milliseconds(usec / 2000);
  }
}

void ServiceNotifier::Send(std::string_view message) const {
  if (!enabled_) return;
  const std::string text(message);
  if (int r = sd_notify(0, text.c_str()); r < 0) {
    spdlog::warn("systemd notification \"{}\" not sent: error {}", text, -r);
  }
}

void ServiceNotifier::Ready(std::string_view status) const {
  Send(fmt::format("READY=1\nSTATUS={}", status));
}

void ServiceNotifier::Status(std::string_view status) const {
  Send(fmt::format("STATUS={}", status));
}

void ServiceNotifier::Reloading() const {
  // MONOTONIC_USEC lets systemd (253 and later) tell this reload from an earlier one.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1'000;
  Send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading", usec));
}

void ServiceNotifier::ReloadDone(std::string_view status) const {
  Send(fmt::format("READY=1\nSTATUS={}", status));
}

void ServiceNotifier::Stopping() const { Send("STOPPING=1\nSTATUS=stopping"); }

void ServiceNotifier::Watchdog() const { Send("WATCHDOG=1"); }

}  // namespace ekc::daemon
