// ekcd under systemd's notify protocol, with a real NOTIFY_SOCKET listener: READY=1 only after
// recovery, WATCHDOG=1 from the core thread at half the watchdog interval, RELOADING=1 and READY=1
// around SIGHUP, STOPPING=1 on SIGTERM with exit 0 and a final snapshot; and the unit file passes
// systemd-analyze verify.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

constexpr auto kMessageWait = std::chrono::seconds(10);
constexpr int kMessagesMax = 1000;

// The systemd side of sd_notify: a datagram socket whose path goes to ekcd as NOTIFY_SOCKET.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~NotifyListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }

  // The next message, or "" after `wait`.
  std::string Next(std::chrono::seconds wait = kMessageWait) {
    timeval timeout{.tv_sec = static_cast<time_t>(wait.count()), .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n <= 0 ? std::string() : std::string(buffer, static_cast<size_t>(n));
  }

  // Reads messages until one contains `text`; returns it, or "" (bounded in count and time).
  std::string WaitFor(const std::string& text, std::vector<std::string>* seen = nullptr) {
    for (int i = 0; i < kMessagesMax; ++i) {
      std::string m = Next();
      if (m.empty()) return "";
      if (seen != nullptr) seen->push_back(m);
      if (m.find(text) != std::string::npos) return m;
    }
    return "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

// Sets environment variables for the children started in its lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

TEST(Systemd, NotifyProtocol_ReadyWatchdogReloadAndStop) {
  TempDir dir;
  NotifyListener systemd((dir.path() / "notify").string());
  ASSERT_TRUE(systemd.bound());
  ScopedEnv socket("NOTIFY_SOCKET", (dir.path() / "notify").string());
  ScopedEnv watchdog("WATCHDOG_USEC", "1000000");  // WATCHDOG=1 every 0.5 s

  EkcdProcess ekcd({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  const std::string ready = systemd.WaitFor("READY=1");
  EXPECT_NE(ready.find("STATUS=serving on " + ekcd.address()), std::string::npos) << ready;

  // The core thread keeps beating.
  int beats = 0;
  for (int i = 0; i < 20 && beats < 3; ++i) {
    if (systemd.Next().find("WATCHDOG=1") != std::string::npos) ++beats;
  }
  EXPECT_EQ(beats, 3);

  ASSERT_EQ(::kill(ekcd.pid(), SIGHUP), 0);
  std::vector<std::string> seen;
  EXPECT_NE(systemd.WaitFor("RELOADING=1", &seen), "");
  EXPECT_NE(seen.back().find("MONOTONIC_USEC="), std::string::npos) << seen.back();
  EXPECT_NE(systemd.WaitFor("READY=1"), "");

  // A contact, so that the stop has something to snapshot.
  RunResult submitted = RunProgram(
      {EKCCTL_PATH, "--target", ekcd.address(), "submit", "--text", "Нужна помощь с пособием"});
  ASSERT_EQ(submitted.exit_status, 0) << submitted.output;

  ASSERT_EQ(::kill(ekcd.pid(), SIGTERM), 0);
  EXPECT_NE(systemd.WaitFor("STOPPING=1"), "");
  EXPECT_EQ(ekcd.Stop(), 0);
  EXPECT_NE(ekcd.StderrText().find("final snapshot of event"), std::string::npos)
      << ekcd.StderrText();

  // The next start begins at that snapshot and replays nothing.
  EkcdProcess again({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(again.Start()) << again.error();
  EXPECT_NE(again.ready_line().find("+ 0 events replayed"), std::string::npos)
      << again.ready_line();
}

TEST(Systemd, WithoutNotifySocket_RunsAsByHand) {
  TempDir dir;
  ::unsetenv("NOTIFY_SOCKET");
  EkcdProcess ekcd({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  EXPECT_EQ(ekcd.Stop(), 0);
}

TEST(Systemd, UnitFile_PassesSystemdAnalyzeVerify) {
  TempDir dir;
  // systemd-analyze checks that ExecStart's program exists: point it at the one just built.
  std::ifstream in(std::string(EKC_SOURCE_DIR) + "/deploy/systemd/ekcd.service");
  std::stringstream unit;
  unit << in.rdbuf();
  std::string text = unit.str();
  ASSERT_NE(text.find("Type=notify"), std::string::npos);
  ASSERT_NE(text.find("ProtectSystem=strict"), std::string::npos);
  ASSERT_NE(text.find("StateDirectory=ekc"), std::string::npos);
  ASSERT_NE(text.find("NoNewPrivileges=yes"), std::string::npos);
  for (size_t at = text.find("/usr/bin/ekcd"); at != std::string::npos;
       at = text.find("/usr/bin/ekcd", at)) {
    text.replace(at, std::string("/usr/bin/ekcd").size(), EKCD_PATH);
  }
  const std::string path = (dir.path() / "ekcd.service").string();
  std::ofstream(path) << text;
  RunResult r = RunProgram({"/usr/bin/systemd-analyze", "verify", path});
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd-analyze found something to say";
}

}  // namespace
}  // namespace ekc::testing
