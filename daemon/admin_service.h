#pragma once

// Admin over gRPC: ServerInfo and Classify now; ReloadRules and TakeSnapshot answer UNIMPLEMENTED
// until their issues land.

#include <cstdint>
#include <string>

#include <grpcpp/grpcpp.h>

#include "ekc/v1/admin.grpc.pb.h"

#include "daemon/access_control.h"
#include "daemon/config.h"
#include "daemon/core_loop.h"
#include "daemon/rules_holder.h"

namespace ekc::daemon {

// Facts about this process that ServerInfo reports and that do not change while it runs.
struct ServerFacts {
  std::string version;
  int64_t started_unix_ms = 0;
  std::string listen_address;  // as bound, with the port chosen
  std::string http_address;    // the HTTP listener as bound; "" when there is none
  std::string data_dir;
  std::string durability;
  uint64_t replayed_events = 0;
  int64_t recovery_ms = 0;
  uint64_t recovered_snapshot = 0;  // the snapshot recovery started from; 0: none
};

class AdminService final : public ekc::v1::Admin::CallbackService {
 public:
  AdminService(CoreLoop& core, RulesHolder& rules, const storage::EventLog& log,
               AccessControl& access)
      : core_(core), rules_(rules), log_(log), access_(access) {}

  // Set once the server is bound, before it serves.
  void set_facts(ServerFacts facts) { facts_ = std::move(facts); }

  grpc::ServerUnaryReactor* ReloadRules(grpc::CallbackServerContext* context,
                                        const ekc::v1::ReloadRulesRequest* request,
                                        ekc::v1::ReloadRulesResponse* response) override;
  grpc::ServerUnaryReactor* Classify(grpc::CallbackServerContext* context,
                                     const ekc::v1::ClassifyRequest* request,
                                     ekc::v1::ClassifyResponse* response) override;
  grpc::ServerUnaryReactor* TakeSnapshot(grpc::CallbackServerContext* context,
                                         const ekc::v1::TakeSnapshotRequest* request,
                                         ekc::v1::TakeSnapshotResponse* response) override;
  grpc::ServerUnaryReactor* ServerInfo(grpc::CallbackServerContext* context,
                                       const ekc::v1::ServerInfoRequest* request,
                                       ekc::v1::ServerInfoResponse* response) override;
  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context,
                                   const ekc::v1::BackupRequest* request,
                                   ekc::v1::BackupResponse* response) override;

  // The log that TakeSnapshot and Backup write to (the same one as the constructor's, writable).
  // Set before serving.
  void set_maintenance_log(storage::EventLog* log) { maintenance_log_ = log; }

 private:
  CoreLoop& core_;
  RulesHolder& rules_;  // ReloadRules swaps the set in force
  const storage::EventLog& log_;
  AccessControl& access_;
  storage::EventLog* maintenance_log_ = nullptr;
  ServerFacts facts_;
};

}  // namespace ekc::daemon
