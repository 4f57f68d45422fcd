#pragma once

// The daemon's one clock: commands are stamped with it when they arrive (at ingress), and the core
// reads only those stamps (docs/adr/0001-commands-stamped-at-ingress.md).

#include <chrono>
#include <cstdint>
#include <ctime>

namespace ekc::daemon {

inline int64_t WallClockUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Local midnight (ekcd's time zone: TZ, or the system's) of the day `now_unix_ms` falls in: where
// the dashboard's "today" starts.
inline int64_t LocalDayStartUnixMs(int64_t now_unix_ms) {
  const std::time_t now = static_cast<std::time_t>(now_unix_ms / 1000);
  std::tm local{};
  if (localtime_r(&now, &local) == nullptr) return now_unix_ms - now_unix_ms % 86'400'000;
  local.tm_hour = 0;
  local.tm_min = 0;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  const std::time_t midnight = std::mktime(&local);
  return midnight == static_cast<std::time_t>(-1) ? now_unix_ms - now_unix_ms % 86'400'000
                                                  : static_cast<int64_t>(midnight) * 1000;
}

}  // namespace ekc::daemon
