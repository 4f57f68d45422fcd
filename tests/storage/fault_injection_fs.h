#pragma once

// FaultInjectionFileSystem: a RocksDB FileSystem for storage tests that passes everything to a real
// file system (the local disk by default) and, on request, makes the write-ahead log fail or wait.
// Hand it to the event log as an Env:
//
//   auto fs = std::make_shared<FaultInjectionFileSystem>();
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   options.env = env.get();  // fs and env outlive the log
//
// Faults apply to write-ahead log files ("NNNNNN.log") only, so that opening, flushing and
// RocksDB's own LOG keep working while a test breaks exactly the path a group commit takes. Every
// method is thread-safe: tests flip faults while the log's writer thread is inside RocksDB.
//
// Meant to grow with the crash tests (RocksDB's utilities/fault_injection_fs is the model):
// dropping unsynced data to simulate power loss belongs here too.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>

namespace ekc::storage::testing {

class FaultInjectionFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // How long a held sync waits for ReleaseWalSyncs before it gives up with an I/O error, so that a
  // test that forgets to release fails instead of hanging.
  static constexpr std::chrono::seconds kHoldMax{30};

  explicit FaultInjectionFileSystem(
      std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());

  static const char* kClassName() { return "EkcFaultInjectionFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;

  // From now on, appends to (writes of) the write-ahead log fail with an I/O error, or stop
  // failing.
  void FailWalAppends(bool fail);
  // From now on, syncs of the write-ahead log fail with an I/O error, or stop failing.
  void FailWalSyncs(bool fail);

  // From now on every write-ahead log sync waits, before doing anything, until ReleaseWalSyncs (or
  // kHoldMax). Lets a test keep the log's writer inside one group while it appends the next ones.
  void HoldWalSyncs();
  // Lets held syncs continue (and fail, if FailWalSyncs was set meanwhile).
  void ReleaseWalSyncs();
  // Waits until a sync is being held, at most `timeout`. True if one is.
  bool WaitForHeldWalSync(std::chrono::milliseconds timeout);

  // Syncs of write-ahead log files attempted so far (Sync and Fsync, failed ones included).
  uint64_t wal_syncs() const;
  // Errors returned because of a fault set above.
  uint64_t injected_errors() const;

  // Called by the files this file system hands out.
  rocksdb::IOStatus BeforeWalAppend();
  rocksdb::IOStatus BeforeWalSync();

 private:
  rocksdb::IOStatus Wrap(const std::string& fname, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  mutable std::mutex mu_;
  std::condition_variable changed_;  // hold released, or a sync started waiting
  bool fail_wal_appends_ = false;
  bool fail_wal_syncs_ = false;
  bool hold_wal_syncs_ = false;
  int held_wal_syncs_ = 0;  // syncs waiting in BeforeWalSync right now
  uint64_t wal_syncs_ = 0;
  uint64_t injected_errors_ = 0;
};

}  // namespace ekc::storage::testing
