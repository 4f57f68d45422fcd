#include "tests/storage/fault_injection_fs.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>
#include <rocksdb/slice.h>

namespace ekc::storage::testing {
namespace {

// RocksDB names its write-ahead logs "<number>.log"; its info log is "LOG" and is left alone.
bool IsWriteAheadLog(const std::string& fname) { return fname.ends_with(".log"); }

// A writable file that asks its file system before every append and sync. Other calls pass through.
class FaultInjectionWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultInjectionWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target,
                             FaultInjectionFileSystem* fs)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalAppend(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalAppend(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalAppend(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalAppend(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalSync(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->BeforeWalSync(); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  FaultInjectionFileSystem* fs_;  // outlives its files: the DB closes them before the Env goes
};

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
    : rocksdb::FileSystemWrapper(base) {}

rocksdb::IOStatus FaultInjectionFileSystem::Wrap(const std::string& fname, rocksdb::IOStatus status,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (status.ok() && IsWriteAheadLog(fname)) {
    *result = std::make_unique<FaultInjectionWritableFile>(std::move(*result), this);
  }
  return status;
}

rocksdb::IOStatus FaultInjectionFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  return Wrap(fname, target()->NewWritableFile(fname, options, result, dbg), result);
}

rocksdb::IOStatus FaultInjectionFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  return Wrap(fname, target()->ReopenWritableFile(fname, options, result, dbg), result);
}

rocksdb::IOStatus FaultInjectionFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  return Wrap(fname, target()->ReuseWritableFile(fname, old_fname, options, result, dbg), result);
}

void FaultInjectionFileSystem::FailWalAppends(bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_wal_appends_ = fail;
}

void FaultInjectionFileSystem::FailWalSyncs(bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_wal_syncs_ = fail;
}

void FaultInjectionFileSystem::HoldWalSyncs() {
  std::lock_guard<std::mutex> lock(mu_);
  hold_wal_syncs_ = true;
}

void FaultInjectionFileSystem::ReleaseWalSyncs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    hold_wal_syncs_ = false;
  }
  changed_.notify_all();
}

bool FaultInjectionFileSystem::WaitForHeldWalSync(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return held_wal_syncs_ > 0; });
}

uint64_t FaultInjectionFileSystem::wal_syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wal_syncs_;
}

uint64_t FaultInjectionFileSystem::injected_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_errors_;
}

rocksdb::IOStatus FaultInjectionFileSystem::BeforeWalAppend() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fail_wal_appends_) return rocksdb::IOStatus::OK();
  ++injected_errors_;
  return rocksdb::IOStatus::IOError("injected fault: write-ahead log append");
}

rocksdb::IOStatus FaultInjectionFileSystem::BeforeWalSync() {
  std::unique_lock<std::mutex> lock(mu_);
  ++wal_syncs_;
  if (hold_wal_syncs_) {
    ++held_wal_syncs_;
    changed_.notify_all();
    const bool released = changed_.wait_for(lock, kHoldMax, [this] { return !hold_wal_syncs_; });
    --held_wal_syncs_;
    if (!released) {
      ++injected_errors_;
      return rocksdb::IOStatus::IOError("injected fault: held write-ahead log sync never released");
    }
  }
  if (!fail_wal_syncs_) return rocksdb::IOStatus::OK();
  ++injected_errors_;
  return rocksdb::IOStatus::IOError("injected fault: write-ahead log sync");
}

}  // namespace ekc::storage::testing
