#pragma once

// DaemonConfig: ekcd's one YAML config file — where it listens, where its data lives, which rules
// it classifies with, how durable an acknowledgement is, and the queues it routes to.
//
// Relative paths in the file (rules, data_dir) are taken from the config file's folder, so that a
// config and its rules travel together; paths given on the command line are taken from the working
// directory. Every error names "file:line:column: reason"; nothing of a bad file is used.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "router/config.h"
#include "storage/event_log.h"

namespace ekc::daemon {

// When ekcd writes a snapshot of the routing state (so that a start replays only the events after
// it).
struct SnapshotConfig {
  uint64_t every_events =
      100'000;            // after this many events since the last snapshot (0: not by count)
  int64_t every_s = 300;  // or after this many seconds (0: not by time)
  uint32_t keep = 3;      // snapshots kept; older ones are deleted
};

// gRPC over TLS: the server's certificate chain and key (PEM files); with a client CA, every client
// must present a certificate it signed (mutual TLS). Empty cert: plain text (loopback or a trusted
// network only).
struct TlsConfig {
  std::string cert_path;
  std::string key_path;
  std::string client_ca_path;
  bool enabled() const { return !cert_path.empty(); }
};

struct DaemonConfig {
  std::string path;  // the file it was read from
  std::string listen = "127.0.0.1:7070";
  // The HTTP listener (the supervisor dashboard; later health and metrics), HOST:PORT; port 0
  // picks a free one; empty: no HTTP listener.
  std::string http = "127.0.0.1:8080";
  std::string data_dir = "/var/lib/ekc";
  std::string rules_path;  // absolute, or relative to the working directory
  // The token file (daemon/tokens.h); empty: open mode, which Server allows on loopback only.
  std::string tokens_path;
  TlsConfig tls;
  storage::Durability durability = storage::Durability::kFsync;
  std::string log_level = "info";  // trace, debug, info, warn, error
  router::RouterConfig routing;
  SnapshotConfig snapshots;
  // Where each queue is defined ("file:line:column"), for errors found after parsing (e.g. a queue
  // listing a situation the rules do not define).
  std::map<std::string, std::string> queue_locations;
};

// Parses config text. `path` names the file in errors and anchors its relative paths.
absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view yaml_text, const std::string& path);

// Reads and parses a config file.
absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path);

std::string_view DurabilityName(storage::Durability durability);

}  // namespace ekc::daemon
