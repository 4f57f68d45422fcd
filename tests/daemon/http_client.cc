#include "tests/daemon/http_client.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ekc::testing {

namespace {

int Connect(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads what is there within the deadline; false on EOF, error or timeout.
bool ReadSome(int fd, std::string& out, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string RequestBytes(const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) r += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n…\r\n\r\n"; the head's length, or 0 when incomplete.
size_t ParseHead(const std::string& bytes, int& status,
                 std::map<std::string, std::string>& headers) {
  const size_t end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t line_end = bytes.find("\r\n");
  const std::string status_line = bytes.substr(0, line_end);
  const size_t space = status_line.find(' ');
  status = space == std::string::npos ? 0 : std::atoi(status_line.c_str() + space + 1);
  size_t pos = line_end + 2;
  while (pos < end) {
    line_end = bytes.find("\r\n", pos);
    const std::string line = bytes.substr(pos, line_end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers[Lower(line.substr(0, colon))] = value;
    }
    pos = line_end + 2;
  }
  return end + 4;
}

}  // namespace

HttpAnswer HttpRequest(const std::string& address, const std::string& method,
                       const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body, std::chrono::milliseconds timeout) {
  HttpAnswer answer;
  const std::string raw = HttpRaw(address, RequestBytes(method, target, headers, body), timeout);
  const size_t head = ParseHead(raw, answer.status, answer.headers);
  if (head == 0) {
    answer.status = 0;
    return answer;
  }
  answer.body = raw.substr(head);
  if (auto it = answer.headers.find("content-length"); it != answer.headers.end()) {
    answer.body.resize(std::min(answer.body.size(), static_cast<size_t>(std::stoul(it->second))));
  }
  return answer;
}

std::string HttpRaw(const std::string& address, const std::string& bytes,
                    std::chrono::milliseconds timeout) {
  const int fd = Connect(address);
  if (fd < 0) return "";
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (SendAll(fd, bytes)) {
    while (ReadSome(fd, out, deadline)) {
    }
  }
  ::close(fd);
  return out;
}

EventStreamClient::EventStreamClient(
    const std::string& address, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  fd_ = Connect(address);
  auto all = headers;
  all.emplace_back("Accept", "text/event-stream");
  if (fd_ >= 0 && !SendAll(fd_, RequestBytes("GET", target, all, ""))) {
    ::close(fd_);
    fd_ = -1;
  }
}

EventStreamClient::~EventStreamClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool EventStreamClient::Fill(std::chrono::steady_clock::time_point deadline) {
  return fd_ >= 0 && ReadSome(fd_, buffer_, deadline);
}

int EventStreamClient::WaitForHead(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!head_done_) {
    std::map<std::string, std::string> headers;
    const size_t head = ParseHead(buffer_, status_, headers);
    if (head > 0) {
      head_done_ = true;
      buffer_.erase(0, head);
      break;
    }
    if (!Fill(deadline)) return 0;
  }
  return status_;
}

std::optional<EventStreamClient::Event> EventStreamClient::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (WaitForHead(timeout) != 200) return std::nullopt;
  for (;;) {
    size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      const std::string frame = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      Event event;
      bool any = false;
      size_t pos = 0;
      while (pos <= frame.size()) {
        size_t line_end = frame.find('\n', pos);
        if (line_end == std::string::npos) line_end = frame.size();
        const std::string line = frame.substr(pos, line_end - pos);
        if (line.rfind("event: ", 0) == 0) event.name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) {
          if (any) event.data += "\n";
          event.data += line.substr(6);
          any = true;
        }
        pos = line_end + 1;
      }
      if (any) return event;  // comments (": ping") and the retry line carry no data
    }
    if (!Fill(deadline)) return std::nullopt;
  }
}

}  // namespace ekc::testing
