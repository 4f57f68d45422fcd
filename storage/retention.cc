#include "storage/retention.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ekc/v1/log_storage.pb.h"

#include "base/absl_fmt.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "storage/crc32c.h"
#include "storage/record_codec.h"

namespace ekc::storage {
namespace {

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  const int error = errno;
  std::string message = fmt::format("{}: {}: {}", path, what, std::strerror(error));
  if (error == ENOSPC) return absl::ResourceExhaustedError(std::move(message));
  if (error == EEXIST) return absl::AlreadyExistsError(std::move(message));
  if (error == ENOENT) return absl::NotFoundError(std::move(message));
  return absl::UnavailableError(std::move(message));
}

// A file written from start to end, then synced; closed on destruction.
class OutFile {
 public:
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Create(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) return ErrnoError("create", path);
    return absl::OkStatus();
  }
  absl::Status Write(std::string_view data) {
    buffer_.append(data);
    if (buffer_.size() >= kBufferBytes) return Flush();
    return absl::OkStatus();
  }
  absl::Status Entry(std::string_view frame) {
    char length[4];
    const auto size = static_cast<uint32_t>(frame.size());
    for (int i = 0; i < 4; ++i) length[i] = static_cast<char>((size >> (8 * i)) & 0xFFu);
    EKC_RETURN_IF_ERROR(Write(std::string_view(length, 4)));
    return Write(frame);
  }
  absl::Status Flush() {
    size_t done = 0;
    // Bounded by the buffer: each pass writes at least one byte or returns.
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoError("write", path_);
      done += static_cast<size_t>(n);
      bytes_ += static_cast<uint64_t>(n);
    }
    buffer_.clear();
    return absl::OkStatus();
  }
  // A failed fsync is final here too: the export is abandoned, never retried (style.md rule 6).
  absl::Status Sync() {
    EKC_RETURN_IF_ERROR(Flush());
    if (::fsync(fd_) != 0) return ErrnoError("fsync", path_);
    return absl::OkStatus();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t bytes_ = 0;
};

absl::Status SyncFolderOf(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open its folder", path);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return ErrnoError("fsync its folder", path);
  return absl::OkStatus();
}

// Reads entries of an export file one by one.
class ExportReader {
 public:
  ~ExportReader() {
    if (file_ != nullptr) std::fclose(file_);
  }
  absl::Status Open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) return ErrnoError("open", path);
    std::error_code ec;
    remaining_ = std::filesystem::file_size(path, ec);
    if (ec) return absl::UnavailableError(fmt::format("{}: size: {}", path, ec.message()));
    char magic[kExportMagic.size()];
    remaining_ -= std::min<uint64_t>(remaining_, sizeof(magic));
    if (std::fread(magic, 1, sizeof(magic), file_) != sizeof(magic) ||
        std::string_view(magic, sizeof(magic)) != kExportMagic) {
      return absl::DataLossError(fmt::format(
          "{}: not an ekc export file (it does not start with {})", path, kExportMagic));
    }
    return absl::OkStatus();
  }
  // The payload of the next entry's frame (valid until the next call); `value` is the whole frame.
  absl::StatusOr<std::string_view> Next(std::string_view what, std::string_view* value) {
    unsigned char length[4];
    if (std::fread(length, 1, 4, file_) != 4) {
      return absl::DataLossError(fmt::format("{}: ends before {} (truncated?)", path_, what));
    }
    uint32_t size = 0;
    for (int i = 3; i >= 0; --i) size = (size << 8) | length[i];
    remaining_ -= std::min<uint64_t>(remaining_, 4);
    // A damaged length must not make the reader allocate what the file does not hold.
    if (size > kExportFrameBytesMax || size > remaining_) {
      return absl::DataLossError(fmt::format("{}: {}: a frame of {} bytes, but {} bytes are left",
                                             path_, what, size, remaining_));
    }
    remaining_ -= size;
    frame_.resize(size);
    if (size > 0 && std::fread(frame_.data(), 1, size, file_) != size) {
      return absl::DataLossError(fmt::format("{}: ends inside {} (truncated?)", path_, what));
    }
    *value = frame_;
    absl::StatusOr<std::string_view> payload = DecodeFrame(frame_);
    if (!payload.ok()) {
      return absl::DataLossError(
          fmt::format("{}: {}: {}", path_, what, payload.status().message()));
    }
    return payload;
  }
  bool AtEnd() { return std::fgetc(file_) == EOF; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t remaining_ = 0;  // bytes of the file not read yet
  std::string frame_;
};

}  // namespace

absl::StatusOr<ExportSummary> ExportEvents(const EventLog& log, Sequence through,
                                           const std::string& path) {
  absl::StatusOr<Sequence> first = log.FirstSequence();
  if (!first.ok()) return first.status();
  if (first->value() == 0 || through < *first || through > log.last_sequence()) {
    return absl::InvalidArgumentError(
        fmt::format("export through event {}: the log holds events {}..{}", through, first->value(),
                    log.last_sequence()));
  }
  if (through.value() - first->value() + 1 > kExportRecordsMax) {
    return absl::InvalidArgumentError(
        fmt::format("export: at most {} events in one file", kExportRecordsMax));
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return absl::AlreadyExistsError(fmt::format("{}: exists already", path));
  }
  const std::string temporary = path + ".partial";
  std::filesystem::remove(temporary, ec);
  OutFile out;
  EKC_RETURN_IF_ERROR(out.Create(temporary));
  ekc::v1::ExportHeader header;
  header.set_first_sequence(first->value());
  header.set_last_sequence(through.value());
  header.set_created_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
  EKC_RETURN_IF_ERROR(out.Write(kExportMagic));
  EKC_RETURN_IF_ERROR(out.Entry(EncodeFrame(header.SerializeAsString())));
  uint64_t records = 0;
  uint32_t crc = 0;
  std::string value;
  // The stop signal: ReadFrom ends the read when the visitor returns an error.
  const absl::Status kDone = absl::CancelledError("export: done");
  absl::Status read = log.ReadFrom(*first, [&](const ekc::v1::EventRecord& record) {
    EKC_RETURN_IF_ERROR(EncodeValueTo(record, &value));
    EKC_RETURN_IF_ERROR(out.Entry(value));
    crc = crc32c::Extend(crc, value);
    ++records;
    if (record.sequence() == through.value()) return kDone;
    return absl::OkStatus();
  });
  if (read != kDone) {
    std::filesystem::remove(temporary, ec);
    if (read.ok()) {
      return absl::DataLossError(fmt::format("export: the log ended before event {}", through));
    }
    return read;
  }
  ekc::v1::ExportFooter footer;
  footer.set_first_sequence(first->value());
  footer.set_last_sequence(through.value());
  footer.set_records(records);
  footer.set_values_crc32c(crc);
  absl::Status written = out.Entry(EncodeFrame(footer.SerializeAsString()));
  if (written.ok()) written = out.Sync();
  if (!written.ok()) {
    std::filesystem::remove(temporary, ec);
    return written;
  }
  const uint64_t bytes = out.bytes();
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("{}: rename from {}: {}", path, temporary, ec.message()));
  }
  EKC_RETURN_IF_ERROR(SyncFolderOf(path));
  return ExportSummary{*first, through, records, bytes};
}

absl::StatusOr<ExportSummary> ReadExport(
    const std::string& path,
    const std::function<absl::Status(const ekc::v1::EventRecord& record, std::string_view value)>&
        visit) {
  ExportReader reader;
  EKC_RETURN_IF_ERROR(reader.Open(path));
  std::string_view value;
  absl::StatusOr<std::string_view> payload = reader.Next("the header", &value);
  if (!payload.ok()) return payload.status();
  ekc::v1::ExportHeader header;
  if (!header.ParseFromArray(payload->data(), static_cast<int>(payload->size())) ||
      header.first_sequence() == 0 || header.last_sequence() < header.first_sequence() ||
      header.last_sequence() - header.first_sequence() >= kExportRecordsMax) {
    return absl::DataLossError(fmt::format("{}: the header is not a range of events", path));
  }
  ekc::v1::EventRecord record;
  uint32_t crc = 0;
  // Bounded by the header's range, itself at most kExportRecordsMax.
  for (uint64_t sequence = header.first_sequence(); sequence <= header.last_sequence();
       ++sequence) {
    const std::string what = fmt::format("event {}", sequence);
    payload = reader.Next(what, &value);
    if (!payload.ok()) return payload.status();
    if (absl::Status decoded = DecodeValue(value, &record); !decoded.ok()) {
      return absl::DataLossError(fmt::format("{}: {}: {}", path, what, decoded.message()));
    }
    if (record.sequence() != sequence) {
      return absl::DataLossError(
          fmt::format("{}: {}: the record says it is event {}", path, what, record.sequence()));
    }
    crc = crc32c::Extend(crc, value);
    if (visit) EKC_RETURN_IF_ERROR(visit(record, value));
  }
  payload = reader.Next("the footer", &value);
  if (!payload.ok()) return payload.status();
  ekc::v1::ExportFooter footer;
  const uint64_t records = header.last_sequence() - header.first_sequence() + 1;
  if (!footer.ParseFromArray(payload->data(), static_cast<int>(payload->size())) ||
      footer.first_sequence() != header.first_sequence() ||
      footer.last_sequence() != header.last_sequence() || footer.records() != records ||
      footer.values_crc32c() != crc) {
    return absl::DataLossError(
        fmt::format("{}: the footer does not match the events before it", path));
  }
  if (!reader.AtEnd()) {
    return absl::DataLossError(fmt::format("{}: bytes after the footer", path));
  }
  std::error_code ec;
  const uint64_t bytes = std::filesystem::file_size(path, ec);
  return ExportSummary{Sequence(header.first_sequence()), Sequence(header.last_sequence()), records,
                       bytes};
}

absl::StatusOr<ExportSummary> Prune(
    EventLog& log, const std::string& path,
    const std::function<absl::Status(const ekc::v1::RouterSnapshot&)>& accept_snapshot) {
  absl::StatusOr<Sequence> first = log.FirstSequence();
  if (!first.ok()) return first.status();
  // The file's records from the log's first on, each as (size, CRC32C) of its stored value: 8 bytes
  // an event, so that the comparison below stays small however large the range.
  std::vector<uint64_t> file_values;
  absl::StatusOr<ExportSummary> summary =
      ReadExport(path, [&](const ekc::v1::EventRecord& record, std::string_view value) {
        if (record.sequence() < first->value()) return absl::OkStatus();  // pruned already
        if (record.sequence() > log.last_sequence().value()) {
          return absl::DataLossError(fmt::format("{}: event {} is not in the log (it ends at {})",
                                                 path, record.sequence(), log.last_sequence()));
        }
        file_values.push_back(uint64_t{value.size()} << 32 | crc32c::Value(value));
        return absl::OkStatus();
      });
  if (!summary.ok()) return summary.status();
  if (summary->first > *first) {
    return absl::FailedPreconditionError(fmt::format(
        "{} starts at event {} but the log starts at {}: events {}..{} were not exported", path,
        summary->first, *first, *first, summary->first.value() - 1));
  }
  if (summary->last < *first) {
    return absl::FailedPreconditionError(fmt::format(
        "{} holds events {}..{}, which were pruned already", path, summary->first, summary->last));
  }
  if (summary->last >= log.last_sequence()) {
    return absl::FailedPreconditionError(fmt::format(
        "{} holds the log's newest event {}; the newest event is always kept: export through an "
        "earlier one",
        path, log.last_sequence()));
  }
  // What will be deleted must be what the file holds: the same value, event by event.
  std::string value;
  size_t checked = 0;
  const absl::Status kDone = absl::CancelledError("prune: compared");
  absl::Status read = log.ReadFrom(*first, [&](const ekc::v1::EventRecord& record) {
    EKC_RETURN_IF_ERROR(EncodeValueTo(record, &value));
    if ((uint64_t{value.size()} << 32 | crc32c::Value(value)) != file_values[checked]) {
      return absl::DataLossError(
          fmt::format("{}: event {} differs from the one in the log", path, record.sequence()));
    }
    ++checked;
    if (checked == file_values.size()) return kDone;
    return absl::OkStatus();
  });
  if (read != kDone) {
    if (read.ok()) return absl::DataLossError("prune: the log ended before the export did");
    return read;
  }
  // A snapshot at or after the export's last event must be usable, or nothing could start again.
  absl::StatusOr<std::vector<SnapshotInfo>> snapshots = log.ListSnapshots();
  if (!snapshots.ok()) return snapshots.status();
  std::string why_not;
  bool covered = false;
  for (const SnapshotInfo& info : *snapshots) {
    if (info.sequence < summary->last || !info.header_status.ok()) continue;
    absl::StatusOr<ekc::v1::RouterSnapshot> snapshot = log.ReadSnapshot(info.sequence);
    absl::Status usable = snapshot.ok() ? accept_snapshot(*snapshot) : snapshot.status();
    if (usable.ok()) {
      covered = true;
      break;
    }
    why_not += fmt::format("; snapshot of event {}: {}", info.sequence, usable.message());
  }
  if (!covered) {
    return absl::FailedPreconditionError(fmt::format(
        "no usable snapshot covers event {}{}: take one (Admin.TakeSnapshot, or let ekcd run until "
        "its next) before pruning",
        summary->last, why_not));
  }
  EKC_RETURN_IF_ERROR(log.DeleteEventsThrough(summary->last));
  return summary;
}

}  // namespace ekc::storage
