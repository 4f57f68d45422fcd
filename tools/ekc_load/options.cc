#include "tools/ekc_load/options.h"

#include <charconv>
#include <cmath>
#include <string>

#include <arpa/inet.h>
#include <fmt/format.h>

namespace ekc::load {

namespace {

absl::Status Bad(std::string_view flag, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", flag, why));
}

absl::Status CheckSeconds(std::string_view flag, double value, double max, bool negative_ok) {
  if (!std::isfinite(value)) return Bad(flag, "must be a number");
  if (value < 0 && !negative_ok) return Bad(flag, "must not be negative");
  if (value > max) return Bad(flag, fmt::format("at most {} s", max));
  return absl::OkStatus();
}

// The host part of HOST:PORT or [HOST]:PORT; empty when there is no port.
std::string_view HostOf(std::string_view target) {
  for (std::string_view prefix : {"ipv4:", "ipv6:", "dns:///", "dns:"}) {
    if (target.starts_with(prefix)) {
      target.remove_prefix(prefix.size());
      break;
    }
  }
  if (target.starts_with('[')) {
    const size_t close = target.find(']');
    if (close == std::string_view::npos || close + 1 >= target.size() || target[close + 1] != ':')
      return {};
    return target.substr(1, close - 1);
  }
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view host = target.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return {};  // a bare IPv6 address needs brackets
  return host;
}

}  // namespace

bool IsLoopbackTarget(std::string_view target) {
  const std::string host(HostOf(target));
  if (host.empty()) return false;
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

absl::Status ParseSkills(std::string_view text, std::vector<std::pair<std::string, int>>* skills) {
  skills->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) {
      if (comma == text.size()) break;
      return Bad("--skills", "an empty skill name");
    }
    int proficiency = 0;
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      const std::string_view number = item.substr(colon + 1);
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), proficiency);
      if (ec != std::errc() || end != number.data() + number.size() || proficiency < 1 ||
          proficiency > 10) {
        return Bad("--skills", fmt::format("\"{}\": proficiency must be 1..10", item));
      }
      item = item.substr(0, colon);
    }
    if (item.empty() || item.size() > 64) return Bad("--skills", "a skill name is 1-64 bytes");
    skills->emplace_back(std::string(item), proficiency);
  }
  return absl::OkStatus();
}

absl::Status Validate(LoadOptions& o) {
  if (!o.allow_remote && !IsLoopbackTarget(o.target)) {
    return Bad("--target", fmt::format("{} is not a loopback address (127.0.0.1, ::1, localhost) "
                                       "with a port; pass --allow-remote to load another machine",
                                       o.target));
  }
  if (!o.baseline.empty() && !o.allow_remote && !IsLoopbackTarget(o.baseline)) {
    return Bad("--baseline", fmt::format("{} is not a loopback address with a port", o.baseline));
  }
  if (o.max == (o.rate_per_s > 0)) {
    return Bad("--rate/--max", "choose one: --rate N (open loop) or --max (closed loop)");
  }
  if (!std::isfinite(o.rate_per_s) || o.rate_per_s < 0 || o.rate_per_s > kRatePerSecondMax)
    return Bad("--rate", fmt::format("must be in (0, {}]", kRatePerSecondMax));
  if (o.concurrency < 1 || o.concurrency > kConcurrencyMax)
    return Bad("--concurrency", fmt::format("must be 1..{}", kConcurrencyMax));
  if (auto s = CheckSeconds("--duration", o.duration_s, kDurationSecondsMax, false); !s.ok())
    return s;
  if (o.contacts > kContactsMax) return Bad("--contacts", fmt::format("at most {}", kContactsMax));
  if (o.duration_s == 0 && o.contacts == 0)
    return Bad("--duration/--contacts", "give at least one, so that the run ends");
  if (o.duration_s == 0) o.duration_s = kDurationSecondsMax;
  if (o.contacts == 0) o.contacts = kContactsMax;
  if (o.citizen_connections < 1 || o.citizen_connections > kConnectionsMax)
    return Bad("--citizen-connections", fmt::format("must be 1..{}", kConnectionsMax));
  if (o.in_flight_max < 1 || o.in_flight_max > kInFlightMax)
    return Bad("--in-flight-max", fmt::format("must be 1..{}", kInFlightMax));
  if (auto s = CheckSeconds("--patience", o.patience_s, kDelaySecondsMax, false); !s.ok()) return s;
  if (o.operators < 0 || o.operators > kOperatorsMax)
    return Bad("--operators", fmt::format("must be 0..{}", kOperatorsMax));
  std::vector<std::pair<std::string, int>> skills;
  if (auto s = ParseSkills(o.skills, &skills); !s.ok()) return s;
  if (auto s = CheckSeconds("--accept-delay", o.accept_delay_s, kDelaySecondsMax, false); !s.ok())
    return s;
  if (auto s = CheckSeconds("--aht", o.aht_s, kDelaySecondsMax, false); !s.ok()) return s;
  if (auto s = CheckSeconds("--wrap-up", o.wrap_up_s, kDelaySecondsMax, true); !s.ok()) return s;
  if (o.operator_connections < 0 || o.operator_connections > kConnectionsMax)
    return Bad("--operator-connections", fmt::format("must be 0..{}", kConnectionsMax));
  if (o.operators > 0 && (o.operator_connections == 0 || o.operator_connections > o.operators))
    o.operator_connections = o.operators;
  if (o.operator_prefix.empty() || o.operator_prefix.size() > 40)
    return Bad("--operator-prefix", "1-40 bytes");
  if (auto s = CheckSeconds("--drain", o.drain_s, kDrainSecondsMax, false); !s.ok()) return s;
  if (o.timeout_ms < 1 || o.timeout_ms > kTimeoutMsMax)
    return Bad("--timeout-ms", fmt::format("must be 1..{}", kTimeoutMsMax));
  if (auto s = CheckSeconds("--sl-threshold", o.sl_threshold_s, kDelaySecondsMax, false); !s.ok())
    return s;
  if (o.server_pid < 0) return Bad("--server-pid", "must be a process id");
  return absl::OkStatus();
}

}  // namespace ekc::load
