#include "tests/testing/process.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ekc::testing {

namespace {

// Waits for `pid` up to `timeout`; the exit status, or nullopt if it still runs.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// fork/exec with stdout to a pipe (returned) and stderr to `stderr_path` (or the pipe too).
pid_t Spawn(const std::vector<std::string>& args, const std::string& stderr_path, int* stdout_fd) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The daemon must not outlive a test that crashed or was killed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    if (stderr_path.empty()) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
    } else {
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  *stdout_fd = pipe_fds[0];
  return pid;
}

// Reads from `fd` until a newline or the deadline; false on EOF or timeout.
bool ReadLine(int fd, std::chrono::steady_clock::time_point deadline, std::string* line) {
  line->clear();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    line->push_back(c);
  }
}

}  // namespace

EkcdProcess::EkcdProcess(Options options) : options_(std::move(options)) {
  stderr_path_ = options_.data_dir + ".stderr";
}

EkcdProcess::~EkcdProcess() {
  if (running()) Kill();
}

bool EkcdProcess::Start() {
  std::vector<std::string> args = {EKCD_PATH,     "--config",    options_.config,
                                   "--listen",    "127.0.0.1:0", "--http",
                                   "127.0.0.1:0", "--data-dir",  options_.data_dir};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  int out = -1;
  pid_ = Spawn(args, stderr_path_, &out);
  if (pid_ <= 0) {
    error_ = std::string("cannot start ekcd: ") + std::strerror(errno);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string line;
  const bool got = ReadLine(out, deadline, &line);
  ::close(out);  // ekcd writes one line to stdout; later writes go nowhere and are not needed
  std::smatch m;
  static const std::regex kReady(R"(listening on (\S+))");
  if (!got || !std::regex_search(line, m, kReady)) {
    error_ = "ekcd did not report ready (line: \"" + line + "\"); stderr:\n" + StderrText();
    Kill();
    return false;
  }
  ready_line_ = line;
  address_ = m[1];
  static const std::regex kHttp(R"(dashboard http://([^/\s]+)/)");
  if (std::smatch h; std::regex_search(line, h, kHttp)) http_address_ = h[1];
  return true;
}

void EkcdProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitFor(pid_, std::chrono::seconds(30));
  pid_ = -1;
}

int EkcdProcess::Stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitFor(pid_, timeout);
  if (!status) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return *status;
}

std::string EkcdProcess::StderrText() const {
  std::ifstream in(stderr_path_);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<grpc::Channel> EkcdProcess::Channel() const {
  return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

RunResult RunProgram(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  int out = -1;
  const pid_t pid = Spawn(argv, "", &out);
  RunResult result;
  if (pid <= 0) return result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (ReadLine(out, deadline, &line)) result.output += line + "\n";
  result.output += line;
  ::close(out);
  std::optional<int> status = WaitFor(pid, std::chrono::seconds(5));
  if (!status) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5));
    return result;
  }
  result.exit_status = *status;
  return result;
}

RunResult RunEkcd(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  std::vector<std::string> argv = {EKCD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, timeout);
}

}  // namespace ekc::testing
