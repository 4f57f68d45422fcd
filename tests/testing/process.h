#pragma once

// Child processes for integration tests: the real ekcd (EkcdProcess), and programs run to
// completion.
//
// EkcdProcess: the real ekcd as a child process. It starts ekcd on a free
// loopback port (ekcd is given port 0 and reports the one it bound on its first stdout line), on a
// data folder the test owns, with the repository's default config and rules unless told otherwise.
// Kill() is a real SIGKILL; Stop() a SIGTERM with a bounded wait. stderr goes to a file beside the
// data folder, printed when a test fails to start the daemon.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

namespace ekc::testing {

class EkcdProcess {
 public:
  struct Options {
    std::string data_dir;
    std::string config = std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml";
    std::vector<std::string> extra_args;
    std::chrono::seconds start_timeout{30};
  };

  explicit EkcdProcess(Options options);
  ~EkcdProcess();  // SIGKILL if still running
  EkcdProcess(const EkcdProcess&) = delete;
  EkcdProcess& operator=(const EkcdProcess&) = delete;

  // Starts ekcd and waits for its ready line. Returns false (with the reason in error()) when it
  // exits or stays silent past the timeout.
  bool Start();
  // SIGKILL and reap: a crash, as far as ekcd can tell.
  void Kill();
  // SIGTERM; waits up to `timeout` for exit. Returns the exit status (-1 if it had to be killed).
  int Stop(std::chrono::seconds timeout = std::chrono::seconds(20));

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  // HOST:PORT of the HTTP listener (the dashboard), from the ready line; "" if it has none. The
  // test harness starts ekcd with --http 127.0.0.1:0 (extra_args may override it).
  const std::string& http_address() const { return http_address_; }
  const std::string& ready_line() const { return ready_line_; }
  const std::string& error() const { return error_; }
  std::string StderrText() const;
  std::shared_ptr<grpc::Channel> Channel() const;

 private:
  Options options_;
  pid_t pid_ = -1;
  std::string address_;
  std::string http_address_;
  std::string ready_line_;
  std::string error_;
  std::string stderr_path_;
};

// A program run to completion: its exit status and what it printed.
struct RunResult {
  int exit_status = -1;  // -1 when it had to be killed (timeout) or could not start
  std::string output;    // stdout and stderr, interleaved
};
// Runs `argv` (argv[0] a path) to completion, killing it after `timeout`.
RunResult RunProgram(const std::vector<std::string>& argv,
                     std::chrono::seconds timeout = std::chrono::seconds(30));
// Runs ekcd with these arguments (e.g. --check-config).
RunResult RunEkcd(const std::vector<std::string>& args,
                  std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace ekc::testing
