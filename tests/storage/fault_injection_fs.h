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
// Power loss (RocksDB's utilities/fault_injection_fs is the model). Every file RocksDB writes
// (except its info LOG) keeps the appends made since its last Sync in memory; Sync writes them to
// the real file and syncs it, Close writes them to the real file unsynced (the page cache). A new
// file, or a rename, is durable only once its folder is synced. PowerOff makes every later write,
// sync and folder change fail, as if the machine had stopped; after the database is closed,
// DropUnsyncedData truncates every file to what was last synced, deletes the files created since
// their folder's last sync and puts back what a rename since then replaced. PowerOn lets the next
// open begin. Deletions are not undone (RocksDB does not need a deleted file back).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
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

  // From now on, appends to (writes of) the write-ahead log fail with an I/O error (a full disk,
  // ENOSPC, with `no_space`), or stop failing.
  void FailWalAppends(bool fail, bool no_space = false);
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

  // --- Power loss ---

  // From now on every write, sync, rename and folder sync fails with an I/O error ("the power is
  // off"); nothing more reaches the files.
  void PowerOff();
  // With the database closed: drops what was not durable (see above). Returns what it did, for
  // test messages.
  std::string DropUnsyncedData();
  // Writes work again; the files as they are now count as durable.
  void PowerOn();
  bool powered() const;

  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // Called by the files and folders this file system hands out.
  rocksdb::IOStatus BeforeWalAppend();
  rocksdb::IOStatus BeforeWalSync();
  rocksdb::IOStatus PowerCheck(const std::string& what) const;
  void Synced(const std::string& fname, uint64_t size);
  void FolderSynced(const std::string& folder);

 private:
  // What power loss would do to one file.
  struct FileState {
    uint64_t synced_bytes = 0;      // durable; the rest is truncated on power loss
    bool created_unsynced = false;  // created (or renamed in) since its folder's last sync
    bool replaced = false;          // a rename since its folder's last sync replaced this content:
    std::string replaced_content;   // put back on power loss
  };

  rocksdb::IOStatus Wrap(const std::string& fname, rocksdb::IOStatus status, bool created,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  mutable std::mutex mu_;
  std::condition_variable changed_;  // hold released, or a sync started waiting
  bool fail_wal_appends_ = false;
  bool fail_wal_appends_no_space_ = false;
  bool fail_wal_syncs_ = false;
  bool hold_wal_syncs_ = false;
  int held_wal_syncs_ = 0;  // syncs waiting in BeforeWalSync right now
  uint64_t wal_syncs_ = 0;
  uint64_t injected_errors_ = 0;
  bool powered_ = true;
  std::map<std::string, FileState> files_;  // by full path, since the last PowerOn
};

}  // namespace ekc::storage::testing
