#include "daemon/server.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "base/absl_fmt.h"
#include "base/status_macros.h"
#include "daemon/access_control.h"
#include "daemon/admin_service.h"
#include "daemon/clock.h"
#include "daemon/core_loop.h"
#include "daemon/dashboard_hub.h"
#include "daemon/http/dashboard_routes.h"
#include "daemon/http/http_server.h"
#include "daemon/intake_service.h"
#include "daemon/metrics.h"
#include "daemon/operator_desk_service.h"
#include "daemon/rules_holder.h"
#include "daemon/service_notifier.h"
#include "daemon/supervision_service.h"
#include "daemon/validation.h"
#include "storage/event_log.h"
#include "storage/recovery.h"

namespace ekc::daemon {

namespace {

// How long open calls get to finish when ekcd stops; operator streams are then cancelled.
constexpr auto kShutdownGrace = std::chrono::seconds(2);
// The server pings idle connections so that a softphone that vanished (power, network) is noticed
// and its operator's offers go back to the queue.
constexpr int kKeepaliveTimeMs = 20'000;
constexpr int kKeepaliveTimeoutMs = 10'000;
// How long a stop waits for its final snapshot to be stored; the unit's TimeoutStopSec is longer.
constexpr auto kFinalSnapshotWait = std::chrono::seconds(20);
// How often a long replay tells systemd how far it got.
constexpr auto kReplayStatusInterval = std::chrono::seconds(1);

absl::StatusOr<std::shared_ptr<const router::RuleSet>> LoadRules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the rules file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return router::RuleSet::Compile(text.str(), path);
}

absl::Status CheckQueues(const DaemonConfig& config, const router::RuleSet& rules) {
  for (const auto& queue : config.routing.queues) {
    for (const auto& code : queue.situations) {
      if (rules.FindSituation(code) == nullptr) {
        auto where = config.queue_locations.find(queue.name);
        return absl::InvalidArgumentError(fmt::format(
            "{}: queue {} lists situation \"{}\", which the rules file {} does not define",
            where == config.queue_locations.end() ? config.path : where->second, queue.name, code,
            config.rules_path));
      }
    }
  }
  return absl::OkStatus();
}

// Takes a snapshot of the routing state every `every_events` events or `every_s` seconds
// (DaemonConfig::snapshots), whichever comes first, so that a start replays only what follows it.
// Runs on the core thread after each command: the state is copied there (ToSnapshot), and the log's
// maintenance thread serializes and stores it once the events it covers are durable. One snapshot
// at a time: while one is being written, the next command checks again.
class SnapshotSchedule {
 public:
  SnapshotSchedule(const SnapshotConfig& config, storage::EventLog& log, Sequence recovered)
      : config_(config),
        log_(log),
        last_sequence_(recovered.value()),
        last_time_(std::chrono::steady_clock::now()) {}

  void AfterCommand(CoreLoop& core) {
    const uint64_t sequence = core.state().last_sequence().value();
    if (sequence <= last_sequence_) return;
    const auto now = std::chrono::steady_clock::now();
    const bool by_count =
        config_.every_events > 0 && sequence - last_sequence_ >= config_.every_events;
    const bool by_time =
        config_.every_s > 0 && now - last_time_ >= std::chrono::seconds(config_.every_s);
    if ((!by_count && !by_time) || log_.snapshot_pending()) return;
    last_sequence_ = sequence;
    last_time_ = now;
    absl::Status queued = log_.WriteSnapshot(
        core.state().ToSnapshot(), [&log = log_](Sequence covered, const absl::Status& status) {
          if (!status.ok()) {
            spdlog::error("snapshot of event {} not stored: {}", covered.value(), status.message());
            return;
          }
          const storage::EventLogStats stats = log.stats();
          spdlog::info("snapshot of event {} stored ({} bytes in {} ms)", covered.value(),
                       stats.last_snapshot_bytes, stats.last_snapshot_write_ms);
        });
    if (!queued.ok())
      spdlog::warn("snapshot of event {} not taken: {}", sequence, queued.message());
  }

 private:
  const SnapshotConfig config_;
  storage::EventLog& log_;
  uint64_t last_sequence_;  // the last snapshot taken (or recovered from); core thread only
  std::chrono::steady_clock::time_point last_time_;
};

}  // namespace

struct Server::Parts {
  DaemonConfig config;
  std::unique_ptr<storage::EventLog> log;
  std::unique_ptr<SnapshotSchedule> snapshots;  // used by `core`, so declared before it
  std::unique_ptr<RulesHolder> rules;
  std::unique_ptr<AccessControl> access;
  // Declared before the core so that it is destroyed after it: answers the core still holds post
  // to the HTTP server's io_context. Stopped (in Shutdown) before the core.
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<CoreLoop> core;
  std::unique_ptr<DashboardHub> dashboards;  // its timers run on the core's io_context
  std::unique_ptr<IntakeService> intake;
  std::unique_ptr<OperatorDeskService> desk;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<SupervisionService> supervision;
  std::unique_ptr<grpc::Server> grpc;
  ServiceNotifier notifier;  // systemd, when it started ekcd
  DaemonMetrics metrics;
  std::atomic<bool> ready{false};  // replayed and serving (what /readyz says, with writability)
  ServerFacts facts;
  bool shut_down = false;
};

namespace {

// The loader of reloads (Admin.ReloadRules, SIGHUP): the same file, checked against the same
// queues, so a reload can never leave a queue without its situation.
absl::StatusOr<std::shared_ptr<const router::RuleSet>> LoadCheckedRules(
    const DaemonConfig& config) {
  auto rules = LoadRules(config.rules_path);
  if (rules.ok()) {
    if (absl::Status s = CheckQueues(config, **rules); !s.ok()) rules = s;
  }
  if (!rules.ok()) {
    spdlog::warn("rules reload refused, the running rules stay: {}", rules.status().message());
    return rules.status();
  }
  spdlog::info("rules reloaded from {}: version {}, {} situations", config.rules_path,
               (*rules)->version(), (*rules)->situations().size());
  return rules;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the TLS {}", path, what));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos)
    return absl::InvalidArgumentError(fmt::format("{}: the TLS {} is not a PEM file", path, what));
  return text.str();
}

// The gRPC listener's credentials: TLS (mutual when a client CA is set) or plain text.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  auto cert = ReadPem(tls.cert_path, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(tls.key_path, "key");
  if (!key.ok()) return key.status();
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_path.empty()) {
    auto ca = ReadPem(tls.client_ca_path, "client CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// Refills the dashboard's audit trail from the last events of the log (bounded: a start never reads
// more than kAuditScanEventsMax events for it). A read error only leaves the trail shorter.
void SeedAuditTrail(const storage::EventLog& log, DashboardHub& dashboards) {
  const uint64_t last = log.last_sequence().value();
  if (last == 0) return;
  absl::StatusOr<Sequence> first = log.FirstSequence();
  const uint64_t from =
      std::max<uint64_t>(first.ok() ? first->value() : 1,
                         last > kAuditScanEventsMax ? last - kAuditScanEventsMax + 1 : 1);
  absl::Status read = log.ReadFrom(Sequence(from), [&](const ekc::v1::EventRecord& e) {
    dashboards.SeedAudit(e);
    return absl::OkStatus();
  });
  if (!read.ok()) spdlog::warn("dashboard: recent supervisor actions not read: {}", read.message());
}

}  // namespace

bool IsLoopbackAddress(std::string_view host_port) {
  std::string_view host = host_port.substr(0, host_port.rfind(':'));
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

absl::Status CheckRulesAgainstConfig(const DaemonConfig& config) {
  auto rules = LoadRules(config.rules_path);
  if (!rules.ok()) return rules.status();
  return CheckQueues(config, **rules);
}

absl::Status CheckConfig(const DaemonConfig& config) {
  EKC_RETURN_IF_ERROR(CheckRulesAgainstConfig(config));
  if (!config.tokens_path.empty()) {
    if (auto tokens = TokenTable::Load(config.tokens_path); !tokens.ok()) return tokens.status();
  } else if (!IsLoopbackAddress(config.listen)) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: listen {} is not loopback, so tokens: FILE is required", config.path, config.listen));
  }
  return ListenerCredentials(config.tls).status();
}

namespace {

bool IsWritable(const Server::Parts& parts) {
  return parts.core->writable() && parts.log->health().ok();
}

void RenderMetricsOf(Server::Parts& parts, std::function<void(std::string)> reply) {
  const uint64_t watchdog_failures = parts.core->watchdog_failures();
  auto view = std::make_shared<RoutingView>();
  absl::Status posted = parts.core->Read([view, watchdog_failures](CoreLoop& core) {
    *view = ViewRouting(core.state(), core.config(), WallClockUnixMs(), watchdog_failures);
    return CoreLoop::Effect();
  });
  // The core's part is read; the rest is read here. A core that cannot take the read (stopping,
  // overloaded) leaves the routing part out rather than the whole page.
  auto render = [&parts, view, ok = posted.ok(), reply = std::move(reply)] {
    const DaemonMetrics::Copy daemon = parts.metrics.Read();
    const storage::EventLogStats log = parts.log->stats();
    reply(daemon::RenderMetrics(
        MetricsInputs{.routing = ok ? view.get() : nullptr,
                      .daemon = &daemon,
                      .log = &log,
                      .durable_sequence = parts.log->durable_sequence().value(),
                      .writable = IsWritable(parts),
                      .ready = parts.ready.load()}));
  };
  if (!posted.ok()) {
    render();
    return;
  }
  parts.core->Post([render = std::move(render)](CoreLoop&) { render(); });
}

// /healthz (the process answers), /readyz (replayed, and the log takes writes) and /metrics
// (Prometheus). No token: probes and scrapers have none, and the HTTP address is loopback unless
// the ops choose otherwise.
void AddOperationsRoutes(http::HttpServer& server, Server::Parts& parts) {
  server.Handle("GET", "/healthz", [](const http::HttpRequest&, http::Responder responder) {
    responder.Reply(http::HttpResponse{.body = "ok\n"});
  });
  server.Handle("GET", "/readyz", [&parts](const http::HttpRequest&, http::Responder responder) {
    if (!parts.ready) {
      return responder.Reply(http::HttpResponse{.status = 503, .body = "not ready: starting\n"});
    }
    if (!IsWritable(parts)) {
      return responder.Reply(
          http::HttpResponse{.status = 503,
                             .body = fmt::format("not ready: the event log cannot be written: {}\n",
                                                 parts.log->health().message())});
    }
    responder.Reply(http::HttpResponse{.body = "ready\n"});
  });
  server.Handle("GET", "/metrics", [&parts](const http::HttpRequest&, http::Responder responder) {
    RenderMetricsOf(parts, [responder](std::string text) {
      responder.Reply(http::HttpResponse{.content_type = "text/plain; version=0.0.4; charset=utf-8",
                                         .body = std::move(text)});
    });
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const DaemonConfig& config) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  parts->facts.version = EKC_VERSION;
  parts->facts.started_unix_ms = WallClockUnixMs();
  parts->facts.data_dir = config.data_dir;
  parts->facts.durability = std::string(DurabilityName(config.durability));

  auto rules = LoadRules(config.rules_path);
  if (!rules.ok()) return rules.status();
  EKC_RETURN_IF_ERROR(CheckQueues(config, **rules));
  parts->rules =
      std::make_unique<RulesHolder>(*rules, [config] { return LoadCheckedRules(config); });

  auto access = AccessControl::Create(config.tokens_path);
  if (!access.ok()) return access.status();
  parts->access = std::move(*access);
  if (parts->access->open_mode() && !IsLoopbackAddress(config.listen)) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: no token file is configured, so every caller would hold every role; ekcd serves that "
        "only on loopback (127.0.0.1, ::1). Set tokens: FILE in {} (ekcutl token new makes one) or "
        "listen on 127.0.0.1",
        config.listen, config.path));
  }
  if (parts->access->open_mode() && !config.http.empty() && !IsLoopbackAddress(config.http)) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: no token file is configured, so the dashboard would let anyone act as a supervisor; "
        "ekcd serves it without tokens only on loopback. Set tokens: FILE in {} or http: "
        "127.0.0.1:PORT",
        config.http, config.path));
  }
  auto credentials = ListenerCredentials(config.tls);
  if (!credentials.ok()) return credentials.status();

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec)
    return absl::FailedPreconditionError(
        fmt::format("{}: cannot create the data folder: {}", config.data_dir, ec.message()));
  auto log =
      storage::EventLog::Open(storage::EventLogOptions{.path = config.data_dir,
                                                       .durability = config.durability,
                                                       .snapshots_keep = config.snapshots.keep});
  if (!log.ok()) return log.status();
  parts->log = std::move(*log);

  // Recovery: the newest usable snapshot, then the events after it (storage/recovery.h).
  router::Router router(config.routing);
  const auto recovery_start = std::chrono::steady_clock::now();
  auto recovered = storage::Recover(
      *parts->log,
      [&](const ekc::v1::RouterSnapshot& snapshot) -> absl::Status {
        auto state = router::RouterState::FromSnapshot(snapshot);
        if (!state.ok()) return state.status();
        router = router::Router(config.routing, std::move(*state));
        return absl::OkStatus();
      },
      [&, last = parts->log->last_sequence().value(),
       told = std::chrono::steady_clock::now()](const ekc::v1::EventRecord& e) mutable {
        if (const auto now = std::chrono::steady_clock::now();
            now - told >= kReplayStatusInterval) {
          told = now;
          parts->notifier.Status(fmt::format("replaying event {} of {}", e.sequence(), last));
        }
        return router.Replay(e);
      });
  if (!recovered.ok()) {
    return absl::DataLossError(
        fmt::format("{}: recovery failed: {}", config.data_dir, recovered.status().message()));
  }
  for (const std::string& why : recovered->skipped) {
    spdlog::warn("recovery: snapshot not used: {}", why);
  }
  if (recovered->snapshot.value() == 0 && parts->log->last_sequence().value() > 0) {
    spdlog::info("recovery: no snapshot used; replayed all {} events", recovered->events_replayed);
  } else if (recovered->snapshot.value() > 0) {
    spdlog::info("recovery: snapshot of event {} read in {} ms, then {} events in {} ms",
                 recovered->snapshot.value(), recovered->snapshot_ms, recovered->events_replayed,
                 recovered->replay_ms);
  }
  parts->facts.replayed_events = recovered->events_replayed;
  parts->facts.recovered_snapshot = recovered->snapshot.value();
  parts->facts.recovery_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - recovery_start)
                                 .count();

  parts->snapshots =
      std::make_unique<SnapshotSchedule>(config.snapshots, *parts->log, recovered->snapshot);
  parts->core = std::make_unique<CoreLoop>(std::move(router), *parts->log);
  parts->core->set_after_command(
      [schedule = parts->snapshots.get()](CoreLoop& core) { schedule->AfterCommand(core); });
  AccessControl& access_control = *parts->access;
  parts->intake = std::make_unique<IntakeService>(*parts->core, *parts->rules, access_control);
  parts->intake->set_metrics(&parts->metrics);
  parts->desk = std::make_unique<OperatorDeskService>(*parts->core, access_control);
  parts->admin =
      std::make_unique<AdminService>(*parts->core, *parts->rules, *parts->log, access_control);
  parts->admin->set_maintenance_log(parts->log.get());
  parts->dashboards = std::make_unique<DashboardHub>(*parts->core);
  parts->core->set_on_events(
      [hub = parts->dashboards.get()](const std::vector<ekc::v1::EventRecord>& events, CoreLoop&) {
        hub->OnEvents(events);
      });
  SeedAuditTrail(*parts->log, *parts->dashboards);
  parts->supervision =
      std::make_unique<SupervisionService>(*parts->core, *parts->dashboards, access_control);

  if (!config.http.empty()) {
    parts->http =
        std::make_unique<http::HttpServer>(http::HttpServerOptions{.address = config.http});
    http::AddDashboardRoutes(*parts->http, *parts->core, *parts->dashboards, access_control);
    AddOperationsRoutes(*parts->http, *parts);
    EKC_RETURN_IF_ERROR(parts->http->Start());
    parts->facts.http_address = parts->http->address();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(kRequestBytesMax);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<GrpcMetricsInterceptorFactory>(parts->metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(parts->intake.get());
  builder.RegisterService(parts->desk.get());
  builder.RegisterService(parts->admin.get());
  builder.RegisterService(parts->supervision.get());
  parts->grpc = builder.BuildAndStart();
  if (parts->grpc == nullptr || port == 0) {
    return absl::UnavailableError(fmt::format(
        "cannot listen on {} (in use, or not an address of this machine?)", config.listen));
  }
  const auto colon = config.listen.rfind(':');
  parts->facts.listen_address = config.listen.substr(0, colon) + ":" + std::to_string(port);
  parts->admin->set_facts(parts->facts);

  parts->core->set_on_failure(
      [server = parts->grpc.get(), notifier = &parts->notifier](const absl::Status& failure) {
        server->GetHealthCheckService()->SetServingStatus(false);
        notifier->Status(
            fmt::format("read-only after a disk error, restart to recover: {}", failure.message()));
      });
  if (auto interval = parts->notifier.watchdog_interval()) {
    parts->core->set_heartbeat(*interval, [notifier = &parts->notifier] { notifier->Watchdog(); });
  }
  parts->core->Start();
  parts->core->Post([hub = parts->dashboards.get()](CoreLoop&) { hub->Start(); });
  parts->grpc->GetHealthCheckService()->SetServingStatus(true);
  parts->ready = true;
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { Shutdown(); }

void Server::Shutdown() {
  if (parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->grpc->GetHealthCheckService()->SetServingStatus(false);
  // Softphones are told why their stream ends rather than see the connection cut.
  // Dashboards are told too, so that their streams end now rather than at the end of the grace.
  auto told = std::make_shared<std::promise<void>>();
  parts_->core->Post([told, hub = parts_->dashboards.get()](CoreLoop& core) {
    core.hub().CloseAllDesks(
        absl::UnavailableError("ekcd is stopping; log in again when it is back"));
    hub->Stop(absl::UnavailableError("ekcd is stopping"));
    told->set_value();
  });
  told->get_future().wait_for(kShutdownGrace);
  if (parts_->http) parts_->http->Stop();
  parts_->grpc->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  parts_->grpc->Wait();
  WriteFinalSnapshot();
  parts_->core->Stop();
}

void Server::WriteFinalSnapshot() {
  // The next start then reads this snapshot and replays nothing: a planned restart (an upgrade)
  // is as quick as it can be.
  auto stored = std::make_shared<std::promise<void>>();
  parts_->core->Post([log = parts_->log.get(), stored](CoreLoop& core) {
    const uint64_t sequence = core.state().last_sequence().value();
    absl::Status queued = absl::FailedPreconditionError("the log cannot be written");
    if (sequence > 0 && core.writable()) {
      queued = log->WriteSnapshot(
          core.state().ToSnapshot(), [stored](Sequence covered, const absl::Status& status) {
            if (status.ok()) {
              spdlog::info("final snapshot of event {} stored", covered.value());
            } else {
              spdlog::warn("final snapshot not stored: {}", status.message());
            }
            stored->set_value();
          });
    }
    if (!queued.ok()) {
      if (sequence > 0) spdlog::warn("final snapshot not taken: {}", queued.message());
      stored->set_value();
    }
  });
  if (stored->get_future().wait_for(kFinalSnapshotWait) != std::future_status::ready) {
    spdlog::warn("final snapshot not stored within {} s; the next start replays from the last one",
                 kFinalSnapshotWait.count());
  }
}

const ServiceNotifier& Server::notifier() const { return parts_->notifier; }

bool Server::Writable() const { return IsWritable(*parts_); }

void Server::RenderMetrics(std::function<void(std::string)> reply) {
  RenderMetricsOf(*parts_, std::move(reply));
}

absl::StatusOr<std::shared_ptr<const router::RuleSet>> Server::ReloadRules() {
  return parts_->rules->Reload();
}

absl::Status Server::Reload() {
  absl::Status result = parts_->rules->Reload().status();
  if (absl::Status tokens = parts_->access->Reload(); !tokens.ok()) {
    spdlog::warn("token file reload refused, the running tokens stay: {}", tokens.message());
    if (result.ok()) result = tokens;
  } else if (!parts_->access->open_mode()) {
    spdlog::info("tokens reloaded from {}: {} tokens", parts_->config.tokens_path,
                 parts_->access->token_count());
  }
  return result;
}

AccessControl& Server::access() { return *parts_->access; }

const std::string& Server::listen_address() const { return parts_->facts.listen_address; }

const std::string& Server::http_address() const { return parts_->facts.http_address; }

std::string Server::ReadyLine() const {
  const ServerFacts& f = parts_->facts;
  return fmt::format(
      "ekcd {}: listening on {} ({}data {}, {}{} events replayed in {} ms, rules {}, durability "
      "{})",
      f.version, f.listen_address,
      f.http_address.empty() ? std::string()
                             : fmt::format("dashboard http://{}/, ", f.http_address),
      f.data_dir,
      f.recovered_snapshot == 0 ? std::string()
                                : fmt::format("snapshot of event {} + ", f.recovered_snapshot),
      f.replayed_events, f.recovery_ms, parts_->rules->Current()->version(), f.durability);
}

}  // namespace ekc::daemon
