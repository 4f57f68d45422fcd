#include "daemon/server.h"

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
#include "daemon/admin_service.h"
#include "daemon/clock.h"
#include "daemon/core_loop.h"
#include "daemon/dashboard_hub.h"
#include "daemon/http/dashboard_routes.h"
#include "daemon/http/http_server.h"
#include "daemon/intake_service.h"
#include "daemon/operator_desk_service.h"
#include "daemon/rules_holder.h"
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

absl::Status CheckRulesAgainstConfig(const DaemonConfig& config) {
  auto rules = LoadRules(config.rules_path);
  if (!rules.ok()) return rules.status();
  return CheckQueues(config, **rules);
}

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
      [&](const ekc::v1::EventRecord& e) { return router.Replay(e); });
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
  parts->intake = std::make_unique<IntakeService>(*parts->core, *parts->rules);
  parts->desk = std::make_unique<OperatorDeskService>(*parts->core);
  parts->admin = std::make_unique<AdminService>(*parts->core, *parts->rules, *parts->log);
  parts->admin->set_maintenance_log(parts->log.get());
  parts->dashboards = std::make_unique<DashboardHub>(*parts->core);
  parts->core->set_on_events(
      [hub = parts->dashboards.get()](const std::vector<ekc::v1::EventRecord>& events, CoreLoop&) {
        hub->OnEvents(events);
      });
  SeedAuditTrail(*parts->log, *parts->dashboards);
  parts->supervision = std::make_unique<SupervisionService>(*parts->core, *parts->dashboards);

  if (!config.http.empty()) {
    parts->http =
        std::make_unique<http::HttpServer>(http::HttpServerOptions{.address = config.http});
    http::AddDashboardRoutes(*parts->http, *parts->core, *parts->dashboards);
    EKC_RETURN_IF_ERROR(parts->http->Start());
    parts->facts.http_address = parts->http->address();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kRequestBytesMax);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
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

  parts->core->set_on_failure([server = parts->grpc.get()](const absl::Status&) {
    server->GetHealthCheckService()->SetServingStatus(false);
  });
  parts->core->Start();
  parts->core->Post([hub = parts->dashboards.get()](CoreLoop&) { hub->Start(); });
  parts->grpc->GetHealthCheckService()->SetServingStatus(true);
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
  parts_->core->Stop();
}

absl::StatusOr<std::shared_ptr<const router::RuleSet>> Server::ReloadRules() {
  return parts_->rules->Reload();
}

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
