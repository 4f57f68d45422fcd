#include "daemon/http/dashboard_routes.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "daemon/clock.h"
#include "daemon/http/http_auth.h"
#include "daemon/supervision_service.h"
#include "daemon/supervisor_actions.h"
#include "daemon/validation.h"
#include "daemon/web/web_assets.h"
#include "router/names.h"

namespace ekc::daemon::http {

namespace v1 = ekc::v1;

namespace {

// The chart shows at most this many hours back; by default kHistoryHoursDefault.
constexpr int kHistoryHoursMax = 12;
constexpr int kHistoryHoursDefault = 4;

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (comma != 0) out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return out;
}

absl::StatusOr<uint32_t> QueryNumber(const HttpRequest& request, std::string_view name,
                                     uint32_t fallback, uint32_t max) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return fallback;
  uint32_t value = 0;
  const auto [end, error] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (error != std::errc() || end != it->second.data() + it->second.size() || value > max) {
    return absl::InvalidArgumentError(
        fmt::format("{}: \"{}\" is not a whole number 0..{}", name, it->second, max));
  }
  return value;
}

// The supervisor behind a request, or the error to answer with.
absl::StatusOr<std::string> Supervisor(AccessControl& access, const HttpRequest& request,
                                       std::string_view method, bool token_in_query) {
  if (request.authorization.empty() && token_in_query) {
    auto token = request.query.find("token");
    if (token != request.query.end())
      return AuthorizeSupervisor(access, "Bearer " + token->second, method);
  }
  return AuthorizeSupervisor(access, request.authorization, method);
}

// Parses a JSON body into an API request message. INVALID_ARGUMENT naming the field on a bad one.
template <typename Message>
absl::StatusOr<Message> ParseBody(const HttpRequest& request) {
  if (request.body.empty()) {
    return absl::InvalidArgumentError("body: empty: send the request as a JSON object");
  }
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(request.body, &message, options);
  if (!status.ok()) {
    // protobuf names the field in parentheses first: "(contact_id): invalid value …", or ends with
    // "pasued: Cannot find field." for one the message does not have.
    std::string message_text(status.message());
    constexpr std::string_view kUnknown = ": Cannot find field.";
    if (message_text.size() > kUnknown.size() && message_text.ends_with(kUnknown)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: no such field in a {}",
                      message_text.substr(0, message_text.size() - kUnknown.size()),
                      Message::descriptor()->name()));
    }
    if (message_text.size() > 2 && message_text.front() == '(') {
      const size_t close = message_text.find(')');
      if (close != std::string::npos) {
        std::string field = message_text.substr(1, close - 1);
        std::string rest = message_text.substr(close + 1);
        rest.erase(0, rest.find_first_not_of(": "));
        return absl::InvalidArgumentError(fmt::format("{}: {}", field, rest));
      }
    }
    return absl::InvalidArgumentError(fmt::format("body: {}", message_text));
  }
  return message;
}

// A dashboard event stream as the hub sees it.
class SseDashboardWatcher final : public DashboardWatcher {
 public:
  explicit SseDashboardWatcher(std::shared_ptr<EventStream> stream) : stream_(std::move(stream)) {}
  void Deliver(const std::shared_ptr<const v1::DashboardSnapshot>& snapshot) override {
    stream_->SendRendered("snapshot", [snapshot] { return ToJson(*snapshot); });
  }
  void End(const absl::Status& why) override {
    stream_->Send("end", ErrorResponse(why).body);
    stream_->Close();
  }

 private:
  std::shared_ptr<EventStream> stream_;
};

absl::StatusOr<v1::WatchDashboardRequest> DashboardRequestOf(const HttpRequest& request) {
  v1::WatchDashboardRequest watch;
  if (auto it = request.query.find("queues"); it != request.query.end()) {
    for (std::string& q : SplitList(it->second)) watch.add_queues(std::move(q));
  }
  if (auto it = request.query.find("queue"); it != request.query.end() && !it->second.empty()) {
    watch.add_queues(it->second);
  }
  absl::StatusOr<uint32_t> max_waiting = QueryNumber(request, "max_waiting", 0, kListLimitMax);
  if (!max_waiting.ok()) return max_waiting.status();
  watch.set_max_waiting(*max_waiting);
  if (absl::Status s = ValidateWatchDashboard(watch); !s.ok()) return s;
  return watch;
}

void ServeSnapshot(CoreLoop& core, DashboardHub& hub, const HttpRequest& request,
                   Responder responder) {
  absl::StatusOr<v1::WatchDashboardRequest> watch = DashboardRequestOf(request);
  if (!watch.ok()) return responder.Reply(ErrorResponse(watch.status()));
  absl::Status posted =
      core.Read([&hub, watch = *watch, responder](CoreLoop& c) -> CoreLoop::Effect {
        absl::StatusOr<DashboardView> view = MakeDashboardView(watch, c.config());
        if (!view.ok()) {
          return [responder, s = view.status()](const absl::Status&) {
            responder.Reply(ErrorResponse(s));
          };
        }
        auto snapshot = std::make_shared<v1::DashboardSnapshot>(hub.SnapshotNow(*view));
        return [responder, snapshot](const absl::Status& durability) {
          responder.Reply(durability.ok() ? JsonResponse(ToJson(*snapshot))
                                          : ErrorResponse(durability));
        };
      });
  if (!posted.ok()) responder.Reply(ErrorResponse(posted));
}

void ServeStream(CoreLoop& core, DashboardHub& hub, const HttpRequest& request,
                 Responder responder) {
  absl::StatusOr<v1::WatchDashboardRequest> watch = DashboardRequestOf(request);
  if (!watch.ok()) return responder.Reply(ErrorResponse(watch.status()));
  // Refusals known only on the core thread (an unknown queue, too many watchers) come as an "end"
  // event on the open stream: the answer's status is sent before the core decides.
  std::shared_ptr<EventStream> stream = responder.OpenStream();
  auto watcher = std::make_shared<SseDashboardWatcher>(stream);
  stream->SetOnClosed([&core, &hub, watcher] {
    core.Post([&hub, watcher](CoreLoop&) { hub.RemoveWatcher(watcher.get()); });
  });
  absl::Status posted = core.Read([&hub, watch = *watch, watcher](CoreLoop& c) -> CoreLoop::Effect {
    absl::StatusOr<DashboardView> view = MakeDashboardView(watch, c.config());
    absl::Status added = view.status();
    if (view.ok()) {
      watcher->set_view(*std::move(view));
      added = hub.AddWatcher(watcher);
    }
    if (added.ok()) return nullptr;
    return [watcher, added](const absl::Status&) { watcher->End(added); };
  });
  if (!posted.ok()) watcher->End(posted);
}

std::string HistoryJson(const DashboardHistory& history) {
  nlohmann::json queues = nlohmann::json::array();
  for (const QueueHistory& q : history.queues) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : q.samples)
      samples.push_back({s.time_unix_ms, s.waiting, s.longest_wait_ms});
    nlohmann::json intervals = nlohmann::json::array();
    for (const auto& i : q.intervals) {
      intervals.push_back({i.start_unix_ms, i.arrivals, i.ended, i.service_level});
    }
    queues.push_back({{"name", q.name},
                      {"service_level_target", q.service_level_target},
                      {"service_level_threshold_s", q.service_level_threshold_s},
                      {"samples", std::move(samples)},
                      {"intervals", std::move(intervals)}});
  }
  return nlohmann::json{
      {"now_unix_ms", history.now_unix_ms},
      {"interval_ms", history.interval_ms},
      {"sample_fields", {"time_unix_ms", "waiting", "longest_wait_ms"}},
      {"interval_fields", {"start_unix_ms", "arrivals", "ended", "service_level"}},
      {"queues", std::move(queues)}}
      .dump();
}

void ServeHistory(CoreLoop& core, DashboardHub& hub, const HttpRequest& request,
                  Responder responder) {
  absl::StatusOr<uint32_t> hours =
      QueryNumber(request, "hours", kHistoryHoursDefault, kHistoryHoursMax);
  if (!hours.ok()) return responder.Reply(ErrorResponse(hours.status()));
  const int64_t since = WallClockUnixMs() - int64_t{*hours} * 3'600'000;
  absl::Status posted = core.Read([&hub, since, responder](CoreLoop&) -> CoreLoop::Effect {
    auto history = std::make_shared<DashboardHistory>(hub.History(since));
    return [responder, history](const absl::Status& durability) {
      responder.Reply(durability.ok() ? JsonResponse(HistoryJson(*history))
                                      : ErrorResponse(durability));
    };
  });
  if (!posted.ok()) responder.Reply(ErrorResponse(posted));
}

absl::StatusOr<v1::ListContactsRequest> ContactsRequestOf(const HttpRequest& request) {
  v1::ListContactsRequest list;
  if (auto it = request.query.find("queue"); it != request.query.end()) list.set_queue(it->second);
  if (auto it = request.query.find("situation"); it != request.query.end()) {
    list.set_situation(it->second);
  }
  if (auto it = request.query.find("operator"); it != request.query.end()) {
    list.set_operator_id(it->second);
  }
  if (auto it = request.query.find("state"); it != request.query.end()) {
    for (const std::string& name : SplitList(it->second)) {
      v1::ContactState state = v1::CONTACT_STATE_UNSPECIFIED;
      bool found = false;
      for (int s = v1::ContactState_MIN; s <= v1::ContactState_MAX && !found; ++s) {
        if (!v1::ContactState_IsValid(s)) continue;
        const auto candidate = static_cast<v1::ContactState>(s);
        if (router::ContactStateName(candidate) == name ||
            v1::ContactState_Name(candidate) == name) {
          state = candidate;
          found = true;
        }
      }
      if (!found || state == v1::CONTACT_STATE_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            fmt::format("state: \"{}\" is not a contact state (queued, offered, …)", name));
      }
      list.add_states(state);
    }
  }
  absl::StatusOr<uint32_t> limit = QueryNumber(request, "limit", 0, kListLimitMax);
  if (!limit.ok()) return limit.status();
  list.set_limit(*limit);
  if (absl::Status s = ValidateListContacts(list); !s.ok()) return s;
  return list;
}

void ServeContacts(CoreLoop& core, const HttpRequest& request, Responder responder) {
  absl::StatusOr<v1::ListContactsRequest> list = ContactsRequestOf(request);
  if (!list.ok()) return responder.Reply(ErrorResponse(list.status()));
  absl::Status posted = core.Read([list = *list, responder](CoreLoop& c) -> CoreLoop::Effect {
    auto response = std::make_shared<v1::ListContactsResponse>(
        ListContactsNow(c.state(), list, WallClockUnixMs()));
    return [responder, response](const absl::Status& durability) {
      responder.Reply(durability.ok() ? JsonResponse(ToJson(*response))
                                      : ErrorResponse(durability));
    };
  });
  if (!posted.ok()) responder.Reply(ErrorResponse(posted));
}

template <typename Request>
void AddAction(HttpServer& server, CoreLoop& core, AccessControl& access, std::string path,
               std::string_view method) {
  server.Handle(
      "POST", std::move(path),
      [&core, &access, method](const HttpRequest& request, Responder responder) {
        absl::StatusOr<std::string> supervisor = Supervisor(access, request, method, false);
        if (!supervisor.ok()) return responder.Reply(ErrorResponse(supervisor.status()));
        absl::StatusOr<Request> action = ParseBody<Request>(request);
        if (!action.ok()) return responder.Reply(ErrorResponse(action.status()));
        absl::Status posted = RunSupervisorAction(
            core, *supervisor, *action, [responder](const absl::StatusOr<uint64_t>& sequence) {
              if (!sequence.ok()) return responder.Reply(ErrorResponse(sequence.status()));
              v1::SupervisorActionResponse response;
              response.set_event_sequence(*sequence);
              responder.Reply(JsonResponse(ToJson(response)));
            });
        if (!posted.ok()) responder.Reply(ErrorResponse(posted));
      });
}

// Wraps a handler of the API with the supervisor check.
Handler Authorized(AccessControl& access, std::string_view method, Handler handler,
                   bool token_in_query = false) {
  return [&access, method, handler = std::move(handler), token_in_query](const HttpRequest& request,
                                                                         Responder responder) {
    absl::StatusOr<std::string> supervisor = Supervisor(access, request, method, token_in_query);
    if (!supervisor.ok()) return responder.Reply(ErrorResponse(supervisor.status()));
    handler(request, std::move(responder));
  };
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  // Serializing a valid message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

void AddDashboardRoutes(HttpServer& server, CoreLoop& core, DashboardHub& hub,
                        AccessControl& access) {
  for (const web::WebAsset& asset : web::WebAssets()) {
    Handler serve = [asset](const HttpRequest&, Responder responder) {
      HttpResponse response;
      response.content_type = std::string(asset.content_type);
      response.body = std::string(asset.content);
      responder.Reply(std::move(response));
    };
    server.Handle("GET", std::string(asset.path), serve);
    if (asset.path == "/index.html") server.Handle("GET", "/", serve);
  }
  server.Handle("GET", "/api/session", [&access](const HttpRequest& request, Responder responder) {
    absl::StatusOr<std::string> supervisor =
        Supervisor(access, request, "Supervision.WatchDashboard", false);
    if (!supervisor.ok()) return responder.Reply(ErrorResponse(supervisor.status()));
    responder.Reply(JsonResponse(nlohmann::json{{"supervisor", *supervisor}}.dump()));
  });
  server.Handle("GET", "/api/dashboard",
                Authorized(access, "Supervision.WatchDashboard",
                           [&core, &hub](const HttpRequest& r, Responder responder) {
                             ServeSnapshot(core, hub, r, std::move(responder));
                           }));
  server.Handle("GET", "/api/dashboard/stream",
                Authorized(
                    access, "Supervision.WatchDashboard",
                    [&core, &hub](const HttpRequest& r, Responder responder) {
                      ServeStream(core, hub, r, std::move(responder));
                    },
                    /*token_in_query=*/true));
  server.Handle("GET", "/api/dashboard/history",
                Authorized(access, "Supervision.WatchDashboard",
                           [&core, &hub](const HttpRequest& r, Responder responder) {
                             ServeHistory(core, hub, r, std::move(responder));
                           }));
  server.Handle("GET", "/api/contacts",
                Authorized(access, "Supervision.ListContacts",
                           [&core](const HttpRequest& r, Responder responder) {
                             ServeContacts(core, r, std::move(responder));
                           }));
  AddAction<v1::ReassignContactRequest>(server, core, access, "/api/actions/reassign",
                                        "Supervision.ReassignContact");
  AddAction<v1::ChangePriorityRequest>(server, core, access, "/api/actions/priority",
                                       "Supervision.ChangePriority");
  AddAction<v1::ForceOperatorStateRequest>(server, core, access, "/api/actions/operator-state",
                                           "Supervision.ForceOperatorState");
  AddAction<v1::SetQueuePausedRequest>(server, core, access, "/api/actions/queue-pause",
                                       "Supervision.SetQueuePaused");
}

}  // namespace ekc::daemon::http
