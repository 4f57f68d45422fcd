#include "daemon/config.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <locale>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "daemon/yaml_reader.h"

namespace ekc::daemon {

namespace {

using Reader = YamlReader;

constexpr int64_t kSecondsMax = 24 * 3600;

router::SelectionStrategy ParseStrategy(const Reader& r, const YAML::Node& v) {
  const std::string name = r.String(v, "strategy");
  for (auto strategy :
       {router::SelectionStrategy::kLongestIdle, router::SelectionStrategy::kMostSkilled,
        router::SelectionStrategy::kLeastOccupied, router::SelectionStrategy::kRoundRobin}) {
    if (router::SelectionStrategyName(strategy) == name) return strategy;
  }
  r.Fail(
      v,
      fmt::format(
          "strategy must be longest_idle, most_skilled, least_occupied or round_robin, not \"{}\"",
          name));
}

// One step of a bullseye; its summary (shown with offers) is made from what it requires.
router::EscalationStep ParseStep(const Reader& r, const YAML::Node& node) {
  router::EscalationStep step;
  r.ForEachKey(node, "an escalation step",
               {"after_s", "office", "region", "min_proficiency", "overflow_to", "callback"},
               [&](const std::string& k, const YAML::Node& x) {
                 if (k == "after_s") step.after_ms = 1000 * r.Integer(x, k, 0, kSecondsMax);
                 if (k == "office" || k == "region") {
                   const std::string scope = r.String(x, k);
                   if (scope != "own" && scope != "any")
                     r.Fail(x, fmt::format("{} must be \"own\" or \"any\"", k));
                   (k == "office" ? step.same_office : step.same_region) = scope == "own";
                 }
                 if (k == "min_proficiency")
                   step.min_proficiency = static_cast<uint32_t>(r.Integer(x, k, 0, 10));
                 if (k == "overflow_to") step.overflow_to = r.String(x, k);
                 if (k == "callback") step.callback = r.Bool(x, k);
               });
  std::vector<std::string> parts;
  if (step.same_office) parts.push_back("own office");
  if (step.same_region) parts.push_back("own region");
  if (step.min_proficiency > 0)
    parts.push_back(fmt::format("proficiency ≥ {}", step.min_proficiency));
  if (!step.overflow_to.empty()) parts.push_back("overflow to " + step.overflow_to);
  if (step.callback) parts.push_back("callback");
  step.summary =
      parts.empty() ? "any operator with the skills" : fmt::format("{}", fmt::join(parts, ", "));
  return step;
}

std::vector<router::EscalationStep> ParseEscalation(const Reader& r, const YAML::Node& v) {
  if (!v.IsSequence()) r.Fail(v, "escalation must be a list of steps");
  std::vector<router::EscalationStep> steps;
  for (const YAML::Node& step : v) steps.push_back(ParseStep(r, step));
  return steps;
}

// How each key of a queue is read; the keys of this table are the keys a queue may have.
using QueueField = std::function<void(const Reader&, const YAML::Node&, router::QueueConfig&)>;

const std::map<std::string, QueueField>& QueueFields() {
  static const auto* fields = new std::map<std::string, QueueField>{
      {"name", [](const Reader& r, const YAML::Node& v,
                  router::QueueConfig& q) { q.name = r.String(v, "name"); }},
      {"situations", [](const Reader& r, const YAML::Node& v,
                        router::QueueConfig& q) { q.situations = r.StringList(v, "situations"); }},
      {"skills", [](const Reader& r, const YAML::Node& v,
                    router::QueueConfig& q) { q.skills = r.StringList(v, "skills"); }},
      {"offer_timeout_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.offer_timeout_ms = 1000 * r.Integer(v, "offer_timeout_s", 1, 3600);
       }},
      {"wrap_up_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.wrap_up_ms = 1000 * r.Integer(v, "wrap_up_s", 0, kSecondsMax);
       }},
      {"waiting_max",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.waiting_max = static_cast<uint32_t>(r.Integer(v, "waiting_max", 1, 1'000'000));
       }},
      {"reoffer_delay_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.reoffer_delay_ms = 1000 * r.Integer(v, "reoffer_delay_s", 0, kSecondsMax);
       }},
      {"expected_handle_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.expected_handle_ms = 1000 * r.Integer(v, "expected_handle_s", 1, kSecondsMax);
       }},
      {"service_level_target",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.service_level_target = r.Fraction(v, "service_level_target");
       }},
      {"service_level_threshold_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.service_level_threshold_s =
             static_cast<uint32_t>(r.Integer(v, "service_level_threshold_s", 1, 3600));
       }},
      {"short_abandon_s",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.short_abandon_s = static_cast<uint32_t>(r.Integer(v, "short_abandon_s", 0, 600));
       }},
      {"strategy", [](const Reader& r, const YAML::Node& v,
                      router::QueueConfig& q) { q.strategy = ParseStrategy(r, v); }},
      {"escalation", [](const Reader& r, const YAML::Node& v,
                        router::QueueConfig& q) { q.escalation = ParseEscalation(r, v); }},
      {"overflow_when_full",
       [](const Reader& r, const YAML::Node& v, router::QueueConfig& q) {
         q.overflow_when_full = r.String(v, "overflow_when_full");
       }},
  };
  return *fields;
}

router::QueueConfig ParseQueue(const Reader& r, const YAML::Node& node) {
  router::QueueConfig q;
  std::set<std::string> known;
  for (const auto& [key, field] : QueueFields()) known.insert(key);
  r.ForEachKey(node, "a queue", known, [&](const std::string& key, const YAML::Node& v) {
    QueueFields().at(key)(r, v, q);
  });
  if (q.name.empty()) r.Fail(node, "a queue needs a name");
  return q;
}

std::string Resolve(const std::string& config_path, const std::string& value) {
  const std::filesystem::path p(value);
  if (p.is_absolute()) return value;
  return (std::filesystem::path(config_path).parent_path() / p).lexically_normal().string();
}

storage::Durability ParseDurability(const Reader& r, const YAML::Node& v) {
  const std::string d = r.String(v, "durability");
  if (d == "fsync") return storage::Durability::kFsync;
  if (d == "os") return storage::Durability::kOs;
  r.Fail(v, fmt::format("durability must be \"fsync\" or \"os\", not \"{}\"", d));
}

std::string ParseLogLevel(const Reader& r, const YAML::Node& v) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  std::string level = r.String(v, "log_level");
  if (!kLevels.contains(level)) {
    r.Fail(v, fmt::format("log_level must be one of {}", fmt::join(kLevels, ", ")));
  }
  return level;
}

void ParseRouting(const Reader& r, const YAML::Node& v, router::RouterConfig& routing) {
  r.ForEachKey(v, "routing",
               {"default_queue", "urgent_queue", "operator_grace_s", "not_responding_after_misses",
                "priority_aging_s", "chat_during_voice", "keep_ended_contacts_s"},
               [&](const std::string& k, const YAML::Node& x) {
                 if (k == "default_queue") routing.default_queue = r.String(x, k);
                 if (k == "urgent_queue") routing.urgent_queue = r.String(x, k);
                 if (k == "operator_grace_s")
                   routing.operator_grace_ms = 1000 * r.Integer(x, k, 0, kSecondsMax);
                 if (k == "not_responding_after_misses") {
                   routing.not_responding_after_misses =
                       static_cast<uint32_t>(r.Integer(x, k, 0, 100));
                 }
                 if (k == "priority_aging_s")
                   routing.priority_aging_ms = 1000 * r.Integer(x, k, 0, kSecondsMax);
                 if (k == "chat_during_voice") routing.chat_during_voice = r.Bool(x, k);
                 if (k == "keep_ended_contacts_s")
                   routing.keep_ended_contacts_ms = 1000 * r.Integer(x, k, 1, 30 * kSecondsMax);
               });
}

SnapshotConfig ParseSnapshots(const Reader& r, const YAML::Node& v) {
  SnapshotConfig s;
  r.ForEachKey(v, "snapshots", {"every_events", "every_s", "keep"},
               [&](const std::string& k, const YAML::Node& x) {
                 if (k == "every_events") {
                   s.every_events = static_cast<uint64_t>(r.Integer(x, k, 0, 1'000'000'000));
                 }
                 if (k == "every_s") s.every_s = r.Integer(x, k, 0, kSecondsMax);
                 if (k == "keep") s.keep = static_cast<uint32_t>(r.Integer(x, k, 1, 100));
               });
  return s;
}

TlsConfig ParseTls(const Reader& r, const YAML::Node& v) {
  TlsConfig tls;
  r.ForEachKey(v, "tls", {"cert", "key", "client_ca"},
               [&](const std::string& k, const YAML::Node& x) {
                 const std::string path = Resolve(r.path(), r.String(x, k));
                 if (k == "cert") tls.cert_path = path;
                 if (k == "key") tls.key_path = path;
                 if (k == "client_ca") tls.client_ca_path = path;
               });
  if (tls.cert_path.empty() != tls.key_path.empty())
    r.Fail(v, "tls needs both cert and key (PEM files)");
  if (!tls.client_ca_path.empty() && tls.cert_path.empty())
    r.Fail(v, "tls.client_ca needs the server's own cert and key");
  return tls;
}

// Checks the routing config as a whole, pointing at the queue the problem names when there is one.
void ValidateRouting(const Reader& r, const YAML::Node& root, const DaemonConfig& c,
                     const std::map<std::string, YAML::Node>& queue_nodes) {
  absl::Status s = router::ValidateRouterConfig(c.routing);
  if (s.ok()) return;
  const std::string message(s.message());
  for (const auto& [name, node] : queue_nodes) {
    if (message.find("(" + name + ")") != std::string::npos) r.Fail(node, message);
  }
  r.Fail(root, message);
}

DaemonConfig Parse(const Reader& r, const YAML::Node& root) {
  DaemonConfig c;
  c.path = r.path();
  c.routing.queues.clear();
  std::map<std::string, YAML::Node> queue_nodes;
  r.ForEachKey(root, "the config file",
               {"listen", "http", "data_dir", "rules", "tokens", "tls", "durability", "log_level",
                "routing", "queues", "snapshots"},
               [&](const std::string& key, const YAML::Node& v) {
                 if (key == "listen") c.listen = r.String(v, key);
                 if (key == "http") c.http = v.IsNull() ? std::string() : r.String(v, key);
                 if (key == "data_dir") c.data_dir = Resolve(r.path(), r.String(v, key));
                 if (key == "rules") c.rules_path = Resolve(r.path(), r.String(v, key));
                 if (key == "tokens") c.tokens_path = Resolve(r.path(), r.String(v, key));
                 if (key == "tls") c.tls = ParseTls(r, v);
                 if (key == "durability") c.durability = ParseDurability(r, v);
                 if (key == "log_level") c.log_level = ParseLogLevel(r, v);
                 if (key == "routing") ParseRouting(r, v, c.routing);
                 if (key == "snapshots") c.snapshots = ParseSnapshots(r, v);
                 if (key == "queues") {
                   if (!v.IsSequence()) r.Fail(v, "queues must be a list of queues");
                   for (const YAML::Node& q : v) {
                     c.routing.queues.push_back(ParseQueue(r, q));
                     queue_nodes[c.routing.queues.back().name] = q;
                     c.queue_locations[c.routing.queues.back().name] = r.Where(q);
                   }
                 }
               });
  if (c.rules_path.empty()) r.Fail(root, "rules: the path of the rules file is required");
  ValidateRouting(r, root, c, queue_nodes);
  return c;
}

}  // namespace

absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view yaml_text,
                                               const std::string& path) {
  return ParseYaml<DaemonConfig>(yaml_text, path, "the config file", Parse);
}

absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the config file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseDaemonConfig(text.str(), path);
}

std::string_view DurabilityName(storage::Durability durability) {
  return durability == storage::Durability::kFsync ? "fsync" : "os";
}

}  // namespace ekc::daemon
