#include "storage/event_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/arena.h>
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/absl_fmt.h"
#include "base/check.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "storage/record_codec.h"
#include "storage/snapshot_codec.h"

namespace ekc::storage {
namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

// The column family of the snapshots; events are in the default one.
constexpr const char* kSnapshotsColumnFamily = "snapshots";

int64_t MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

uint64_t Microseconds(std::chrono::steady_clock::time_point from,
                      std::chrono::steady_clock::time_point to) {
  return static_cast<uint64_t>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(to - from).count()));
}

int64_t WallClockUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Debian's abseil has its own absl::string_view, which fmt cannot format.
std::string_view Message(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

// One place that turns a RocksDB status into ekc's: the code says what a caller can do about it,
// the message says which log and which operation ("event log /var/lib/ekc/log: open: IO error:
// ...").
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view context,
                         std::string_view operation) {
  if (status.ok()) return absl::OkStatus();
  std::string message = fmt::format("{}: {}: {}", context, operation, status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(std::move(message));
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(std::move(message));
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(std::move(message));
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(std::move(message));
    case rocksdb::Status::kIOError:
      // A full disk is a resource the operator can free; any other I/O error means this node cannot
      // serve until it is restarted (style.md rule 6), which clients see as UNAVAILABLE.
      if (status.IsNoSpace()) return absl::ResourceExhaustedError(std::move(message));
      return absl::UnavailableError(std::move(message));
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(std::move(message));
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kExpired:
      return absl::DeadlineExceededError(std::move(message));
    case rocksdb::Status::kAborted:
      return absl::AbortedError(std::move(message));
    case rocksdb::Status::kCompactionTooLarge:
      return absl::ResourceExhaustedError(std::move(message));
    default:
      return absl::InternalError(std::move(message));
  }
}

// Options for an append-only log: keys only ever grow and are never overwritten or deleted by the
// writer, so RocksDB's defaults fit with three deliberate choices below.
rocksdb::Options MakeDbOptions(const EventLogOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = !options.read_only;
  // Logs written before snapshots existed gain the column family at their next read-write open.
  db_options.create_missing_column_families = !options.read_only;
  if (options.env != nullptr) db_options.env = options.env;
  // After a crash or power loss the write-ahead log is replayed up to its first torn or corrupt
  // entry, which restores a prefix of the groups we wrote: every acknowledged group, and possibly
  // some unacknowledged tail. That is the log's guarantee. kAbsoluteConsistency would refuse to
  // open after an ordinary power loss in the middle of a write.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Increasing keys make every flushed file disjoint from the rest, so level compaction mostly
  // moves files down without rewriting them; dynamic level sizes keep the tree shallow as the log
  // grows.
  db_options.level_compaction_dynamic_level_bytes = true;
  // The header's default depends on NDEBUG of *our* build; keep RocksDB's LOG at INFO in every
  // build.
  db_options.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  db_options.keep_log_file_num = 10;
  db_options.paranoid_checks = true;
  return db_options;
}

// Closes and deletes `db`. A failed close is not actionable here: every acknowledged record was
// already durable at the configured level, and the next Open recovers from the write-ahead log.
void CloseDb(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles) {
  if (db == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle != nullptr) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
  db.reset();
}

// The sequence of the last stored key, 0 for an empty log.
absl::StatusOr<Sequence> RecoverLastSequence(rocksdb::DB& db, std::string_view context) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->SeekToLast();
  if (!it->Valid()) {
    if (absl::Status status = FromRocksDb(it->status(), context, "find last record");
        !status.ok()) {
      return status;
    }
    return Sequence(0);
  }
  absl::StatusOr<Sequence> last = DecodeKey(View(it->key()));
  if (!last.ok()) {
    return absl::DataLossError(fmt::format("{}: open: the last key is not a sequence: {}", context,
                                           Message(last.status())));
  }
  return *last;
}

}  // namespace

// One Append waiting for its group: its records (moved in, freed after the write) and its callback.
// One Append waiting for its group: its records (moved in, freed after the write) and its callback.
struct PendingAppend {
  std::vector<ekc::v1::EventRecord> records;
  EventLog::DurableCallback on_durable;
  Sequence last;  // its last record's sequence; for an empty Append, last_sequence() at the time
  std::chrono::steady_clock::time_point appended;
  size_t record_count = 0;  // records.size() at Append (the records are freed before the stats)
};

// Work for the maintenance thread, done in the order queued.
struct SnapshotJob {
  ekc::v1::RouterSnapshot snapshot;
  EventLog::SnapshotCallback on_written;
};
struct BackupJob {
  std::string directory;
  EventLog::BackupCallback on_done;
};
using MaintenanceJob = std::variant<SnapshotJob, BackupJob>;

struct EventLog::Impl {
  Impl(const EventLogOptions& options_in, std::unique_ptr<rocksdb::DB> db_in,
       std::vector<rocksdb::ColumnFamilyHandle*> handles_in, Sequence last)
      : options(options_in),
        context(fmt::format("event log {}", options_in.path)),
        db(std::move(db_in)),
        handles(std::move(handles_in)),
        events(handles[0]),
        snapshots(handles.size() > 1 ? handles[1] : nullptr),
        last_appended(last),
        last_appended_value(last.value()),
        durable_value(last.value()) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    work_ready.notify_one();
    if (writer.joinable()) writer.join();
    // The writer has drained: what is durable now is all that will ever be. The maintenance thread
    // finishes the jobs whose events made it and drops the others.
    {
      std::lock_guard<std::mutex> lock(mu);
      writer_done = true;
    }
    durable_changed.notify_all();
    if (maintenance.joinable()) maintenance.join();
    bool sync_on_close = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      sync_on_close = options.durability == Durability::kOs && failure.ok() && !options.read_only;
    }
    // At kOs the write-ahead log sits in the OS page cache; one sync at a clean shutdown costs
    // little. Its failure cannot be reported to anyone: every callback has already been called.
    if (sync_on_close) db->SyncWAL().PermitUncheckedError();
    CloseDb(std::move(db), std::move(handles));
  }

  void StartThreads() {
    writer = std::thread([this] { WriterLoop(); });
    // Visible in top, gdb and crash reports; a failure to name the thread changes nothing.
    pthread_setname_np(writer.native_handle(), "ekc-log-writer");
    maintenance = std::thread([this] { MaintenanceLoop(); });
    pthread_setname_np(maintenance.native_handle(), "ekc-log-maint");
  }

  // Both bounds of the pending queue: records (the memory that matters) and Appends (so that empty
  // Appends, which carry no records, cannot grow the queue without limit either).
  bool HasRoomLocked(size_t records) const {
    return records <= options.pending_records_max - unwritten_records &&
           unwritten_appends < options.pending_records_max;
  }

  // Records the log's terminal error (the first one wins) and wakes whoever waits for the disk.
  void FailLocked(const absl::Status& status) {
    if (failure.ok()) failure = status;
  }

  absl::Status RefuseIfNotWritableLocked(std::string_view operation) const {
    if (options.read_only) {
      return absl::FailedPreconditionError(
          fmt::format("{}: {}: the log is open read-only", context, operation));
    }
    return failure;
  }

  // Queues work for the maintenance thread, within kMaintenanceJobsMax.
  absl::Status QueueJobLocked(MaintenanceJob job, std::string_view operation) {
    if (jobs.size() >= kMaintenanceJobsMax) {
      return absl::ResourceExhaustedError(fmt::format(
          "{}: {}: {} snapshots and backups are waiting already", context, operation, jobs.size()));
    }
    jobs.push_back(std::move(job));
    // Under the lock on purpose: the maintenance thread may be waiting on the same condition for
    // durability, and must see the job when it wakes.
    durable_changed.notify_all();
    return absl::OkStatus();
  }

  void WriterLoop();
  absl::Status WriteGroup(const std::deque<PendingAppend>& group, size_t records);
  void MaintenanceLoop();
  void RunSnapshot(SnapshotJob& job);
  void RunBackup(BackupJob& job);
  absl::Status StoreSnapshot(const ekc::v1::RouterSnapshot& snapshot, uint64_t* bytes);
  absl::Status DeleteOldSnapshots();
  rocksdb::WriteOptions SyncedWrite() const {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    return write_options;
  }

  const EventLogOptions options;
  const std::string context;  // "event log <path>", the prefix of every error
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before the DB closes
  rocksdb::ColumnFamilyHandle* const events;          // the default column family
  rocksdb::ColumnFamilyHandle* const snapshots;       // null only in a read-only open of an old log

  mutable std::mutex mu;
  std::condition_variable work_ready;       // the writer waits for pending Appends or stopping
  std::condition_variable durable_changed;  // the maintenance thread waits for durability or jobs
  // Guarded by mu.
  std::deque<PendingAppend> pending;  // appended, not yet taken by the writer
  size_t unwritten_records = 0;       // records in `pending` and in the group being written
  size_t unwritten_appends = 0;       // Appends in `pending` and in the group being written
  Sequence last_appended;             // the last sequence accepted by Append
  absl::Status failure;               // the terminal error; OK until a write fails
  bool stopping = false;              // the destructor runs: drain `pending`, then exit
  bool writer_done = false;           // the writer has exited: durability will not move again
  std::deque<MaintenanceJob> jobs;    // snapshots and backups, in order
  bool job_running = false;           // the maintenance thread works on one taken from `jobs`
  EventLogStats stats;

  // Copies of last_appended and of the durable sequence for lock-free reads from any thread.
  std::atomic<uint64_t> last_appended_value;
  std::atomic<uint64_t> durable_value;

  std::thread writer;
  std::thread maintenance;
};

void EventLog::Impl::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu);
  // Each pass takes at least one Append off the queue, and the queue is bounded; the loop ends when
  // the destructor has asked it to and the queue is empty.
  while (true) {
    work_ready.wait(lock, [this] { return stopping || !pending.empty(); });
    if (pending.empty()) return;
    std::deque<PendingAppend> group;
    group.swap(pending);
    absl::Status status = failure;
    lock.unlock();

    size_t records = 0;
    for (const PendingAppend& append : group) records += append.records.size();
    // After a failure nothing is written again (never retry): queued Appends only get the error.
    // A group of empty Appends needs no write: every record before them is already durable, because
    // groups are written one after another.
    const auto write_start = std::chrono::steady_clock::now();
    if (status.ok() && records > 0) status = WriteGroup(group, records);
    const auto written = std::chrono::steady_clock::now();
    // The records are in RocksDB (or never will be); free them before they stop counting against
    // pending_records_max.
    for (PendingAppend& append : group) std::vector<ekc::v1::EventRecord>().swap(append.records);

    lock.lock();
    if (status.ok()) {
      if (records > 0) {
        ++stats.groups_written;
        stats.records_written += records;
        if (records > stats.largest_group_records) stats.largest_group_records = records;
        stats.group_records.Add(records);
        stats.group_write_us.Add(Microseconds(write_start, written));
        for (const PendingAppend& append : group) {
          if (append.record_count > 0) {
            stats.append_durable_us.Add(Microseconds(append.appended, written));
          }
        }
      }
      // Before the callbacks, so that a callback sees durable_sequence() >= its `last`.
      durable_value.store(group.back().last.value(), std::memory_order_release);
    } else {
      FailLocked(status);
      // A snapshot of events that were not acknowledged must not be stored: take the log's error.
      status = failure;
    }
    unwritten_records -= records;
    unwritten_appends -= group.size();
    lock.unlock();
    durable_changed.notify_all();

    for (PendingAppend& append : group) {
      if (append.on_durable) append.on_durable(append.last, status);
    }
    group.clear();
    lock.lock();
  }
}

absl::Status EventLog::Impl::WriteGroup(const std::deque<PendingAppend>& group, size_t records) {
  rocksdb::WriteBatch batch;
  std::string value;  // reused for every record
  Sequence first(0);
  Sequence last(0);
  for (const PendingAppend& append : group) {
    for (const ekc::v1::EventRecord& record : append.records) {
      const Sequence sequence(record.sequence());
      if (first.value() == 0) first = sequence;
      last = sequence;
      if (absl::Status status = EncodeValueTo(record, &value); !status.ok()) {
        return absl::InternalError(
            fmt::format("{}: encode sequence {}: {}", context, sequence, Message(status)));
      }
      if (absl::Status status = FromRocksDb(batch.Put(events, EncodeKey(sequence), value), context,
                                            fmt::format("batch sequence {}", sequence));
          !status.ok()) {
        return status;
      }
    }
  }
  EKC_DCHECK(static_cast<size_t>(batch.Count()) == records);
  rocksdb::WriteOptions write_options;
  // kFsync: the write-ahead log is synced before Write returns. kOs: it has reached the OS (RocksDB
  // flushes its WAL buffer on every write unless manual_wal_flush is set, which we do not).
  write_options.sync = options.durability == Durability::kFsync;
  write_options.disableWAL = false;
  return FromRocksDb(db->Write(write_options, &batch), context,
                     fmt::format("write sequences {}..{} ({} records)", first, last, records));
}

void EventLog::Impl::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(mu);
  // Each pass takes one job off a bounded queue; the loop ends once the writer has exited and the
  // queue is empty.
  while (true) {
    durable_changed.wait(lock, [this] { return writer_done || !jobs.empty(); });
    if (jobs.empty()) return;
    MaintenanceJob job = std::move(jobs.front());
    jobs.pop_front();
    job_running = true;
    lock.unlock();
    if (auto* snapshot = std::get_if<SnapshotJob>(&job)) {
      RunSnapshot(*snapshot);
    } else {
      RunBackup(std::get<BackupJob>(job));
    }
    lock.lock();
    job_running = false;
  }
}

void EventLog::Impl::RunSnapshot(SnapshotJob& job) {
  const Sequence sequence(job.snapshot.last_sequence());
  absl::Status status;
  {
    // The snapshot may be stored only once every event it covers is durable: else a crash could
    // leave a state on disk that the log does not explain.
    std::unique_lock<std::mutex> lock(mu);
    durable_changed.wait(lock, [&] {
      return durable_value.load(std::memory_order_acquire) >= sequence.value() || !failure.ok() ||
             writer_done;
    });
    if (!failure.ok()) {
      status = failure;
    } else if (durable_value.load(std::memory_order_acquire) < sequence.value()) {
      status = absl::UnavailableError(
          fmt::format("{}: snapshot of event {}: the log closed before the event was durable",
                      context, sequence));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  if (status.ok()) status = StoreSnapshot(job.snapshot, &bytes);
  // The state can be large; free it before telling anyone.
  ekc::v1::RouterSnapshot().Swap(&job.snapshot);
  if (status.ok()) {
    // Keeping too many old snapshots costs only disk; a failure here is reported but harmless.
    if (absl::Status deleted = DeleteOldSnapshots(); !deleted.ok()) status = deleted;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    if (status.ok()) {
      ++stats.snapshots_written;
      stats.last_snapshot = sequence;
      stats.last_snapshot_bytes = bytes;
      stats.last_snapshot_write_ms = MillisecondsSince(start);
    }
  }
  if (job.on_written) job.on_written(sequence, status);
}

absl::Status EventLog::Impl::StoreSnapshot(const ekc::v1::RouterSnapshot& snapshot,
                                           uint64_t* bytes) {
  const Sequence sequence(snapshot.last_sequence());
  absl::StatusOr<EncodedSnapshot> encoded = EncodeSnapshot(snapshot, WallClockUnixMs());
  if (!encoded.ok()) {
    return absl::InternalError(
        fmt::format("{}: snapshot of event {}: {}", context, sequence, Message(encoded.status())));
  }
  *bytes = encoded->payload.size();
  // Parts one write each, so that a large state never makes the writer's next group wait behind
  // one huge write; the header last and synced: a header on disk implies its parts, and the sync
  // also makes every event before it durable, whatever the durability level (the column family may
  // be flushed to a table file before the write-ahead log would otherwise have been synced).
  const uint32_t parts = encoded->header.parts();
  for (uint32_t part = 1; part <= parts; ++part) {
    const std::string value = EncodeSnapshotPart(*encoded, part);
    rocksdb::Status written =
        db->Put(rocksdb::WriteOptions(), snapshots, EncodeSnapshotKey(sequence, part), value);
    if (!written.ok()) {
      absl::Status status = FromRocksDb(
          written, context, fmt::format("snapshot of event {}: write part {}", sequence, part));
      std::lock_guard<std::mutex> lock(mu);
      FailLocked(status);
      return status;
    }
  }
  rocksdb::Status written = db->Put(SyncedWrite(), snapshots, EncodeSnapshotKey(sequence, 0),
                                    EncodeSnapshotHeader(encoded->header));
  if (!written.ok()) {
    // A failed sync of the write-ahead log is a failed sync of the events in it too (rule 6).
    absl::Status status = FromRocksDb(
        written, context, fmt::format("snapshot of event {}: write its header", sequence));
    std::lock_guard<std::mutex> lock(mu);
    FailLocked(status);
    return status;
  }
  return absl::OkStatus();
}

absl::Status EventLog::Impl::DeleteOldSnapshots() {
  // Every sequence with something stored (a header, or parts of an interrupted write), newest
  // first.
  std::vector<std::pair<Sequence, bool>> stored;  // sequence, has a header
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), snapshots));
    // Bounded by the keys in the column family: each pass seeks past one sequence.
    for (it->SeekToFirst(); it->Valid();) {
      absl::StatusOr<SnapshotKey> key = DecodeSnapshotKey(View(it->key()));
      if (!key.ok()) break;  // not ours: leave it for verify to report
      stored.emplace_back(key->sequence, key->part == 0);
      it->Seek(EncodeSnapshotKey(Next(key->sequence), 0));
    }
    if (absl::Status status = FromRocksDb(it->status(), context, "list snapshots"); !status.ok())
      return status;
  }
  rocksdb::WriteBatch batch;
  uint32_t kept = 0;
  for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
    if (it->second && kept < options.snapshots_keep) {
      ++kept;
      continue;
    }
    if (absl::Status status =
            FromRocksDb(batch.DeleteRange(snapshots, EncodeSnapshotKey(it->first, 0),
                                          EncodeSnapshotKey(Next(it->first), 0)),
                        context, "delete old snapshots");
        !status.ok()) {
      return status;
    }
  }
  if (batch.Count() == 0) return absl::OkStatus();
  // Not synced: if the deletion is lost, the next snapshot deletes them again.
  rocksdb::Status written = db->Write(rocksdb::WriteOptions(), &batch);
  if (!written.ok()) {
    absl::Status status = FromRocksDb(written, context, "delete old snapshots");
    std::lock_guard<std::mutex> lock(mu);
    FailLocked(status);
    return status;
  }
  return absl::OkStatus();
}

void EventLog::Impl::RunBackup(BackupJob& job) {
  const auto start = std::chrono::steady_clock::now();
  const Sequence durable(durable_value.load(std::memory_order_acquire));
  absl::StatusOr<BackupResult> result;
  rocksdb::Checkpoint* raw = nullptr;
  absl::Status status =
      FromRocksDb(rocksdb::Checkpoint::Create(db.get(), &raw), context, "backup: checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (status.ok()) {
    // log_size_for_flush 0: always flush the memtables, so the copy holds table files and no
    // write-ahead log has to be copied.
    status = FromRocksDb(checkpoint->CreateCheckpoint(job.directory, /*log_size_for_flush=*/0),
                         context, fmt::format("backup into {}", job.directory));
  }
  if (status.ok()) {
    result = BackupResult{job.directory, durable, MillisecondsSince(start)};
  } else {
    result = status;
  }
  if (job.on_done) job.on_done(result);
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const EventLogOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("event log: open: the path is empty");
  }
  const std::string context = fmt::format("event log {}", options.path);
  if (options.pending_records_max == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: open: pending_records_max must be at least 1", context));
  }
  if (options.snapshots_keep == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: open: snapshots_keep must be at least 1", context));
  }
  const rocksdb::Options db_options = MakeDbOptions(options);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(db_options)}};
  if (options.read_only) {
    // Without a database there is nothing to audit: say so plainly rather than create one.
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", ec)) {
      return absl::NotFoundError(
          fmt::format("{}: open: not an ekc data folder (no RocksDB database in it)", context));
    }
    std::vector<std::string> names;
    if (absl::Status status =
            FromRocksDb(rocksdb::DB::ListColumnFamilies(db_options, options.path, &names), context,
                        "open: list column families");
        !status.ok()) {
      return status;
    }
    for (const std::string& name : names) {
      if (name == kSnapshotsColumnFamily) {
        families.emplace_back(name, rocksdb::ColumnFamilyOptions(db_options));
      }
    }
  } else {
    families.emplace_back(kSnapshotsColumnFamily, rocksdb::ColumnFamilyOptions(db_options));
  }
  rocksdb::DB* raw_db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const rocksdb::Status opened =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw_db)
          : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw_db);
  std::unique_ptr<rocksdb::DB> db(raw_db);
  if (absl::Status status = FromRocksDb(opened, context, "open"); !status.ok()) {
    CloseDb(std::move(db), std::move(handles));
    return status;
  }
  absl::StatusOr<Sequence> last = RecoverLastSequence(*db, context);
  if (!last.ok()) {
    CloseDb(std::move(db), std::move(handles));
    return last.status();
  }
  auto impl = std::make_unique<Impl>(options, std::move(db), std::move(handles), *last);
  if (!options.read_only) impl->StartThreads();
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

void Histogram::Add(uint64_t value) {
  const size_t bucket =
      std::min<size_t>(value == 0 ? 0 : static_cast<size_t>(std::bit_width(value)), kBuckets - 1);
  ++counts[bucket];
  ++count;
  sum += value;
  max = std::max(max, value);
}

uint64_t Histogram::Quantile(double q) const {
  if (count == 0) return 0;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(count) + 0.5);
  uint64_t seen = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts[bucket];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      return bucket == 0 ? 0 : std::min(max, (uint64_t{1} << bucket) - 1);
    }
  }
  return max;
}

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventLog::~EventLog() = default;

absl::Status EventLog::Append(std::vector<ekc::v1::EventRecord> records,
                              DurableCallback on_durable) {
  Impl& impl = *impl_;
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    EKC_CHECK(!impl.stopping);
    if (impl.options.read_only) return impl.RefuseIfNotWritableLocked("append");
    // A gap or a repeat is the caller's bug; written, it would break the log's continuity forever.
    uint64_t expected = impl.last_appended.value() + 1;
    for (const ekc::v1::EventRecord& record : records) {
      EKC_CHECK_MSG(record.sequence() == expected,
                    fmt::format("appended sequence {} does not continue the log: expected {}",
                                record.sequence(), expected)
                        .c_str());
      ++expected;
    }
    if (!impl.failure.ok()) return impl.failure;
    if (!impl.HasRoomLocked(records.size())) {
      return absl::ResourceExhaustedError(
          fmt::format("{}: append of {} records: the pending queue holds {} records in {} appends "
                      "(at most {} of each)",
                      impl.context, records.size(), impl.unwritten_records, impl.unwritten_appends,
                      impl.options.pending_records_max));
    }
    const Sequence last(expected - 1);
    impl.unwritten_records += records.size();
    ++impl.unwritten_appends;
    impl.last_appended = last;
    impl.last_appended_value.store(last.value(), std::memory_order_release);
    const size_t count = records.size();
    impl.pending.push_back(PendingAppend{std::move(records), std::move(on_durable), last,
                                         std::chrono::steady_clock::now(), count});
  }
  // Outside the lock, so that the writer does not wake only to wait for it.
  impl.work_ready.notify_one();
  return absl::OkStatus();
}

bool EventLog::HasRoomFor(size_t n) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->HasRoomLocked(n);
}

Sequence EventLog::last_sequence() const {
  return Sequence(impl_->last_appended_value.load(std::memory_order_acquire));
}

Sequence EventLog::durable_sequence() const {
  return Sequence(impl_->durable_value.load(std::memory_order_acquire));
}

absl::Status EventLog::health() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->failure;
}

EventLogStats EventLog::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

absl::StatusOr<Sequence> EventLog::FirstSequence() const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (!it->Valid()) {
    EKC_RETURN_IF_ERROR(FromRocksDb(it->status(), impl_->context, "find the first record"));
    return Sequence(0);
  }
  absl::StatusOr<Sequence> first = DecodeKey(View(it->key()));
  if (!first.ok()) {
    return absl::DataLossError(fmt::format("{}: the first key is not a sequence: {}",
                                           impl_->context, Message(first.status())));
  }
  return *first;
}

absl::Status EventLog::WriteSnapshot(ekc::v1::RouterSnapshot snapshot,
                                     SnapshotCallback on_written) {
  Impl& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    EKC_RETURN_IF_ERROR(impl.RefuseIfNotWritableLocked("snapshot"));
    if (snapshot.last_sequence() == 0 || snapshot.last_sequence() > impl.last_appended.value()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: snapshot of event {}: the log holds events 1..{}", impl.context,
                      snapshot.last_sequence(), impl.last_appended));
    }
    return impl.QueueJobLocked(SnapshotJob{std::move(snapshot), std::move(on_written)}, "snapshot");
  }
}

bool EventLog::snapshot_pending() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->job_running) return true;
  for (const MaintenanceJob& job : impl_->jobs) {
    if (std::holds_alternative<SnapshotJob>(job)) return true;
  }
  return false;
}

absl::StatusOr<std::vector<SnapshotInfo>> EventLog::ListSnapshots() const {
  std::vector<SnapshotInfo> infos;
  if (impl_->snapshots == nullptr) return infos;
  const std::string& context = impl_->context;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->snapshots));
  // Bounded by the keys in the column family: each pass seeks past one sequence.
  for (it->SeekToFirst(); it->Valid();) {
    absl::StatusOr<SnapshotKey> key = DecodeSnapshotKey(View(it->key()));
    if (!key.ok()) {
      return absl::DataLossError(fmt::format("{}: snapshots: a key that is not a snapshot's: {}",
                                             context, Message(key.status())));
    }
    SnapshotInfo info;
    info.sequence = key->sequence;
    if (key->part != 0) {
      info.header_status = absl::DataLossError(fmt::format(
          "snapshot of event {}: no header (part 0): an interrupted write", key->sequence));
    } else if (absl::StatusOr<ekc::v1::SnapshotHeader> header =
                   DecodeSnapshotHeader(View(it->value()));
               !header.ok()) {
      info.header_status = absl::DataLossError(
          fmt::format("snapshot of event {}: header: {}", key->sequence, Message(header.status())));
    } else if (header->sequence() != key->sequence.value()) {
      info.header_status = absl::DataLossError(
          fmt::format("snapshot of event {}: the header says it covers event {}", key->sequence,
                      header->sequence()));
    } else {
      info.written_unix_ms = header->written_unix_ms();
      info.payload_bytes = header->payload_bytes();
      info.parts = header->parts();
    }
    infos.push_back(std::move(info));
    it->Seek(EncodeSnapshotKey(Next(key->sequence), 0));
  }
  EKC_RETURN_IF_ERROR(FromRocksDb(it->status(), context, "list snapshots"));
  std::reverse(infos.begin(), infos.end());
  return infos;
}

absl::StatusOr<ekc::v1::RouterSnapshot> EventLog::ReadSnapshot(Sequence sequence) const {
  ekc::v1::RouterSnapshot snapshot;
  EKC_RETURN_IF_ERROR(ReadSnapshotInto(sequence, &snapshot));
  return snapshot;
}

absl::Status EventLog::ReadSnapshotInto(Sequence sequence,
                                        ekc::v1::RouterSnapshot* snapshot) const {
  const std::string& context = impl_->context;
  if (impl_->snapshots == nullptr) {
    return absl::NotFoundError(fmt::format("{}: no snapshots are stored", context));
  }
  rocksdb::ReadOptions read_options;
  read_options.verify_checksums = true;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->snapshots));
  it->Seek(EncodeSnapshotKey(sequence, 0));
  auto key_is = [&](uint32_t part) {
    if (!it->Valid()) return false;
    absl::StatusOr<SnapshotKey> key = DecodeSnapshotKey(View(it->key()));
    return key.ok() && key->sequence == sequence && key->part == part;
  };
  if (!key_is(0)) {
    EKC_RETURN_IF_ERROR(FromRocksDb(it->status(), context, "read snapshot"));
    return absl::NotFoundError(
        fmt::format("{}: no snapshot of event {} (or its header is missing)", context, sequence));
  }
  absl::StatusOr<ekc::v1::SnapshotHeader> header = DecodeSnapshotHeader(View(it->value()));
  if (!header.ok()) {
    return absl::DataLossError(fmt::format("{}: snapshot of event {}: header: {}", context,
                                           sequence, Message(header.status())));
  }
  if (header->sequence() != sequence.value()) {
    return absl::DataLossError(
        fmt::format("{}: snapshot of event {}: the header says it covers event {}", context,
                    sequence, header->sequence()));
  }
  // The payload is reassembled as the parts are read (an iterator's value is valid only until it
  // moves). At most header->parts() passes, checked against kSnapshotPartsMax by the decoder.
  std::string payload;
  payload.reserve(header->payload_bytes());
  for (uint32_t part = 1; part <= header->parts(); ++part) {
    it->Next();
    if (!key_is(part)) {
      EKC_RETURN_IF_ERROR(FromRocksDb(it->status(), context, "read snapshot"));
      return absl::DataLossError(fmt::format("{}: snapshot of event {}: part {} of {} is missing",
                                             context, sequence, part, header->parts()));
    }
    if (absl::Status status = AppendSnapshotPart(*header, part, View(it->value()), &payload);
        !status.ok()) {
      return absl::DataLossError(fmt::format("{}: {}", context, Message(status)));
    }
  }
  if (absl::Status status = DecodeSnapshotPayload(*header, payload, snapshot); !status.ok()) {
    return absl::DataLossError(fmt::format("{}: {}", context, Message(status)));
  }
  return absl::OkStatus();
}

absl::Status EventLog::Backup(std::string directory, BackupCallback on_done) {
  Impl& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    EKC_RETURN_IF_ERROR(impl.RefuseIfNotWritableLocked("backup"));
    return impl.QueueJobLocked(BackupJob{std::move(directory), std::move(on_done)}, "backup");
  }
}

absl::Status EventLog::DeleteEventsThrough(Sequence through) {
  Impl& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    EKC_RETURN_IF_ERROR(impl.RefuseIfNotWritableLocked("delete events"));
    if (through.value() == 0 || through.value() >= impl.last_appended.value()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: delete events through {}: the log ends at {}, and its last event is always kept",
          impl.context, through, impl.last_appended));
    }
  }
  rocksdb::WriteBatch batch;
  EKC_RETURN_IF_ERROR(
      FromRocksDb(batch.DeleteRange(impl.events, EncodeKey(Sequence(0)), EncodeKey(Next(through))),
                  impl.context, "delete events"));
  if (impl.snapshots != nullptr) {
    // Older snapshots cannot be continued any more: the events after them are gone.
    EKC_RETURN_IF_ERROR(
        FromRocksDb(batch.DeleteRange(impl.snapshots, EncodeSnapshotKey(Sequence(0), 0),
                                      EncodeSnapshotKey(through, 0)),
                    impl.context, "delete snapshots"));
  }
  rocksdb::Status written = impl.db->Write(impl.SyncedWrite(), &batch);
  if (!written.ok()) {
    absl::Status status =
        FromRocksDb(written, impl.context, fmt::format("delete events through {}", through));
    std::lock_guard<std::mutex> lock(impl.mu);
    impl.FailLocked(status);
    return status;
  }
  // Reclaim the space now rather than at some later compaction. Its failure loses nothing.
  const std::string end = EncodeKey(Next(through));
  const rocksdb::Slice end_slice(end);
  impl.db->CompactRange(rocksdb::CompactRangeOptions(), impl.events, nullptr, &end_slice)
      .PermitUncheckedError();
  return absl::OkStatus();
}

absl::Status EventLog::ReadFrom(
    Sequence from, const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const {
  ekc::v1::EventRecord record;
  return ReadRecords(
      from, [&] { return &record; }, visit);
}

namespace {

// Records go from the reading thread to the visiting one in batches; the batches (and the
// records' memory in them) go round between the two, so that a long read allocates little.
class ReadAheadBatches {
 public:
  static constexpr size_t kRecords = 512;
  static constexpr size_t kBatches = 4;

  // Its records are decoded onto its arena, which is reset when the batch goes round again: a
  // record costs no allocation and no free of its own.
  struct Batch {
    google::protobuf::Arena arena;
    std::vector<ekc::v1::EventRecord*> records;
    // The message the next record is decoded into.
    ekc::v1::EventRecord* Slot() {
      records.push_back(google::protobuf::Arena::CreateMessage<ekc::v1::EventRecord>(&arena));
      return records.back();
    }
  };

  ReadAheadBatches() {
    for (Batch& b : batches_) free_.push_back(&b);
  }

  // Reader: an empty batch to fill; nullptr once the visitor stopped.
  Batch* TakeFree() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return stopped_ || !free_.empty(); });
    if (stopped_) return nullptr;
    Batch* b = free_.front();
    free_.pop_front();
    return b;
  }
  void PutFull(Batch* b) {
    std::lock_guard<std::mutex> lock(mu_);
    full_.push_back(b);
    changed_.notify_all();
  }
  void Finish(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    reader_status_ = std::move(status);
    finished_ = true;
    changed_.notify_all();
  }

  // Visitor: the next full batch; nullptr once the reader finished and every batch was taken.
  Batch* TakeFull() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    Batch* b = full_.front();
    full_.pop_front();
    return b;
  }
  void PutFree(Batch* b) {
    b->records.clear();
    b->arena.Reset();
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(b);
    changed_.notify_all();
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    changed_.notify_all();
  }
  absl::Status reader_status() {
    std::lock_guard<std::mutex> lock(mu_);
    return reader_status_;
  }

 private:
  std::array<Batch, kBatches> batches_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch*> free_;
  std::deque<Batch*> full_;
  bool stopped_ = false;
  bool finished_ = false;
  absl::Status reader_status_;
};

}  // namespace

absl::Status EventLog::ReadAheadFrom(
    Sequence from, const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const {
  ReadAheadBatches batches;
  std::thread reader([&] {
    ReadAheadBatches::Batch* batch = nullptr;
    size_t checked = 0;  // records of `batch` decoded and checked (its last slot may not be)
    absl::Status status = ReadRecords(
        from,
        [&]() -> ekc::v1::EventRecord* {
          if (batch == nullptr && (batch = batches.TakeFree()) == nullptr) return nullptr;
          return batch->Slot();
        },
        [&](const ekc::v1::EventRecord&) {
          if (++checked == ReadAheadBatches::kRecords) {
            batches.PutFull(std::exchange(batch, nullptr));
            checked = 0;
          }
          return absl::OkStatus();
        });
    if (batch != nullptr) {
      batch->records.resize(checked);
      if (checked > 0) batches.PutFull(batch);
    }
    batches.Finish(std::move(status));
  });
  absl::Status visited;
  while (ReadAheadBatches::Batch* batch = batches.TakeFull()) {
    for (size_t i = 0; i < batch->records.size() && visited.ok(); ++i) {
      visited = visit(*batch->records[i]);
    }
    batches.PutFree(batch);
    if (!visited.ok()) {
      batches.Stop();
      break;
    }
  }
  reader.join();
  return visited.ok() ? batches.reader_status() : visited;
}

absl::Status EventLog::ReadRecords(
    Sequence from, const std::function<ekc::v1::EventRecord*()>& slot,
    const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const {
  const std::string& context = impl_->context;
  rocksdb::ReadOptions read_options;
  read_options.verify_checksums = true;
  // A replay reads each record once; keep the block cache for the daemon's own reads.
  read_options.fill_cache = false;
  // Without an explicit snapshot an iterator reads the implicit snapshot taken when it is created,
  // so the read sees one consistent prefix even while the writer appends.
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options));
  // The sequence the next record must have; 0 while any first sequence is acceptable (from == 0).
  uint64_t expected = from.value();
  // From 0, start at the very first key rather than at EncodeKey(0), so that a malformed key
  // sorting before every sequence is reported too.
  if (from.value() == 0) {
    it->SeekToFirst();
  } else {
    it->Seek(EncodeKey(from));
  }
  // Bounded by the keys in the snapshot: every pass moves the iterator forward by one.
  for (; it->Valid(); it->Next()) {
    absl::StatusOr<Sequence> key = DecodeKey(View(it->key()));
    if (!key.ok()) {
      const std::string where = expected == 0
                                    ? std::string("the first key")
                                    : fmt::format("the key where sequence {} belongs", expected);
      return absl::DataLossError(
          fmt::format("{}: read: {}: {}", context, where, Message(key.status())));
    }
    const Sequence sequence = *key;
    if (sequence.value() == 0) {
      return absl::DataLossError(
          fmt::format("{}: read: sequence 0 is stored, but sequences start at 1", context));
    }
    if (expected != 0 && sequence.value() != expected) {
      return absl::DataLossError(fmt::format(
          "{}: read: sequence {} is missing (the next stored is {})", context, expected, sequence));
    }
    ekc::v1::EventRecord* const decoded = slot();
    if (decoded == nullptr) return absl::CancelledError("the reader was stopped");
    ekc::v1::EventRecord& record = *decoded;
    if (absl::Status status = DecodeValue(View(it->value()), &record); !status.ok()) {
      return absl::DataLossError(
          fmt::format("{}: read: sequence {}: {}", context, sequence, Message(status)));
    }
    if (record.sequence() != sequence.value()) {
      return absl::DataLossError(
          fmt::format("{}: read: sequence {}: the record stored there says it is sequence {}",
                      context, sequence, record.sequence()));
    }
    if (absl::Status status = visit(record); !status.ok()) return status;
    expected = sequence.value() + 1;
  }
  return FromRocksDb(it->status(), context, "read");
}

}  // namespace ekc::storage
