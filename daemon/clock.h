#pragma once

// The daemon's one clock: commands are stamped with it when they arrive (at ingress), and the core
// reads only those stamps (docs/adr/0001-commands-stamped-at-ingress.md).

#include <chrono>
#include <cstdint>

namespace ekc::daemon {

inline int64_t WallClockUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ekc::daemon
