#include "tests/storage/event_log_test_util.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/events.pb.h"

#include "base/ids.h"
#include "storage/event_log.h"

namespace ekc::storage::testing {
namespace {

// A fixed epoch for record times: tests never read a real clock.
constexpr int64_t kBaseTimeUnixMs = 1'700'000'000'000;

// Opens the folder with every column family it has; `change` gets the DB and the handles by name.
absl::Status WithRawDb(
    const std::string& path,
    const std::function<rocksdb::Status(
        rocksdb::DB&, std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>& change) {
  std::vector<std::string> names;
  rocksdb::Status status = rocksdb::DB::ListColumnFamilies(rocksdb::Options(), path, &names);
  if (!status.ok()) names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::Options options;
  options.create_if_missing = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::Open(options, path, families, &handles, &raw);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (size_t i = 0; i < handles.size(); ++i) by_name[names[i]] = handles[i];
  if (status.ok()) status = change(*db, by_name);
  if (db != nullptr) {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    const rocksdb::Status closed = db->Close();
    if (status.ok()) status = closed;
  }
  if (!status.ok()) return absl::InternalError(fmt::format("raw {}: {}", path, status.ToString()));
  return absl::OkStatus();
}

rocksdb::Status PutIn(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, const std::string& key,
                      const std::string& value) {
  if (family == nullptr) return rocksdb::Status::NotFound("no such column family");
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return db.Put(sync, family, key, value);
}

rocksdb::Status DeleteIn(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
                         const std::string& key) {
  if (family == nullptr) return rocksdb::Status::NotFound("no such column family");
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return db.Delete(sync, family, key);
}

}  // namespace

ekc::v1::EventRecord MakeRecord(uint64_t sequence) {
  ekc::v1::EventRecord record;
  record.set_sequence(sequence);
  record.set_time_unix_ms(kBaseTimeUnixMs + static_cast<int64_t>(sequence) * 1000);
  record.set_operator_id(fmt::format("op-{}", sequence));
  record.mutable_operator_logged_in()->set_name(fmt::format("Оператор {}", sequence));
  record.mutable_operator_logged_in()->set_region("77");
  return record;
}

std::vector<ekc::v1::EventRecord> MakeRecords(uint64_t first, size_t count) {
  std::vector<ekc::v1::EventRecord> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) records.push_back(MakeRecord(first + i));
  return records;
}

bool IsMadeRecord(const ekc::v1::EventRecord& record) {
  const ekc::v1::EventRecord expected = MakeRecord(record.sequence());
  return record.SerializeAsString() == expected.SerializeAsString();
}

EventLog::DurableCallback CallbackRecorder::Callback() {
  return [this](Sequence last, const absl::Status& status) {
    // Notify under the lock: a waiter that sees its count may destroy the recorder as soon as it
    // holds the mutex, which must not be before notify_all has returned.
    std::lock_guard<std::mutex> lock(mu_);
    notices_.push_back(DurableNotice{last, status});
    called_.notify_all();
  };
}

bool CallbackRecorder::WaitFor(size_t count) {
  std::unique_lock<std::mutex> lock(mu_);
  return called_.wait_for(lock, kWaitMax, [&] { return notices_.size() >= count; });
}

std::vector<DurableNotice> CallbackRecorder::notices() const {
  std::lock_guard<std::mutex> lock(mu_);
  return notices_;
}

absl::Status AppendAndWait(EventLog& log, std::vector<ekc::v1::EventRecord> records) {
  CallbackRecorder recorder;
  if (absl::Status status = log.Append(std::move(records), recorder.Callback()); !status.ok()) {
    return status;
  }
  if (!recorder.WaitFor(1)) return absl::DeadlineExceededError("durable callback never came");
  return recorder.notices().front().status;
}

absl::StatusOr<std::vector<uint64_t>> ReadSequences(const EventLog& log, Sequence from) {
  std::vector<uint64_t> sequences;
  absl::Status status = log.ReadFrom(from, [&](const ekc::v1::EventRecord& record) {
    if (!IsMadeRecord(record)) {
      return absl::InternalError(fmt::format("record {} has other contents", record.sequence()));
    }
    sequences.push_back(record.sequence());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return sequences;
}

std::vector<uint64_t> Iota(uint64_t n) {
  std::vector<uint64_t> values;
  values.reserve(n);
  for (uint64_t i = 1; i <= n; ++i) values.push_back(i);
  return values;
}

absl::Status RawPut(const std::string& path, const std::string& key, const std::string& value) {
  return WithRawDb(path, [&](rocksdb::DB& db, auto& families) {
    return PutIn(db, families[rocksdb::kDefaultColumnFamilyName], key, value);
  });
}

absl::Status RawDelete(const std::string& path, const std::string& key) {
  return WithRawDb(path, [&](rocksdb::DB& db, auto& families) {
    return DeleteIn(db, families[rocksdb::kDefaultColumnFamilyName], key);
  });
}

absl::Status RawPutSnapshot(const std::string& path, const std::string& key,
                            const std::string& value) {
  return WithRawDb(path, [&](rocksdb::DB& db, auto& families) {
    return PutIn(db, families["snapshots"], key, value);
  });
}

absl::Status RawDeleteSnapshot(const std::string& path, const std::string& key) {
  return WithRawDb(path, [&](rocksdb::DB& db, auto& families) {
    return DeleteIn(db, families["snapshots"], key);
  });
}

absl::StatusOr<std::string> RawGetSnapshot(const std::string& path, const std::string& key) {
  std::string value;
  absl::Status status = WithRawDb(path, [&](rocksdb::DB& db, auto& families) {
    if (families["snapshots"] == nullptr) return rocksdb::Status::NotFound("no snapshots");
    return db.Get(rocksdb::ReadOptions(), families["snapshots"], key, &value);
  });
  if (!status.ok()) return status;
  return value;
}

}  // namespace ekc::storage::testing
