#pragma once

// What the citizens and the operators of one run share: the record of every contact (ContactTable),
// the latency histograms and counters (RunMetrics), and the notification that a contact is
// resolved.
//
// Contacts are known by their *sequence* in the run (0, 1, 2, … in submission order), which travels
// with the contact as the attribute kSequenceAttribute: an operator may receive the offer of a
// contact before its submitter has the SubmitContact answer (ekcd releases both once the events are
// durable), so the contact id cannot be the key.
//
// Times: latencies on the steady clock (ns); the stamps compared with ekcd's are on the system
// clock (µs since the epoch), because ekcd stamps its events with the wall clock.
//
// Threads: every method locks; callers are gRPC callbacks, the scheduler and the pacing thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tools/ekc_load/histogram.h"

namespace ekc::load {

inline constexpr char kSequenceAttribute[] = "ekc_load_seq";
// Kept error messages, for the report: the first few say what went wrong.
inline constexpr size_t kErrorExamplesMax = 5;

int64_t SteadyNowNs();
int64_t SystemNowUs();

enum class ContactPhase : uint8_t {
  kSending,    // SubmitContact on its way
  kQueued,     // acknowledged
  kFailed,     // SubmitContact failed: resolved, not counted as a contact
  kCompleted,  // the operator's Complete was acknowledged: resolved
  kAbandoned,  // CancelContact answered ABANDONED: resolved
};

struct ContactRecord {
  uint64_t contact_id = 0;
  int64_t intended_ns = 0;  // steady: when it should have been sent (open loop), or was (closed)
  int64_t sent_us = 0;      // system: SubmitContact sent
  int64_t acked_us = 0;     // system: its answer received
  int64_t offered_ns = 0;   // steady: the first offer reached an operator
  int64_t accept_sent_us = 0;
  int64_t assigned_us = 0;  // the Assignment (answer to Accept) received
  int64_t cancel_sent_us = 0;
  int64_t cancel_acked_us = 0;
  int64_t resolved_ns = 0;
  int32_t queue = -1;  // index into ContactTable::queues()
  ContactPhase phase = ContactPhase::kSending;
  bool accept_sent = false;
  bool answered = false;  // an Assignment arrived
};

// A run's contacts, by sequence. Storage grows in chunks so that records never move.
class ContactTable {
 public:
  // Adds a record; returns its sequence.
  uint64_t Add(int64_t intended_ns);
  // Runs f(record) under the table's lock; f must be short. The sequence must have been added.
  template <typename F>
  auto Update(uint64_t seq, F&& f) {
    std::lock_guard lock(mu_);
    return f(AtLocked(seq));
  }
  // Interns a queue name; returns its index.
  int32_t QueueIndex(const std::string& name);
  std::vector<std::string> queues() const;
  uint64_t size() const;
  // A copy of every record, for the report.
  std::vector<ContactRecord> Snapshot() const;

 private:
  static constexpr size_t kChunk = 4096;
  ContactRecord& AtLocked(uint64_t seq);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ContactRecord[]>> chunks_;
  uint64_t size_ = 0;
  std::map<std::string, int32_t> queue_index_;
  std::vector<std::string> queue_names_;
};

// Counters and histograms of one run. Histograms are in microseconds.
class RunMetrics {
 public:
  enum class Latency { kSubmit, kOffer, kAccept, kComplete, kCancel };
  static constexpr int kLatencyKinds = 5;

  void Record(Latency kind, int64_t micros);
  LatencyHistogram Histogram(Latency kind) const;

  // An unexpected failure: counted, and its message kept among the first few.
  void Error(const std::string& what);
  uint64_t errors() const;
  std::vector<std::string> error_examples() const;

  // Named counters of expected outcomes (revocation reasons, races between a cancel and an accept).
  void Count(const std::string& name, uint64_t n = 1);
  std::map<std::string, uint64_t> counters() const;
  uint64_t Counter(const std::string& name) const;

  // A contact is resolved (completed, abandoned, or its submit failed). Wakes WaitResolved.
  void Resolved();
  uint64_t resolved() const;
  // Waits until `target` contacts are resolved or the deadline passes; true when they are.
  bool WaitResolved(uint64_t target, std::chrono::steady_clock::time_point deadline) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable resolved_changed_;
  LatencyHistogram histograms_[kLatencyKinds];
  uint64_t errors_ = 0;
  std::vector<std::string> error_examples_;
  std::map<std::string, uint64_t> counters_;
  uint64_t resolved_ = 0;
};

}  // namespace ekc::load
