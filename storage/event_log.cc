#include "storage/event_log.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/check.h"
#include "base/ids.h"
#include "storage/record_codec.h"

namespace ekc::storage {
namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

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
  db_options.create_if_missing = true;
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
void CloseDb(std::unique_ptr<rocksdb::DB> db) {
  if (db == nullptr) return;
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
struct PendingAppend {
  std::vector<ekc::v1::EventRecord> records;
  EventLog::DurableCallback on_durable;
  Sequence last;  // its last record's sequence; for an empty Append, last_sequence() at the time
};

struct EventLog::Impl {
  Impl(const EventLogOptions& options_in, std::unique_ptr<rocksdb::DB> db_in, Sequence last)
      : options(options_in),
        context(fmt::format("event log {}", options_in.path)),
        db(std::move(db_in)),
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
    bool sync_on_close = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      sync_on_close = options.durability == Durability::kOs && failure.ok();
    }
    // At kOs the write-ahead log sits in the OS page cache; one sync at a clean shutdown costs
    // little. Its failure cannot be reported to anyone: every callback has already been called.
    if (sync_on_close) db->SyncWAL().PermitUncheckedError();
    CloseDb(std::move(db));
  }

  void StartWriter() {
    writer = std::thread([this] { WriterLoop(); });
    // Visible in top, gdb and crash reports; a failure to name the thread changes nothing.
    pthread_setname_np(writer.native_handle(), "ekc-log-writer");
  }

  // Both bounds of the pending queue: records (the memory that matters) and Appends (so that empty
  // Appends, which carry no records, cannot grow the queue without limit either).
  bool HasRoomLocked(size_t records) const {
    return records <= options.pending_records_max - unwritten_records &&
           unwritten_appends < options.pending_records_max;
  }

  void WriterLoop();
  absl::Status WriteGroup(const std::deque<PendingAppend>& group, size_t records);

  const EventLogOptions options;
  const std::string context;  // "event log <path>", the prefix of every error
  std::unique_ptr<rocksdb::DB> db;

  mutable std::mutex mu;
  std::condition_variable work_ready;  // the writer waits for pending Appends or stopping
  // Guarded by mu.
  std::deque<PendingAppend> pending;  // appended, not yet taken by the writer
  size_t unwritten_records = 0;       // records in `pending` and in the group being written
  size_t unwritten_appends = 0;       // Appends in `pending` and in the group being written
  Sequence last_appended;             // the last sequence accepted by Append
  absl::Status failure;               // the terminal error; OK until a write fails
  bool stopping = false;              // the destructor runs: drain `pending`, then exit
  EventLogStats stats;

  // Copies of last_appended and of the durable sequence for lock-free reads from any thread.
  std::atomic<uint64_t> last_appended_value;
  std::atomic<uint64_t> durable_value;

  std::thread writer;
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
    if (status.ok() && records > 0) status = WriteGroup(group, records);
    // The records are in RocksDB (or never will be); free them before they stop counting against
    // pending_records_max.
    for (PendingAppend& append : group) std::vector<ekc::v1::EventRecord>().swap(append.records);

    lock.lock();
    if (status.ok()) {
      if (records > 0) {
        ++stats.groups_written;
        stats.records_written += records;
        if (records > stats.largest_group_records) stats.largest_group_records = records;
      }
      // Before the callbacks, so that a callback sees durable_sequence() >= its `last`.
      durable_value.store(group.back().last.value(), std::memory_order_release);
    } else if (failure.ok()) {
      failure = status;
    }
    unwritten_records -= records;
    unwritten_appends -= group.size();
    lock.unlock();

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
      if (absl::Status status = FromRocksDb(batch.Put(EncodeKey(sequence), value), context,
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

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const EventLogOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("event log: open: the path is empty");
  }
  const std::string context = fmt::format("event log {}", options.path);
  if (options.pending_records_max == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: open: pending_records_max must be at least 1", context));
  }
  rocksdb::DB* raw_db = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(MakeDbOptions(options), options.path, &raw_db);
  std::unique_ptr<rocksdb::DB> db(raw_db);
  if (absl::Status status = FromRocksDb(opened, context, "open"); !status.ok()) {
    CloseDb(std::move(db));
    return status;
  }
  absl::StatusOr<Sequence> last = RecoverLastSequence(*db, context);
  if (!last.ok()) {
    CloseDb(std::move(db));
    return last.status();
  }
  auto impl = std::make_unique<Impl>(options, std::move(db), *last);
  impl->StartWriter();
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventLog::~EventLog() = default;

absl::Status EventLog::Append(std::vector<ekc::v1::EventRecord> records,
                              DurableCallback on_durable) {
  Impl& impl = *impl_;
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    EKC_CHECK(!impl.stopping);
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
    impl.pending.push_back(PendingAppend{std::move(records), std::move(on_durable), last});
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

absl::Status EventLog::ReadFrom(
    Sequence from, const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const {
  const std::string& context = impl_->context;
  rocksdb::ReadOptions read_options;
  read_options.verify_checksums = true;
  // A replay reads each record once; keep the block cache for the daemon's own reads.
  read_options.fill_cache = false;
  // Without an explicit snapshot an iterator reads the implicit snapshot taken when it is created,
  // so the read sees one consistent prefix even while the writer appends.
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options));
  ekc::v1::EventRecord record;
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
