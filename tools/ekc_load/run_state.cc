#include "tools/ekc_load/run_state.h"

namespace ekc::load {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t SystemNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t ContactTable::Add(int64_t intended_ns) {
  std::lock_guard lock(mu_);
  if (size_ == chunks_.size() * kChunk) {
    chunks_.push_back(std::make_unique<ContactRecord[]>(kChunk));
  }
  const uint64_t seq = size_++;
  AtLocked(seq).intended_ns = intended_ns;
  return seq;
}

ContactRecord& ContactTable::AtLocked(uint64_t seq) { return chunks_[seq / kChunk][seq % kChunk]; }

int32_t ContactTable::QueueIndex(const std::string& name) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = queue_index_.emplace(name, static_cast<int32_t>(queue_names_.size()));
  if (inserted) queue_names_.push_back(name);
  return it->second;
}

std::vector<std::string> ContactTable::queues() const {
  std::lock_guard lock(mu_);
  return queue_names_;
}

uint64_t ContactTable::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

std::vector<ContactRecord> ContactTable::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<ContactRecord> out;
  out.reserve(size_);
  for (uint64_t seq = 0; seq < size_; ++seq) out.push_back(chunks_[seq / kChunk][seq % kChunk]);
  return out;
}

void RunMetrics::Record(Latency kind, int64_t micros) {
  std::lock_guard lock(mu_);
  histograms_[static_cast<int>(kind)].Record(static_cast<uint64_t>(std::max<int64_t>(0, micros)));
}

LatencyHistogram RunMetrics::Histogram(Latency kind) const {
  std::lock_guard lock(mu_);
  return histograms_[static_cast<int>(kind)];
}

void RunMetrics::Error(const std::string& what) {
  std::lock_guard lock(mu_);
  ++errors_;
  if (error_examples_.size() < kErrorExamplesMax) error_examples_.push_back(what);
}

uint64_t RunMetrics::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::vector<std::string> RunMetrics::error_examples() const {
  std::lock_guard lock(mu_);
  return error_examples_;
}

void RunMetrics::Count(const std::string& name, uint64_t n) {
  std::lock_guard lock(mu_);
  counters_[name] += n;
}

std::map<std::string, uint64_t> RunMetrics::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

uint64_t RunMetrics::Counter(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

void RunMetrics::Resolved() {
  {
    std::lock_guard lock(mu_);
    ++resolved_;
  }
  resolved_changed_.notify_all();
}

uint64_t RunMetrics::resolved() const {
  std::lock_guard lock(mu_);
  return resolved_;
}

bool RunMetrics::WaitResolved(uint64_t target,
                              std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  return resolved_changed_.wait_until(lock, deadline, [&] { return resolved_ >= target; });
}

}  // namespace ekc::load
