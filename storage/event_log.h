#pragma once

// EventLog: ekc's append-only event log on RocksDB. It is the product's memory and audit trail: the
// routing state is a fold of its records, rebuilt on every start by reading them back.
//
// Writing. One thread (the core thread) calls Append with records whose sequences continue the log
// without gaps. Append only queues them and returns at once; a single writer thread owned by the
// log takes everything queued since its last write, puts it into one rocksdb::WriteBatch and writes
// it with one sync (group commit). When that write is durable at the configured level the writer
// calls each Append's callback, in append order. Many appends share one fsync; the caller never
// waits for the disk.
//
// Failure is final (style.md rule 6). If a write or sync fails the log enters a failed state: the
// failed group's callbacks and every callback still queued get the error, every later Append is
// refused with it, and health() reports it. Nothing is retried; recovery is a restart and a replay.
//
// Reading. ReadFrom visits stored records in sequence order, checking each one's checksum, its key
// and its continuity. Reading is safe on any thread, also while appends are in flight (it sees some
// prefix).
//
// Snapshots. WriteSnapshot hands the log a snapshot of the routing state (taken on the core thread)
// and returns at once; the log's maintenance thread waits until every event the snapshot covers is
// durable, serializes it and stores it, synced, in its own column family, then keeps the newest
// `snapshots_keep`. A snapshot is therefore never on disk without the events it covers. Recovery
// (storage/recovery.h) starts from the newest one that reads back intact.
//
// Backups and retention. Backup writes a RocksDB checkpoint (a consistent copy of the whole folder,
// hard-linked where it can be) on the maintenance thread. DeleteEventsThrough removes old events
// once an export holds them (storage/retention.h decides when that is allowed).
//
// Read-only. With EventLogOptions::read_only the folder is opened with RocksDB's read-only mode:
// nothing in it is changed (ekcutl audits a stopped daemon's folder or a backup); Append,
// WriteSnapshot, Backup and DeleteEventsThrough answer FAILED_PRECONDITION.
//
// Format: key = the sequence as 8 bytes big-endian; value = a small frame (format version, CRC32C
// of the payload, payload = serialized ekc.v1.EventRecord); snapshots in the column family
// "snapshots" (storage/snapshot_codec.h). docs/event-log-format.md is the reference.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"
#include "ekc/v1/snapshot.pb.h"

#include "base/ids.h"

namespace rocksdb {
class DB;
class Env;
}  // namespace rocksdb

namespace ekc::storage {

enum class Durability {
  kFsync,  // acknowledge after the group's WriteBatch is synced to disk: survives power loss
  kOs,     // acknowledge after the write reached the OS: survives a process crash, not a power loss
};

// A histogram with power-of-two buckets, for metrics: bucket 0 counts zeros, bucket i > 0 counts
// values in [2^(i-1), 2^i); the last bucket also takes everything larger.
struct Histogram {
  static constexpr size_t kBuckets = 40;
  std::array<uint64_t, kBuckets> counts{};
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t max = 0;

  void Add(uint64_t value);
  // An upper bound of the q-quantile (0 < q <= 1): the top of the bucket that holds it; 0 if empty.
  uint64_t Quantile(double q) const;
  double Mean() const {
    return count == 0 ? 0 : static_cast<double>(sum) / static_cast<double>(count);
  }
};

// Counters for metrics and tests. A group is one rocksdb::WriteBatch written with one db->Write
// (and, at Durability::kFsync, one sync); groups that carried only empty Appends are not counted.
struct EventLogStats {
  uint64_t groups_written = 0;         // successful writes
  uint64_t records_written = 0;        // records in those writes
  uint64_t largest_group_records = 0;  // the most records one write carried
  Histogram group_records;             // records per group written
  Histogram group_write_us;            // one group's db->Write, sync included (at kFsync)
  Histogram append_durable_us;         // from Append to its callback, per Append with records
  uint64_t snapshots_written = 0;
  Sequence last_snapshot;              // the newest snapshot written by this process; 0: none
  uint64_t last_snapshot_bytes = 0;    // its serialized size
  int64_t last_snapshot_write_ms = 0;  // serialize + write + sync, on the maintenance thread
};

// A stored snapshot, as its header describes it.
struct SnapshotInfo {
  Sequence sequence;  // the last event it covers
  int64_t written_unix_ms = 0;
  uint64_t payload_bytes = 0;
  uint32_t parts = 0;
  // Not OK when part 0 is missing or damaged: the fields above are then unknown. Such a snapshot is
  // listed so that verify can report it; recovery skips it.
  absl::Status header_status;
};

struct BackupResult {
  std::string directory;
  Sequence durable_at_start;  // every event up to this one is in the backup (later ones may be too)
  int64_t took_ms = 0;
};

struct EventLogOptions {
  std::string path;  // the RocksDB folder; created if missing
  Durability durability = Durability::kFsync;
  // Records queued and not yet written, at most. Append answers RESOURCE_EXHAUSTED past it; callers
  // check HasRoomFor first so that they never decide what they cannot log.
  size_t pending_records_max = 1 << 16;
  // For tests: a RocksDB Env wrapping a fault-injecting file system. Not owned; outlives the log.
  rocksdb::Env* env = nullptr;
  // Open without changing anything in the folder (RocksDB's read-only mode); the folder must exist.
  bool read_only = false;
  // Snapshots kept once a new one is stored: the newest ones. At least 1.
  uint32_t snapshots_keep = 3;
};

// Snapshots and backups waiting for (or on) the maintenance thread, at most.
inline constexpr size_t kMaintenanceJobsMax = 4;

class EventLog {
 public:
  // Called on the writer thread once the records of one Append are durable (status OK, `last` is
  // the sequence of its last record; for an empty Append, last_sequence() when it was appended) or
  // can never be acknowledged (the log's terminal error). Must not block; post to the core instead.
  // May be empty (nobody is told). An error means "not acknowledged", not "not written": the
  // records may still be found after a restart, and the replay is then the truth.
  using DurableCallback = std::function<void(Sequence last, const absl::Status& status)>;

  // Opens or creates the log. Recovers the last stored sequence. Errors: the options are invalid
  // (INVALID_ARGUMENT), the folder cannot be opened (another process holds it, permissions,
  // corruption RocksDB detects), or the last key is not a sequence (DATA_LOSS).
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const EventLogOptions& options);

  // Writes everything already appended (calling its callbacks), then stops the writer thread and
  // closes the database. At Durability::kOs it syncs the write-ahead log once before closing, so
  // that a clean shutdown is as safe as kFsync. Not concurrently with Append.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues records for the next group. Their sequences must be last_sequence()+1, +2, … (a caller
  // bug otherwise: EKC_CHECK). Empty `records` is allowed: the callback fires once everything
  // appended before it is durable, which lets a caller wait for "all so far"; it always fires on
  // the writer thread, never inside Append. Errors: the log has failed (its terminal error), or the
  // queue is full (RESOURCE_EXHAUSTED); the callback is then not called and last_sequence() does
  // not move. Core thread only (one appending thread).
  absl::Status Append(std::vector<ekc::v1::EventRecord> records, DurableCallback on_durable);

  // True when `n` more records fit in the pending queue. Records count against the bound from
  // Append until their group's write has finished, so memory stays below pending_records_max
  // records even while a write is in flight. Says nothing about health(). Core thread only.
  bool HasRoomFor(size_t n) const;

  // The last sequence appended (queued or durable). 0 for an empty log.
  Sequence last_sequence() const;
  // The last sequence known durable.
  Sequence durable_sequence() const;
  // OK, or the terminal error after a failed write. last_sequence(), durable_sequence(), health()
  // and stats() are safe on any thread.
  absl::Status health() const;
  EventLogStats stats() const;

  // Visits every stored record with sequence >= from, in order, until the end or until `visit`
  // returns an error (which ReadFrom returns). A record that fails its checksum, does not decode,
  // or whose key disagrees with its sequence or breaks continuity ends the read with DATA_LOSS
  // naming the sequence. Continuity: each record's sequence is the previous one's + 1, and for from
  // > 0 the first record visited is `from` itself unless the log ends before it. With from == 0 the
  // first stored record may have any sequence (older records may have been removed by retention).
  // The read sees one consistent snapshot taken when it starts; records appended during the read
  // are not visited.
  absl::Status ReadFrom(
      Sequence from, const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const;
  // ReadFrom with the reading, checking and decoding done on a thread of its own, some thousand
  // records ahead of `visit`, which runs on the calling thread, in order. A replay then takes as
  // long as the slower of reading and applying rather than their sum. The same checks and errors;
  // `visit` is not called after it returned an error.
  absl::Status ReadAheadFrom(
      Sequence from, const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const;

  // The first stored sequence (1 unless retention removed older events), 0 for an empty log. Any
  // thread.
  absl::StatusOr<Sequence> FirstSequence() const;

  // --- Snapshots ---

  // Called on the maintenance thread once the snapshot is stored and synced (OK), or when it never
  // will be (the log failed or closed first, or its write failed). Must not block.
  using SnapshotCallback = std::function<void(Sequence sequence, const absl::Status& status)>;

  // Queues `snapshot` (a state whose last_sequence has been appended) to be stored once its events
  // are durable. Returns at once. Errors: read-only (FAILED_PRECONDITION), the log has failed (its
  // error), the snapshot covers nothing or more than was appended (INVALID_ARGUMENT), or
  // kMaintenanceJobsMax jobs are waiting (RESOURCE_EXHAUSTED); `on_written` is then not called. A
  // failed write of a snapshot is a failed write of the log: the log enters its failed state.
  absl::Status WriteSnapshot(ekc::v1::RouterSnapshot snapshot, SnapshotCallback on_written);
  // True while a snapshot (or a backup) is queued or being written. Any thread.
  bool snapshot_pending() const;

  // Every stored snapshot, newest first, with what its header says (not checking its parts: see
  // ReadSnapshot). Any thread.
  absl::StatusOr<std::vector<SnapshotInfo>> ListSnapshots() const;
  // Reads the snapshot covering `sequence` and checks its header, every part's checksum, the
  // payload's checksum and that it parses; DATA_LOSS naming what is wrong, NOT_FOUND if there is
  // none. Does not check that the state inside is consistent (router::RouterState::FromSnapshot
  // does). Any thread.
  absl::StatusOr<ekc::v1::RouterSnapshot> ReadSnapshot(Sequence sequence) const;
  // The same into `*snapshot` (replacing its contents), which may live on a protobuf Arena: a large
  // state then parses and frees without one allocation per field (recovery does this).
  absl::Status ReadSnapshotInto(Sequence sequence, ekc::v1::RouterSnapshot* snapshot) const;

  // --- Backup and retention ---

  using BackupCallback = std::function<void(const absl::StatusOr<BackupResult>& result)>;
  // Writes a RocksDB checkpoint of the whole log (events and snapshots) into `directory`, which
  // must not exist yet and must be on the same file system to be hard-linked (else it is copied),
  // on the maintenance thread; the copy is a log folder ekcd can start on. Errors as WriteSnapshot.
  absl::Status Backup(std::string directory, BackupCallback on_done);

  // Deletes the stored events first..`through` and every snapshot older than `through`. Only
  // storage/retention.h's Prune calls this, after checking an export holds those events and a
  // snapshot covers them. Errors: read-only, `through` is not below the last sequence (the newest
  // event is always kept), or the write fails (the log then fails). Not while appending.
  absl::Status DeleteEventsThrough(Sequence through);

 private:
  struct Impl;
  explicit EventLog(std::unique_ptr<Impl> impl);
  // ReadFrom, decoding each record into the message `slot` gives (nullptr: stop, CANCELLED).
  absl::Status ReadRecords(
      Sequence from, const std::function<ekc::v1::EventRecord*()>& slot,
      const std::function<absl::Status(const ekc::v1::EventRecord&)>& visit) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ekc::storage
