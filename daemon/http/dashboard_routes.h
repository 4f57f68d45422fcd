#pragma once

// The supervisor dashboard over HTTP: the page itself (daemon/web/, built into the binary) and the
// JSON API it uses. docs/api.md lists the endpoints; docs/dashboard.md explains the page.
//
//   GET  /                          the page (and its /dashboard.css, /dashboard.js)
//   GET  /api/session               who the token belongs to: {"supervisor": "…"}
//   GET  /api/dashboard             one DashboardSnapshot (proto3 JSON); ?queue=a&queue=b… as
//                                   ?queues=a,b, ?max_waiting=N
//   GET  /api/dashboard/stream      Server-Sent Events: "snapshot" events, as WatchDashboard sends
//   GET  /api/dashboard/history     the chart's data: depth samples and per-interval service level
//   GET  /api/contacts              ListContacts: ?queue= &state= &situation= &operator= &limit=
//   POST /api/actions/reassign      ReassignContactRequest as JSON → {"event_sequence": "…"}
//   POST /api/actions/priority      ChangePriorityRequest
//   POST /api/actions/operator-state  ForceOperatorStateRequest
//   POST /api/actions/queue-pause   SetQueuePausedRequest
//
// Every /api/ call needs `Authorization: Bearer <token>` (the event stream also takes ?token=, for
// clients that cannot set headers), checked by AuthorizeSupervisor (http_auth.h). The actions go
// through RunSupervisorAction (daemon/supervisor_actions.h), exactly as the gRPC ones do.

#include "daemon/access_control.h"
#include "daemon/core_loop.h"
#include "daemon/dashboard_hub.h"
#include "daemon/http/http_server.h"

namespace ekc::daemon::http {

// `core` and `hub` outlive the server's thread (stop the server first).
void AddDashboardRoutes(HttpServer& server, CoreLoop& core, DashboardHub& hub,
                        AccessControl& access);

// The JSON the API uses for a message: the proto3 JSON mapping with the .proto field names and
// every field present (as `ekcctl -o json` prints).
std::string ToJson(const google::protobuf::Message& message);

}  // namespace ekc::daemon::http
