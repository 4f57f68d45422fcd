#include "tools/ekcctl/line_reader.h"

#include <cerrno>

#include <poll.h>
#include <unistd.h>

namespace ekc::ctl {

namespace {

// How quickly Stop() takes effect.
constexpr int kPollIntervalMs = 100;
// A line longer than this is cut: answers are a word or two, and a pasted file must not grow
// memory.
constexpr size_t kLineBytesMax = 4096;
constexpr size_t kReadBytesMax = 1024;

}  // namespace

void LineReader::Start(OnLine on_line, OnEnd on_end) {
  on_line_ = std::move(on_line);
  on_end_ = std::move(on_end);
  thread_ = std::thread([this] { Run(); });
}

void LineReader::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void LineReader::Run() {
  char buffer[kReadBytesMax];
  while (!stop_.load()) {
    pollfd fd{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    const int ready = poll(&fd, 1, kPollIntervalMs);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    const ssize_t n = ready < 0 ? -1 : read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of input, or stdin is unusable: nothing more will come
    pending_.append(buffer, static_cast<size_t>(n));
    DeliverLines();
    if (pending_.size() > kLineBytesMax) pending_.clear();
  }
  if (!stop_.load()) on_end_();
}

void LineReader::DeliverLines() {
  size_t start = 0;
  for (size_t end = pending_.find('\n'); end != std::string::npos && !stop_.load();
       end = pending_.find('\n', start)) {
    on_line_(pending_.substr(start, end - start));
    start = end + 1;
  }
  pending_.erase(0, start);
}

}  // namespace ekc::ctl
