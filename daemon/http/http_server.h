#pragma once

// HttpServer: ekcd's small HTTP/1.1 listener (Boost.Beast on Asio) — the supervisor dashboard page
// and its JSON endpoints today, health and metrics next. It is a route table: each (method, path)
// has one handler, which answers with a plain response or opens a Server-Sent Events stream.
//
// Threads: the server runs on its own thread with its own io_context, not on the core's. Socket
// I/O, HTTP parsing and JSON encoding then never delay a routing decision, and a slow or stalled
// browser can only hold this thread's buffers (bounded below), never the core. One thread is
// plenty for a few dozen dashboards; nothing here blocks. Handlers run
// on the HTTP thread and must not block: they post to the core (CoreLoop::Read/Execute) and answer
// later, from whichever thread, through their Responder.
//
// Bounds (HttpServerOptions): connections at once, header and body sizes, the time to read a
// request and to write a response, and the events an event stream keeps unsent. Past a bound the
// answer is a clear status (503, 431, 413) or a closed connection, never unbounded memory.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace ekc::daemon::http {

struct HttpServerOptions {
  std::string address = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  size_t connections_max = 128;
  size_t header_bytes_max = 16 * 1024;
  size_t body_bytes_max = 64 * 1024;
  // A request must arrive whole within this time of the connection (or the previous answer); an
  // idle keep-alive connection is closed after it.
  std::chrono::seconds read_timeout{30};
  // A response (or one event of a stream) must be taken by the client within this time.
  std::chrono::seconds write_timeout{30};
  // An event stream sends a comment this often, so that proxies keep it open and a dead peer is
  // noticed.
  std::chrono::seconds stream_ping_interval{15};
  // Kinds of events a stream holds unsent at most (each kind keeps only its latest event).
  size_t stream_event_kinds_max = 8;
};

struct HttpRequest {
  std::string method;                                     // "GET", "POST", …
  std::string path;                                       // without the query string
  std::map<std::string, std::string, std::less<>> query;  // decoded; a repeated key keeps the last
  std::string authorization;  // the Authorization header's value, "" if none
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// The sending end of a Server-Sent Events stream. Any thread.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `data` as an event named `event`; an unsent event of the same name is replaced (a
  // stream of snapshots skips to the latest). False once the stream is closed.
  virtual bool Send(std::string_view event, std::string data) = 0;
  // The same, rendering the data on the HTTP thread when the event is written (so that the sender,
  // e.g. the core thread, does not encode JSON, and a replaced event is never rendered).
  virtual bool SendRendered(std::string_view event, std::function<std::string()> render) = 0;
  // Ends the stream (after the event being written).
  virtual void Close() = 0;
  // `on_closed` runs once, on the HTTP thread, when the stream ends for whatever reason (the client
  // left, a write timed out, Close, the server stopped). Set it right after OpenStream.
  virtual void SetOnClosed(std::function<void()> on_closed) = 0;
};

class Session;

// How a handler answers: exactly one Reply or OpenStream, once, from any thread. A handler that
// drops its Responder without answering gets a 500 sent for it.
class Responder {
 public:
  void Reply(HttpResponse response) const;
  // Answers 200 text/event-stream and returns the stream to send events on.
  std::shared_ptr<EventStream> OpenStream() const;

  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(const HttpRequest& request, Responder responder)>;

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // Stop
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers the handler of `method` `path` (an exact path, e.g. "/api/dashboard"). Before Start.
  void Handle(std::string method, std::string path, Handler handler);

  // Binds and starts the thread. UNAVAILABLE when the address cannot be bound, INVALID_ARGUMENT
  // when it is not HOST:PORT.
  absl::Status Start();
  // Closes the listener and every connection (streams see on_closed), and joins the thread.
  // Idempotent.
  void Stop();

  // HOST:PORT actually bound (the port chosen when 0 was asked for). After Start.
  const std::string& address() const { return bound_address_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string bound_address_;
};

// The one place where ekc's errors become HTTP statuses (as grpc_status.h does for gRPC).
unsigned HttpStatusOf(absl::StatusCode code);
// {"error":{"code":"INVALID_ARGUMENT","message":"…"}} with the status that fits.
HttpResponse ErrorResponse(const absl::Status& status);
HttpResponse JsonResponse(std::string json, unsigned status = 200);

}  // namespace ekc::daemon::http
