#pragma once

// A small blocking HTTP/1.1 client for tests of ekcd's HTTP listener: one request per connection,
// every wait bounded by a deadline, loopback only. Also reads Server-Sent Events.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ekc::testing {

struct HttpAnswer {
  int status = 0;                              // 0: no answer (connection failed or timed out)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

// `address` is HOST:PORT. `headers` are extra lines, e.g. {"Authorization", "Bearer x"}.
HttpAnswer HttpRequest(const std::string& address, const std::string& method,
                       const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends raw bytes and returns what comes back until the server closes or the timeout.
std::string HttpRaw(const std::string& address, const std::string& bytes,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// An open event stream (GET with Accept: text/event-stream).
class EventStreamClient {
 public:
  struct Event {
    std::string name;
    std::string data;
  };
  EventStreamClient(const std::string& address, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  ~EventStreamClient();
  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  // The status line's code once the head arrived (0 if it did not within `timeout`).
  int WaitForHead(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next event (comments skipped), or nullopt when none came within `timeout` or the stream
  // ended.
  std::optional<Event> Next(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  bool head_done_ = false;
  int status_ = 0;
};

}  // namespace ekc::testing
