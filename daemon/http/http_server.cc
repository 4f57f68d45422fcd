#include "daemon/http/http_server.h"

#include <atomic>
#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace ekc::daemon::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && HexDigit(in[i + 1]) >= 0 &&
               HexDigit(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void ParseTarget(std::string_view target, HttpRequest& request) {
  const size_t q = target.find('?');
  request.path = UrlDecode(target.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      request.query[UrlDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
}

// One Server-Sent Event: every line of the data gets its own "data:" prefix.
std::string EventBytes(std::string_view event, std::string_view data) {
  std::string bytes = fmt::format("event: {}\n", event);
  size_t start = 0;
  for (;;) {
    const size_t end = data.find('\n', start);
    bytes += "data: ";
    bytes +=
        data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    bytes += "\n";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  bytes += "\n";
  return bytes;
}

struct Route {
  std::map<std::string, Handler, std::less<>> by_method;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), work(asio::make_work_guard(io)), acceptor(io) {}

  void Accept();
  void Dispatch(const std::shared_ptr<Session>& session, HttpRequest request);

  const HttpServerOptions options;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;
  std::thread thread;
  std::map<std::string, Route, std::less<>> routes;
  std::set<std::shared_ptr<Session>> sessions;  // HTTP thread only
  bool stopping = false;                        // HTTP thread only
};

// The stream state shared by the handler's side (any thread) and the session (HTTP thread).
class StreamHandle final : public EventStream {
 public:
  StreamHandle(std::weak_ptr<Session> session, asio::io_context& io, size_t kinds_max)
      : session_(std::move(session)), io_(io), kinds_max_(kinds_max) {}

  bool Send(std::string_view event, std::string data) override {
    return SendRendered(event, [data = std::move(data)] { return data; });
  }
  bool SendRendered(std::string_view event, std::function<std::string()> render) override;
  void Close() override;
  void SetOnClosed(std::function<void()> on_closed) override {
    std::lock_guard lock(mu_);
    on_closed_ = std::move(on_closed);
  }

  // HTTP thread: the next event's bytes, if any.
  std::optional<std::string> Take() {
    std::unique_lock lock(mu_);
    flush_posted_ = false;
    if (order_.empty()) return std::nullopt;
    const std::string kind = order_.front();
    order_.pop_front();
    auto it = pending_.find(kind);
    std::function<std::string()> render = std::move(it->second);
    pending_.erase(it);
    lock.unlock();
    return EventBytes(kind, render());
  }
  // HTTP thread: the stream ended.
  void Ended() {
    std::function<void()> on_closed;
    {
      std::lock_guard lock(mu_);
      if (closed_ && on_closed_ == nullptr) return;
      closed_ = true;
      on_closed = std::move(on_closed_);
      on_closed_ = nullptr;
      pending_.clear();
      order_.clear();
    }
    if (on_closed) on_closed();
  }
  bool close_requested() const {
    std::lock_guard lock(mu_);
    return close_requested_;
  }

 private:
  void PostFlush();

  std::weak_ptr<Session> session_;
  asio::io_context& io_;
  const size_t kinds_max_;
  mutable std::mutex mu_;
  // kind → how to render its latest event (rendered on the HTTP thread, when it is written)
  std::map<std::string, std::function<std::string()>, std::less<>> pending_;
  std::deque<std::string> order_;  // kinds, oldest first
  bool flush_posted_ = false;
  bool closed_ = false;
  bool close_requested_ = false;
  std::function<void()> on_closed_;
};

// One connection: requests one after another (keep-alive), or one event stream until it ends.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server), ping_(server.io) {}

  void Start() { ReadRequest(); }

  // HTTP thread.
  void Close() {
    if (closed_) return;
    closed_ = true;
    ping_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    if (events_) events_->Ended();
    server_.sessions.erase(shared_from_this());
  }

  // HTTP thread: the handler answered.
  void Reply(HttpResponse response) {
    if (closed_ || answered_) return;
    answered_ = true;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(response.status);
    res->set(bhttp::field::server, "ekcd");
    res->set(bhttp::field::content_type, response.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_ && !server_.stopping);
    res->prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) {
                         if (ec || !res->keep_alive()) {
                           self->Close();
                           return;
                         }
                         self->ReadRequest();
                       });
  }

  // HTTP thread: the handler opened an event stream.
  void BeginStream(std::shared_ptr<StreamHandle> events) {
    if (closed_ || answered_) {
      events->Ended();
      return;
    }
    answered_ = true;
    events_ = std::move(events);
    writing_ = true;
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nServer: ekcd\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
        "retry: 3000\n\n");
    Write(head);
    // The client sends nothing more; a read ends when it goes away.
    stream_.async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code, size_t) { self->Close(); });
    ArmPing();
  }

  // HTTP thread: write what the stream has queued.
  void Flush() {
    if (closed_ || events_ == nullptr || writing_) return;
    if (std::optional<std::string> next = events_->Take()) {
      writing_ = true;
      Write(std::make_shared<std::string>(*std::move(next)));
    } else if (events_->close_requested()) {
      Close();
    }
  }

 private:
  void ReadRequest() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.header_bytes_max));
    parser_->body_limit(server_.options.body_bytes_max);
    answered_ = false;
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::header_limit)
      return RefuseAndClose(431, "the request's headers are too large");
    if (ec == bhttp::error::body_limit)
      return RefuseAndClose(413, "the request's body is too large");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec) return RefuseAndClose(400, fmt::format("a malformed request: {}", ec.message()));
    stream_.expires_never();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    HttpRequest request;
    request.method = std::string(req.method_string());
    ParseTarget(std::string_view(req.target().data(), req.target().size()), request);
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.content_type = std::string(req[bhttp::field::content_type]);
    request.body = std::move(req.body());
    server_.Dispatch(shared_from_this(), std::move(request));
  }

  void RefuseAndClose(unsigned status, std::string why) {
    keep_alive_ = false;
    HttpResponse response;
    response.status = status;
    response.body = std::move(why) + "\n";
    Reply(std::move(response));
  }

  void Write(std::shared_ptr<std::string> bytes) {
    stream_.expires_after(server_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(*bytes),
                      [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->Close();
                        self->stream_.expires_never();
                        self->Flush();
                      });
  }

  void ArmPing() {
    ping_.expires_after(server_.options.stream_ping_interval);
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (!self->writing_) {
        self->writing_ = true;
        self->Write(std::make_shared<std::string>(": ping\n\n"));
      }
      self->ArmPing();
    });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = false;
  bool answered_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::shared_ptr<StreamHandle> events_;
  asio::steady_timer ping_;
  std::array<char, 256> drain_{};
};

bool StreamHandle::SendRendered(std::string_view event, std::function<std::string()> render) {
  {
    std::lock_guard lock(mu_);
    if (closed_ || close_requested_) return false;
    auto it = pending_.find(event);
    if (it != pending_.end()) {
      it->second = std::move(render);
    } else {
      if (pending_.size() >= kinds_max_) return false;
      pending_.emplace(std::string(event), std::move(render));
      order_.emplace_back(event);
    }
  }
  PostFlush();
  return true;
}

void StreamHandle::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_ || close_requested_) return;
    close_requested_ = true;
  }
  PostFlush();
}

void StreamHandle::PostFlush() {
  {
    std::lock_guard lock(mu_);
    if (flush_posted_) return;
    flush_posted_ = true;
  }
  asio::post(io_, [session = session_] {
    if (auto s = session.lock()) s->Flush();
  });
}

struct Responder::State {
  State(std::weak_ptr<Session> s, HttpServer::Impl& i) : session(std::move(s)), impl(i) {}
  ~State() {
    if (answered.exchange(true)) return;
    HttpResponse response = ErrorResponse(absl::InternalError("the handler gave no answer"));
    asio::post(impl.io, [session = session, response = std::move(response)]() mutable {
      if (auto s = session.lock()) s->Reply(std::move(response));
    });
  }
  std::weak_ptr<Session> session;
  HttpServer::Impl& impl;
  std::atomic<bool> answered{false};
};

void Responder::Reply(HttpResponse response) const {
  if (state_->answered.exchange(true)) return;
  asio::post(state_->impl.io,
             [session = state_->session, response = std::move(response)]() mutable {
               if (auto s = session.lock()) s->Reply(std::move(response));
             });
}

std::shared_ptr<EventStream> Responder::OpenStream() const {
  auto handle = std::make_shared<StreamHandle>(state_->session, state_->impl.io,
                                               state_->impl.options.stream_event_kinds_max);
  if (state_->answered.exchange(true)) {
    handle->Ended();
    return handle;
  }
  asio::post(state_->impl.io, [session = state_->session, handle] {
    if (auto s = session.lock()) {
      s->BeginStream(handle);
    } else {
      handle->Ended();
    }
  });
  return handle;
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping) return;
    if (!ec) {
      if (sessions.size() >= options.connections_max) {
        // Too many at once: a short answer, written without waiting, and the connection closed.
        static const std::string kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: "
            "26\r\nConnection: close\r\n\r\ntoo many connections: 503\n";
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        asio::write(socket, asio::buffer(kBusy), ignored);
        socket.close(ignored);
      } else {
        auto session = std::make_shared<Session>(std::move(socket), *this);
        sessions.insert(session);
        session->Start();
      }
    }
    Accept();
  });
}

void HttpServer::Impl::Dispatch(const std::shared_ptr<Session>& session, HttpRequest request) {
  Responder responder(std::make_shared<Responder::State>(session, *this));
  auto route = routes.find(request.path);
  if (route == routes.end()) {
    responder.Reply(ErrorResponse(absl::NotFoundError(fmt::format("no page {}", request.path))));
    return;
  }
  auto handler = route->second.by_method.find(request.method);
  if (handler == route->second.by_method.end()) {
    std::vector<std::string> allowed;
    for (const auto& [method, h] : route->second.by_method) allowed.push_back(method);
    HttpResponse response = ErrorResponse(absl::InvalidArgumentError(fmt::format(
        "{} takes {}, not {}", request.path, fmt::join(allowed, ", "), request.method)));
    response.status = 405;
    response.headers.emplace_back("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
    responder.Reply(std::move(response));
    return;
  }
  handler->second(request, std::move(responder));
}

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string method, std::string path, Handler handler) {
  impl_->routes[std::move(path)].by_method[std::move(method)] = std::move(handler);
}

absl::Status HttpServer::Start() {
  const std::string& address = impl_->options.address;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        fmt::format("http: \"{}\" is not HOST:PORT (e.g. 127.0.0.1:8080)", address));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string port_text = address.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return absl::InvalidArgumentError(
        fmt::format("http: \"{}\" has no port number 0..65535", address));
  }
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("http: cannot resolve \"{}\": {}", host, ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("http: cannot listen on {}: {} (in use, or not an address of this machine?)",
                    address, ec.message()));
  }
  const tcp::endpoint bound = impl_->acceptor.local_endpoint();
  bound_address_ = fmt::format("{}:{}", address.substr(0, colon), bound.port());
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    const auto sessions = impl->sessions;  // Close erases from the set
    for (const auto& session : sessions) session->Close();
  });
  impl_->work.reset();
  impl_->thread.join();
}

unsigned HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

HttpResponse ErrorResponse(const absl::Status& status) {
  nlohmann::json body = {
      {"error",
       {{"code", absl::StatusCodeToString(status.code())}, {"message", status.message()}}}};
  HttpResponse response = JsonResponse(body.dump(), HttpStatusOf(status.code()));
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ekcd\"");
  }
  return response;
}

HttpResponse JsonResponse(std::string json, unsigned status) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json; charset=utf-8";
  response.body = std::move(json);
  return response;
}

}  // namespace ekc::daemon::http
