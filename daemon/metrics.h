#pragma once

// Metrics in the Prometheus text format (version 0.0.4), served at /metrics of the HTTP address.
//
// DaemonMetrics holds what only the daemon sees — gRPC calls by method and code, classification
// latency — and RenderMetrics writes the whole page: those, the routing state (read on the core
// thread), the routing statistics and the event log's counters. docs/operations.md lists the
// families and what to alert on.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "router/config.h"
#include "router/state.h"
#include "storage/event_log.h"

namespace ekc::daemon {

// Label name → value; rendered in this order.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Writes the text format: a family's HELP and TYPE once, then its samples.
class PrometheusText {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  // A storage::Histogram (power-of-two buckets) as a Prometheus histogram; `scale` turns its unit
  // into the family's (1e-6 for microseconds → seconds). Buckets above the largest value seen are
  // folded into +Inf.
  void Histogram(std::string_view name, const Labels& labels, const storage::Histogram& h,
                 double scale);
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

// Thread-safe counters of the daemon itself.
class DaemonMetrics {
 public:
  void CountGrpcCall(std::string_view method, grpc::StatusCode code);
  void RecordClassification(uint64_t microseconds);

  struct Copy {
    std::map<std::pair<std::string, int>, uint64_t> grpc_calls;  // (method, code) → calls
    storage::Histogram classification_us;
  };
  Copy Read() const;

 private:
  mutable std::mutex mu_;
  Copy counters_;  // guarded by mu_
};

// Counts every finished gRPC call by method and status code (PRE_SEND_STATUS).
class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetricsInterceptorFactory(DaemonMetrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  DaemonMetrics& metrics_;
};

// What the core thread contributes: a summary of the routing state, taken there.
struct RoutingView {
  struct QueueView {
    uint64_t waiting = 0;         // QUEUED, OFFERED or CALLBACK now
    int64_t longest_wait_ms = 0;  // of those
    bool paused = false;
    double service_level_target = 0;
    router::WaitTally tally;          // the statistics' kept intervals (a day by default)
    router::WaitTally last_interval;  // the newest 15-minute interval
  };
  std::map<std::string, QueueView> queues;
  std::map<int, uint64_t> contacts_by_state;   // ekc.v1.ContactState → contacts
  std::map<int, uint64_t> operators_by_state;  // ekc.v1.OperatorState → logged-in operators
  router::OperatorTally operator_totals;       // offers, accepts, declines, misses over all
  uint64_t last_sequence = 0;
  uint64_t watchdog_failures = 0;
};

// Core thread: the view of `state` at `now_unix_ms`.
RoutingView ViewRouting(const router::RouterState& state, const router::RouterConfig& config,
                        int64_t now_unix_ms, uint64_t watchdog_failures);

struct MetricsInputs {
  const RoutingView* routing = nullptr;
  const DaemonMetrics::Copy* daemon = nullptr;
  const storage::EventLogStats* log = nullptr;
  uint64_t durable_sequence = 0;
  bool writable = false;
  bool ready = false;
};

std::string RenderMetrics(const MetricsInputs& in);

}  // namespace ekc::daemon
