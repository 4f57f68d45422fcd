// Disk faults under the daemon's core loop: an EIO on the write-ahead log's sync and an ENOSPC on
// its write, injected through the fault-injecting file system into a real RocksDB. The core stops
// acknowledging at once (UNAVAILABLE with the reason), says so once through on_failure (which ekcd
// turns into health NOT_SERVING), never syncs or acknowledges again — even when the disk comes
// back — and a restart with a replay recovers exactly what was acknowledged.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include "absl/status/status.h"

#include "base/check.h"
#include "daemon/config.h"
#include "daemon/core_loop.h"
#include "router/router.h"
#include "storage/event_log.h"
#include "storage/recovery.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/testing/temp_dir.h"

namespace ekc::crash {
namespace {

namespace v1 = ekc::v1;

constexpr auto kWaitMax = std::chrono::seconds(30);

router::RouterConfig Routing() {
  absl::StatusOr<daemon::DaemonConfig> config =
      daemon::LoadDaemonConfig(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
  EKC_CHECK(config.ok());
  return config->routing;
}

router::Command SubmitCommand(const std::string& key) {
  router::Command command;
  command.now_unix_ms = 1'764'000'000'000;
  command.actor.set_kind(v1::ACTOR_KIND_INTAKE);
  router::command::Submit submit;
  submit.idempotency_key = key;
  submit.channel = v1::CHANNEL_CHAT;
  submit.region = "77";
  submit.text = "Нужна справка о составе семьи";
  command.body = std::move(submit);
  return command;
}

class DiskFaultTest : public ::testing::Test {
 protected:
  ~DiskFaultTest() override {
    if (core_) core_->Stop();
    core_.reset();
    log_.reset();
  }

  void Start() {
    storage::EventLogOptions options;
    options.path = dir_.Sub("log");
    options.env = env_.get();
    absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    core_ = std::make_unique<daemon::CoreLoop>(router::Router(Routing()), *log_);
    core_->set_on_failure([this](const absl::Status& status) {
      ++failures_reported_;
      failure_reported_ = status;
    });
    core_->Start();
  }

  // Submits on the core and waits for the answer's release: OK once durable, else the failure.
  absl::Status Submit(const std::string& key) {
    auto answered = std::make_shared<std::promise<absl::Status>>();
    absl::Status posted = core_->Execute(
        SubmitCommand(key),
        [answered](const router::ExecuteResult& result,
                   daemon::CoreLoop&) -> daemon::CoreLoop::Effect {
          if (!result.status.ok()) {
            return [answered, refused = result.status](const absl::Status&) {
              answered->set_value(refused);
            };
          }
          return [answered](const absl::Status& durability) { answered->set_value(durability); };
        });
    if (!posted.ok()) return posted;
    std::future<absl::Status> future = answered->get_future();
    if (future.wait_for(kWaitMax) != std::future_status::ready) {
      return absl::DeadlineExceededError("no answer");
    }
    return future.get();
  }

  // Stops the loop, closes the log and folds the folder again without faults: the keys recovered.
  std::vector<std::string> RestartAndReplay() {
    core_->Stop();
    core_.reset();
    log_.reset();
    fs_->FailWalSyncs(false);
    fs_->FailWalAppends(false);
    storage::EventLogOptions options;
    options.path = dir_.Sub("log");
    absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status();
    std::vector<std::string> keys;
    if (!log.ok()) return keys;
    router::Router router(Routing());
    absl::StatusOr<storage::RecoveryReport> report = storage::Recover(
        **log, [](const v1::RouterSnapshot&) { return absl::OkStatus(); },
        [&](const v1::EventRecord& e) {
          if (e.has_contact_received()) keys.push_back(e.contact_received().idempotency_key());
          return router.Replay(e);
        });
    EXPECT_TRUE(report.ok()) << report.status();
    return keys;
  }

  ekc::testing::TempDir dir_;
  std::shared_ptr<storage::testing::FaultInjectionFileSystem> fs_ =
      std::make_shared<storage::testing::FaultInjectionFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<daemon::CoreLoop> core_;
  // Written on the core thread, read after the answers that follow it.
  int failures_reported_ = 0;
  absl::Status failure_reported_;
};

TEST_F(DiskFaultTest, EioOnSync_StopsAcknowledgingAtOnceAndForeverEvenWhenTheDiskComesBack) {
  Start();
  ASSERT_TRUE(Submit("before").ok());
  EXPECT_TRUE(core_->writable());

  fs_->FailWalSyncs(true);
  const absl::Status failed = Submit("during");
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_NE(failed.message().find("injected fault: write-ahead log sync"), absl::string_view::npos)
      << failed;
  EXPECT_FALSE(core_->writable());
  EXPECT_FALSE(log_->health().ok());
  EXPECT_EQ(failures_reported_, 1);
  EXPECT_EQ(failure_reported_.code(), absl::StatusCode::kUnavailable);
  const uint64_t syncs_at_failure = fs_->wal_syncs();

  // The disk is fine again: the failure stays, and nothing is synced again (never retried).
  fs_->FailWalSyncs(false);
  for (int i = 0; i < 3; ++i) {
    const absl::Status after = Submit("after-" + std::to_string(i));
    EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable) << after;
  }
  EXPECT_EQ(fs_->wal_syncs(), syncs_at_failure);
  EXPECT_EQ(failures_reported_, 1);

  // Restart and replay: the acknowledged contact is there, nothing decided after the failure is.
  const std::vector<std::string> keys = RestartAndReplay();
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front(), "before");
  for (const std::string& key : keys) EXPECT_FALSE(key.starts_with("after")) << key;
}

TEST_F(DiskFaultTest, EnospcOnWrite_AnswersUnavailableSayingTheDiskIsFull) {
  Start();
  ASSERT_TRUE(Submit("before").ok());
  fs_->FailWalAppends(true, /*no_space=*/true);
  const absl::Status failed = Submit("during");
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_NE(failed.message().find("no space left"), absl::string_view::npos) << failed;
  EXPECT_FALSE(core_->writable());
  fs_->FailWalAppends(false);
  EXPECT_EQ(Submit("after").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failures_reported_, 1);
  const std::vector<std::string> keys = RestartAndReplay();
  EXPECT_EQ(keys, std::vector<std::string>{"before"});
}

}  // namespace
}  // namespace ekc::crash
