#include "tests/storage/fault_injection_fs.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>
#include <rocksdb/slice.h>

namespace ekc::storage::testing {
namespace {

// RocksDB names its write-ahead logs "<number>.log"; its info log is "LOG" and is left alone.
bool IsWriteAheadLog(const std::string& fname) { return fname.ends_with(".log"); }
// RocksDB's info log ("LOG", "LOG.old.…") is for people; power loss does not concern it.
bool IsInfoLog(const std::string& fname) {
  return std::filesystem::path(fname).filename().string().starts_with("LOG");
}

std::string FolderOf(const std::string& fname) {
  return std::filesystem::path(fname).parent_path().lexically_normal().string();
}

// A writable file that asks its file system before every append and sync (write-ahead logs), and
// keeps its unsynced appends in memory until a Sync or Close (every file but the info log).
class FaultInjectionWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultInjectionWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target,
                             FaultInjectionFileSystem* fs, std::string fname)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        fname_(std::move(fname)),
        wal_(IsWriteAheadLog(fname_)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                           rocksdb::IODebugContext*) override {
    return Buffer(data);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext*) override {
    return Buffer(data);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = Before(); !status.ok()) return status;
    if (rocksdb::IOStatus status = WriteBuffer(options, dbg); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = Before(); !status.ok()) return status;
    if (rocksdb::IOStatus status = WriteBuffer(options, dbg); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }
  // The data stays where a real page cache would keep it: here, until a sync or close.
  rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return fs_->PowerCheck("flush");
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    return fs_->PowerCheck("range sync");
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return SyncWith(options, dbg, /*full=*/false);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return SyncWith(options, dbg, /*full=*/true);
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->PowerCheck("truncate"); !status.ok()) return status;
    if (rocksdb::IOStatus status = WriteBuffer(options, dbg); !status.ok()) return status;
    return FSWritableFileOwnerWrapper::Truncate(size, options, dbg);
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    // With the power on, closing hands the data to the OS (unsynced); with it off, it is gone.
    if (fs_->powered()) {
      if (rocksdb::IOStatus status = WriteBuffer(options, dbg); !status.ok()) return status;
    }
    buffer_.clear();
    return FSWritableFileOwnerWrapper::Close(options, dbg);
  }
  uint64_t GetFileSize(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return FSWritableFileOwnerWrapper::GetFileSize(options, dbg) + buffer_.size();
  }

 private:
  rocksdb::IOStatus Before() {
    if (wal_) {
      if (rocksdb::IOStatus status = fs_->BeforeWalAppend(); !status.ok()) return status;
    }
    return fs_->PowerCheck("write");
  }
  rocksdb::IOStatus Buffer(const rocksdb::Slice& data) {
    if (rocksdb::IOStatus status = Before(); !status.ok()) return status;
    buffer_.append(data.data(), data.size());
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus WriteBuffer(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
    if (buffer_.empty()) return rocksdb::IOStatus::OK();
    rocksdb::IOStatus status = target()->Append(buffer_, options, dbg);
    if (status.ok()) status = target()->Flush(options, dbg);
    buffer_.clear();
    return status;
  }
  rocksdb::IOStatus SyncWith(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg,
                             bool full) {
    if (wal_) {
      if (rocksdb::IOStatus status = fs_->BeforeWalSync(); !status.ok()) return status;
    }
    if (rocksdb::IOStatus status = fs_->PowerCheck("sync"); !status.ok()) return status;
    if (rocksdb::IOStatus status = WriteBuffer(options, dbg); !status.ok()) return status;
    rocksdb::IOStatus status = full ? target()->Fsync(options, dbg) : target()->Sync(options, dbg);
    if (status.ok()) fs_->Synced(fname_, target()->GetFileSize(options, dbg));
    return status;
  }

  FaultInjectionFileSystem* fs_;  // outlives its files: the DB closes them before the Env goes
  const std::string fname_;
  const bool wal_;
  std::string buffer_;  // appended, not yet synced or closed
};

// A folder whose syncs make the files created or renamed in it durable.
class FaultInjectionDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  FaultInjectionDirectory(std::unique_ptr<rocksdb::FSDirectory> target,
                          FaultInjectionFileSystem* fs, std::string name)
      : rocksdb::FSDirectoryWrapper(std::move(target)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus status = fs_->PowerCheck("folder sync"); !status.ok()) return status;
    rocksdb::IOStatus status = FSDirectoryWrapper::Fsync(options, dbg);
    if (status.ok()) fs_->FolderSynced(name_);
    return status;
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& options,
                                        rocksdb::IODebugContext* dbg,
                                        const rocksdb::DirFsyncOptions& dir_options) override {
    if (rocksdb::IOStatus status = fs_->PowerCheck("folder sync"); !status.ok()) return status;
    rocksdb::IOStatus status = FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options);
    if (status.ok()) fs_->FolderSynced(name_);
    return status;
  }

 private:
  FaultInjectionFileSystem* fs_;
  const std::string name_;
};

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
    : rocksdb::FileSystemWrapper(base) {}

rocksdb::IOStatus FaultInjectionFileSystem::Wrap(const std::string& fname, rocksdb::IOStatus status,
                                                 bool created,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!status.ok() || IsInfoLog(fname)) return status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string path = std::filesystem::path(fname).lexically_normal().string();
    FileState& state = files_[path];
    if (created) {
      state.synced_bytes = 0;
      state.created_unsynced = true;
    }
  }
  *result = std::make_unique<FaultInjectionWritableFile>(
      std::move(*result), this, std::filesystem::path(fname).lexically_normal().string());
  return status;
}

rocksdb::IOStatus FaultInjectionFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus status = PowerCheck("create"); !status.ok() && !IsInfoLog(fname)) {
    return status;
  }
  return Wrap(fname, target()->NewWritableFile(fname, options, result, dbg), /*created=*/true,
              result);
}

rocksdb::IOStatus FaultInjectionFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus status = PowerCheck("reopen"); !status.ok() && !IsInfoLog(fname)) {
    return status;
  }
  // What is in the file now counts as durable: it was there before this file system tracked it.
  std::error_code ec;
  const uint64_t size =
      std::filesystem::exists(fname, ec) ? std::filesystem::file_size(fname, ec) : 0;
  rocksdb::IOStatus status = target()->ReopenWritableFile(fname, options, result, dbg);
  if (status.ok() && !IsInfoLog(fname)) {
    std::lock_guard<std::mutex> lock(mu_);
    FileState& state = files_[std::filesystem::path(fname).lexically_normal().string()];
    if (state.synced_bytes < size && !state.created_unsynced) state.synced_bytes = size;
  }
  return Wrap(fname, status, /*created=*/false, result);
}

rocksdb::IOStatus FaultInjectionFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus status = PowerCheck("reuse"); !status.ok()) return status;
  return Wrap(fname, target()->ReuseWritableFile(fname, old_fname, options, result, dbg),
              /*created=*/true, result);
}

rocksdb::IOStatus FaultInjectionFileSystem::NewDirectory(
    const std::string& name, const rocksdb::IOOptions& io_opts,
    std::unique_ptr<rocksdb::FSDirectory>* result, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus status = target()->NewDirectory(name, io_opts, result, dbg);
  if (status.ok()) {
    *result = std::make_unique<FaultInjectionDirectory>(
        std::move(*result), this, std::filesystem::path(name).lexically_normal().string());
  }
  return status;
}

rocksdb::IOStatus FaultInjectionFileSystem::RenameFile(const std::string& src,
                                                       const std::string& target_name,
                                                       const rocksdb::IOOptions& options,
                                                       rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus status = PowerCheck("rename"); !status.ok()) return status;
  const std::string from = std::filesystem::path(src).lexically_normal().string();
  const std::string to = std::filesystem::path(target_name).lexically_normal().string();
  // The content the rename replaces comes back if the folder is not synced before power loss.
  std::string replaced_content;
  std::error_code ec;
  const bool replaces = std::filesystem::exists(to, ec);
  if (replaces) {
    std::ifstream in(to, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    replaced_content = content.str();
  }
  rocksdb::IOStatus status = target()->RenameFile(src, target_name, options, dbg);
  if (!status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  FileState moved;
  if (auto it = files_.find(from); it != files_.end()) {
    moved = it->second;
    files_.erase(it);
  } else {
    std::error_code size_ec;
    moved.synced_bytes = std::filesystem::file_size(to, size_ec);
  }
  FileState& state = files_[to];
  const bool had_replaced = state.replaced;
  std::string earlier = std::move(state.replaced_content);
  state = moved;
  if (had_replaced) {
    // An earlier unsynced rename already replaced the durable content: that is what comes back.
    state.replaced = true;
    state.replaced_content = std::move(earlier);
    state.created_unsynced = false;
  } else if (replaces) {
    state.replaced = true;
    state.replaced_content = std::move(replaced_content);
    state.created_unsynced = false;
  } else {
    state.created_unsynced = true;
  }
  return status;
}

void FaultInjectionFileSystem::FailWalAppends(bool fail, bool no_space) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_wal_appends_ = fail;
  fail_wal_appends_no_space_ = no_space;
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
  if (fail_wal_appends_no_space_) {
    return rocksdb::IOStatus::NoSpace("injected fault: write-ahead log append: no space left");
  }
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

void FaultInjectionFileSystem::PowerOff() {
  std::lock_guard<std::mutex> lock(mu_);
  powered_ = false;
}

bool FaultInjectionFileSystem::powered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return powered_;
}

rocksdb::IOStatus FaultInjectionFileSystem::PowerCheck(const std::string& what) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (powered_) return rocksdb::IOStatus::OK();
  return rocksdb::IOStatus::IOError("simulated power loss: " + what);
}

void FaultInjectionFileSystem::Synced(const std::string& fname, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[fname].synced_bytes = size;
}

void FaultInjectionFileSystem::FolderSynced(const std::string& folder) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, state] : files_) {
    if (FolderOf(path) != folder) continue;
    state.created_unsynced = false;
    state.replaced = false;
    state.replaced_content.clear();
  }
}

std::string FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string report;
  for (const auto& [path, state] : files_) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;  // deleted meanwhile
    if (state.replaced) {
      std::ofstream(path, std::ios::binary | std::ios::trunc) << state.replaced_content;
      report += fmt::format("{}: back to its content before a rename\n", path);
    } else if (state.created_unsynced) {
      std::filesystem::remove(path, ec);
      report += fmt::format("{}: removed (created after its folder's last sync)\n", path);
    } else if (std::filesystem::file_size(path, ec) > state.synced_bytes) {
      report += fmt::format("{}: {} → {} bytes\n", path, std::filesystem::file_size(path, ec),
                            state.synced_bytes);
      std::filesystem::resize_file(path, state.synced_bytes, ec);
    }
  }
  return report;
}

void FaultInjectionFileSystem::PowerOn() {
  std::lock_guard<std::mutex> lock(mu_);
  powered_ = true;
  files_.clear();
}

}  // namespace ekc::storage::testing
