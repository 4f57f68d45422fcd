#include "daemon/admin_service.h"

#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "daemon/authorized_call.h"
#include "daemon/grpc_status.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

grpc::ServerUnaryReactor* AdminService::ReloadRules(grpc::CallbackServerContext* context,
                                                    const v1::ReloadRulesRequest*,
                                                    v1::ReloadRulesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Admin.ReloadRules")) return reactor;
  // Compiled on this gRPC thread, not the core's: a rules file compiles in milliseconds, and a bad
  // one is refused with its file:line:column while the running rules stay.
  absl::StatusOr<std::shared_ptr<const router::RuleSet>> rules = rules_.Reload();
  if (!rules.ok()) {
    reactor->Finish(ToGrpcStatus(rules.status()));
    return reactor;
  }
  response->set_rules_version((*rules)->version());
  response->set_situations(static_cast<uint32_t>((*rules)->situations().size()));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::TakeSnapshot(grpc::CallbackServerContext* context,
                                                     const v1::TakeSnapshotRequest*,
                                                     v1::TakeSnapshotResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Admin.TakeSnapshot")) return reactor;
  // The state is copied on the core thread; the log stores it once its events are durable, and
  // the answer comes from the log's maintenance thread when it is synced.
  absl::Status posted = core_.Read([this, reactor, response](CoreLoop& core) -> CoreLoop::Effect {
    absl::Status queued;
    if (core.state().last_sequence().value() == 0) {
      queued = absl::FailedPreconditionError("no event has been logged yet: nothing to snapshot");
    } else {
      queued = maintenance_log_->WriteSnapshot(
          core.state().ToSnapshot(),
          [reactor, response](Sequence covered, const absl::Status& status) {
            if (status.ok()) response->set_sequence(covered.value());
            reactor->Finish(ToGrpcStatus(status));
          });
    }
    if (queued.ok()) return nullptr;
    return [reactor, queued](const absl::Status&) { reactor->Finish(ToGrpcStatus(queued)); };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const v1::BackupRequest* request,
                                               v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Admin.Backup")) return reactor;
  const std::string& directory = request->directory();
  std::error_code ec;
  absl::Status valid;
  if (directory.empty() || directory.front() != '/') {
    valid = absl::InvalidArgumentError(fmt::format(
        "directory: \"{}\" is not an absolute path (a folder on ekcd's machine)", directory));
  } else if (std::filesystem::exists(directory, ec) || ec) {
    valid = absl::AlreadyExistsError(
        fmt::format("directory: {} exists already; a backup goes into a new folder", directory));
  }
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  // The checkpoint is made on the log's maintenance thread; this thread only queues it.
  absl::Status queued = maintenance_log_->Backup(
      directory, [reactor, response](const absl::StatusOr<storage::BackupResult>& result) {
        if (result.ok()) {
          response->set_directory(result->directory);
          response->set_sequence(result->durable_at_start.value());
          response->set_took_ms(result->took_ms);
        }
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Classify(grpc::CallbackServerContext* context,
                                                 const v1::ClassifyRequest* request,
                                                 v1::ClassifyResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Admin.Classify")) return reactor;
  if (absl::Status s = ValidateClassify(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  *response->mutable_classification() = rules_.Current()->Classify(router::ClassifyInput{
      .text = request->text(), .channel = request->channel(), .ivr_choice = request->ivr_choice()});
  // The queue comes from the routing config, which the core thread owns.
  absl::Status posted = core_.Read([reactor, response](CoreLoop& core) -> CoreLoop::Effect {
    std::vector<std::string_view> codes;
    for (const auto& s : response->classification().situations()) codes.push_back(s.code());
    response->set_queue(
        core.config()
            .QueueFor(codes, response->classification().priority() == v1::PRIORITY_URGENT)
            .name);
    return [reactor](const absl::Status&) { reactor->Finish(grpc::Status::OK); };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::ServerInfo(grpc::CallbackServerContext* context,
                                                   const v1::ServerInfoRequest*,
                                                   v1::ServerInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnary(access_, context, reactor, "Admin.ServerInfo")) return reactor;
  response->set_version(facts_.version);
  response->set_started_unix_ms(facts_.started_unix_ms);
  response->set_listen_address(facts_.listen_address);
  response->set_data_dir(facts_.data_dir);
  response->set_durability(facts_.durability);
  response->set_replayed_events(facts_.replayed_events);
  response->set_recovery_ms(facts_.recovery_ms);
  const auto rules = rules_.Current();
  response->set_rules_version(rules->version());
  response->set_situations(static_cast<uint32_t>(rules->situations().size()));
  absl::Status posted = core_.Read([this, reactor, response](CoreLoop& core) -> CoreLoop::Effect {
    for (const auto& q : core.config().queues) response->add_queues(q.name);
    response->set_contacts_waiting(core.state().WaitingCount());
    response->set_operators_logged_in(core.state().LoggedInCount());
    response->set_last_sequence(core.state().last_sequence().value());
    return [this, reactor, response](const absl::Status& durability) {
      response->set_durable_sequence(log_.durable_sequence().value());
      response->set_writable(durability.ok() && log_.health().ok());
      if (!log_.health().ok()) response->set_log_error(log_.health().ToString());
      reactor->Finish(grpc::Status::OK);  // info is useful most of all when the log has failed
    };
  });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

}  // namespace ekc::daemon
