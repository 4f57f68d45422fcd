#include "daemon/metrics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "absl/status/status.h"
#include "ekc/v1/common.pb.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += fmt::format("{}=\"{}\"", labels[i].first, EscapeLabel(labels[i].second));
  }
  return out + "}";
}

std::string FormatValue(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  return fmt::format("{}", value);
}

// "CONTACT_STATE_QUEUED" → "queued".
std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value,
                      std::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByNumber(value);
  std::string name = v == nullptr ? std::to_string(value) : v->name();
  if (name.starts_with(prefix)) name = name.substr(prefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

// "/ekc.v1.ContactIntake/SubmitContact" → "ContactIntake.SubmitContact".
std::string MethodLabel(std::string_view path) {
  if (path.starts_with("/")) path.remove_prefix(1);
  if (path.starts_with("ekc.v1.")) path.remove_prefix(7);
  std::string out(path);
  std::replace(out.begin(), out.end(), '/', '.');
  return out;
}

class GrpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  GrpcMetricsInterceptor(DaemonMetrics& metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.CountGrpcCall(method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  DaemonMetrics& metrics_;
  const std::string method_;
};

}  // namespace

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::Sample(std::string_view name, const Labels& labels, double value) {
  text_ += fmt::format("{}{} {}\n", name, FormatLabels(labels), FormatValue(value));
}

void PrometheusText::Histogram(std::string_view name, const Labels& labels,
                               const storage::Histogram& h, double scale) {
  // Bucket i holds values below 2^i (bucket 0: zeros, i.e. <= 0 < 1).
  size_t top = 0;
  for (size_t i = 0; i < storage::Histogram::kBuckets; ++i) {
    if (h.counts[i] != 0) top = i;
  }
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= top && i + 1 < storage::Histogram::kBuckets; ++i) {
    cumulative += h.counts[i];
    Labels with = labels;
    with.emplace_back("le", FormatValue(std::ldexp(1.0, static_cast<int>(i)) * scale));
    Sample(fmt::format("{}_bucket", name), with, static_cast<double>(cumulative));
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  Sample(fmt::format("{}_bucket", name), inf, static_cast<double>(h.count));
  Sample(fmt::format("{}_sum", name), labels, static_cast<double>(h.sum) * scale);
  Sample(fmt::format("{}_count", name), labels, static_cast<double>(h.count));
}

void DaemonMetrics::CountGrpcCall(std::string_view method, grpc::StatusCode code) {
  std::lock_guard lock(mu_);
  ++counters_.grpc_calls[{std::string(method), static_cast<int>(code)}];
}

void DaemonMetrics::RecordClassification(uint64_t microseconds) {
  std::lock_guard lock(mu_);
  counters_.classification_us.Add(microseconds);
}

DaemonMetrics::Copy DaemonMetrics::Read() const {
  std::lock_guard lock(mu_);
  return counters_;
}

grpc::experimental::Interceptor* GrpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new GrpcMetricsInterceptor(metrics_, MethodLabel(info->method()));
}

RoutingView ViewRouting(const router::RouterState& state, const router::RouterConfig& config,
                        int64_t now_unix_ms, uint64_t watchdog_failures) {
  RoutingView view;
  for (const router::QueueConfig& q : config.queues) {
    RoutingView::QueueView& v = view.queues[q.name];
    v.service_level_target = q.service_level_target;
    v.tally = state.statistics().QueueTotal(q.name);
    if (const auto* intervals = state.statistics().QueueIntervals(q.name);
        intervals != nullptr && !intervals->empty()) {
      v.last_interval = intervals->rbegin()->second;
    }
  }
  for (const auto& [name, queue] : state.queues()) view.queues[name].paused = queue.paused;
  for (const auto& [id, c] : state.contacts()) {
    ++view.contacts_by_state[c.state];
    if (c.state == v1::CONTACT_STATE_QUEUED || c.state == v1::CONTACT_STATE_OFFERED ||
        c.state == v1::CONTACT_STATE_CALLBACK) {
      RoutingView::QueueView& v = view.queues[c.queue()];
      ++v.waiting;
      v.longest_wait_ms = std::max(v.longest_wait_ms, now_unix_ms - c.enqueued_unix_ms);
    }
  }
  for (const auto& [id, op] : state.operators()) {
    if (op.LoggedIn()) ++view.operators_by_state[op.shown];
  }
  for (const auto& [id, t] : state.statistics().operators()) {
    view.operator_totals.offers += t.offers;
    view.operator_totals.accepted += t.accepted;
    view.operator_totals.declined += t.declined;
    view.operator_totals.missed += t.missed;
    view.operator_totals.completed += t.completed;
  }
  view.last_sequence = state.last_sequence().value();
  view.watchdog_failures = watchdog_failures;
  return view;
}

std::string RenderMetrics(const MetricsInputs& in) {
  PrometheusText out;
  out.Family("ekc_up", "gauge",
             "1 when ekcd has replayed its log and is writable (what /readyz says)");
  out.Sample("ekc_up", {}, in.ready && in.writable ? 1 : 0);
  out.Family("ekc_log_writable", "gauge",
             "0 after a disk error: ekcd acknowledges nothing until it is restarted");
  out.Sample("ekc_log_writable", {}, in.writable ? 1 : 0);

  if (in.routing != nullptr) {
    const RoutingView& r = *in.routing;
    out.Family("ekc_contacts", "gauge", "contacts the routing state holds, by state");
    for (const auto& [state, n] : r.contacts_by_state) {
      out.Sample("ekc_contacts",
                 {{"state", EnumLabel(v1::ContactState_descriptor(), state, "CONTACT_STATE_")}},
                 static_cast<double>(n));
    }
    out.Family("ekc_operators", "gauge", "logged-in operators, by state");
    for (const auto& [state, n] : r.operators_by_state) {
      out.Sample("ekc_operators",
                 {{"state", EnumLabel(v1::OperatorState_descriptor(), state, "OPERATOR_STATE_")}},
                 static_cast<double>(n));
    }
    out.Family("ekc_queue_waiting", "gauge",
               "contacts waiting in the queue (queued, offered, callback)");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_waiting", {{"queue", q}}, static_cast<double>(v.waiting));
    }
    out.Family("ekc_queue_longest_wait_seconds", "gauge",
               "how long the longest-waiting contact has waited");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_longest_wait_seconds", {{"queue", q}},
                 static_cast<double>(v.longest_wait_ms) / 1000);
    }
    out.Family("ekc_queue_paused", "gauge", "1 while a supervisor has paused the queue");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_paused", {{"queue", q}}, v.paused ? 1 : 0);
    }
    out.Family("ekc_queue_service_level", "gauge",
               "answered within the threshold / arrivals whose wait ended (docs/routing.md), over "
               "the kept intervals (window=day) and the newest 15-minute interval (window=15m)");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_service_level", {{"queue", q}, {"window", "day"}},
                 v.tally.ServiceLevel());
      out.Sample("ekc_queue_service_level", {{"queue", q}, {"window", "15m"}},
                 v.last_interval.ServiceLevel());
    }
    out.Family("ekc_queue_service_level_target", "gauge", "the queue's service-level target");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_service_level_target", {{"queue", q}}, v.service_level_target);
    }
    out.Family("ekc_queue_asa_seconds", "gauge", "average speed of answer over the kept intervals");
    for (const auto& [q, v] : r.queues) {
      out.Sample("ekc_queue_asa_seconds", {{"queue", q}}, v.tally.AsaMs() / 1000);
    }
    const std::pair<const char*, uint64_t router::WaitTally::*> counts[] = {
        {"arrivals", &router::WaitTally::arrivals},
        {"answered", &router::WaitTally::answered},
        {"abandoned", &router::WaitTally::abandoned},
        {"short_abandoned", &router::WaitTally::short_abandoned},
    };
    out.Family("ekc_queue_contacts", "gauge",
               "contacts of the queue over the kept intervals, by what became of them");
    for (const auto& [q, v] : r.queues) {
      for (const auto& [outcome, field] : counts) {
        out.Sample("ekc_queue_contacts", {{"queue", q}, {"outcome", outcome}},
                   static_cast<double>(v.tally.*field));
      }
    }
    out.Family("ekc_offers", "gauge",
               "offers to operators over the kept statistics, by outcome (offered, accepted, "
               "declined, timed_out)");
    out.Sample("ekc_offers", {{"outcome", "offered"}},
               static_cast<double>(r.operator_totals.offers));
    out.Sample("ekc_offers", {{"outcome", "accepted"}},
               static_cast<double>(r.operator_totals.accepted));
    out.Sample("ekc_offers", {{"outcome", "declined"}},
               static_cast<double>(r.operator_totals.declined));
    out.Sample("ekc_offers", {{"outcome", "timed_out"}},
               static_cast<double>(r.operator_totals.missed));
    out.Family("ekc_events_decided_total", "counter",
               "the sequence of the last event the core decided");
    out.Sample("ekc_events_decided_total", {}, static_cast<double>(r.last_sequence));
    out.Family("ekc_watchdog_failures_total", "counter",
               "times the periodic check found a contact or operator in an impossible state");
    out.Sample("ekc_watchdog_failures_total", {}, static_cast<double>(r.watchdog_failures));
  }

  out.Family("ekc_events_durable_total", "counter", "the sequence of the last event known durable");
  out.Sample("ekc_events_durable_total", {}, static_cast<double>(in.durable_sequence));
  if (in.log != nullptr) {
    out.Family("ekc_log_append_durable_seconds", "histogram",
               "from an append to its events being durable (what an acknowledgement waits for)");
    out.Histogram("ekc_log_append_durable_seconds", {}, in.log->append_durable_us, 1e-6);
    out.Family("ekc_log_group_write_seconds", "histogram",
               "one group commit's write, fsync included at durability fsync");
    out.Histogram("ekc_log_group_write_seconds", {}, in.log->group_write_us, 1e-6);
    out.Family("ekc_log_group_records", "histogram", "records per group commit");
    out.Histogram("ekc_log_group_records", {}, in.log->group_records, 1);
    out.Family("ekc_snapshots_written_total", "counter", "snapshots this process stored");
    out.Sample("ekc_snapshots_written_total", {}, static_cast<double>(in.log->snapshots_written));
  }
  if (in.daemon != nullptr) {
    out.Family("ekc_classification_seconds", "histogram",
               "time to classify one contact's text with the rules");
    out.Histogram("ekc_classification_seconds", {}, in.daemon->classification_us, 1e-6);
    out.Family("ekc_grpc_requests_total", "counter",
               "finished gRPC calls by method and status code");
    for (const auto& [key, n] : in.daemon->grpc_calls) {
      std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(key.second));
      out.Sample("ekc_grpc_requests_total", {{"method", key.first}, {"code", code}},
                 static_cast<double>(n));
    }
  }
  return out.Take();
}

}  // namespace ekc::daemon
