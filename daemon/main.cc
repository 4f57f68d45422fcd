// ekcd: the ekc daemon. See docs/architecture.md and docs/api.md.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/config.h"
#include "daemon/server.h"

namespace {

// "<3>" for an error, "<4>" for a warning…: sd-daemon(3)'s priority prefixes for stderr lines.
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* prefix = "<6>";
    switch (msg.level) {
      case spdlog::level::critical:
        prefix = "<2>";
        break;
      case spdlog::level::err:
        prefix = "<3>";
        break;
      case spdlog::level::warn:
        prefix = "<4>";
        break;
      case spdlog::level::info:
        prefix = "<6>";
        break;
      default:
        prefix = "<7>";
        break;
    }
    dest.append(prefix, prefix + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriority>();
  }
};

int Run(int argc, char** argv) {
  CLI::App app{
      "ekcd — routes citizen contacts of a social-services contact centre to SMFC operators"};
  std::string config_path = "/etc/ekc/ekcd.yaml";
  std::string listen;
  std::string data_dir;
  std::string tokens;
  std::optional<std::string> http;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "the YAML config file")->capture_default_str();
  app.add_option("--listen", listen,
                 "HOST:PORT to serve gRPC on (port 0: any free port); overrides the file");
  app.add_option("--http", http,
                 "HOST:PORT to serve the supervisor dashboard on (port 0: any free port, \"\": "
                 "none); overrides the file")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last --http given wins
  app.add_option("--data-dir", data_dir, "the folder of the event log; overrides the file");
  app.add_option("--tokens", tokens,
                 "the token file (roles and SHA-256 of bearer tokens); overrides the file");
  app.add_flag("--check-config", check_only, "check the config and its rules file, then exit");
  app.set_version_flag("--version", EKC_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("ekcd", sink);
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    // Under systemd the journal adds the time; a "<N>" prefix gives each line its priority, so
    // that `journalctl -p warning -u ekcd` finds the warnings.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JournalPriority>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);

  auto config = ekc::daemon::LoadDaemonConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ekcd: " << config.status().message() << "\n";
    return 2;
  }
  if (!listen.empty()) config->listen = listen;
  if (!data_dir.empty()) config->data_dir = data_dir;
  if (!tokens.empty()) config->tokens_path = tokens;
  if (http) config->http = *http;
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  if (check_only) {
    if (absl::Status s = ekc::daemon::CheckConfig(*config); !s.ok()) {
      std::cerr << "ekcd: " << s.message() << "\n";
      return 2;
    }
    std::cout << "ekcd: " << config_path << " is valid\n";
    return 0;
  }

  // A client that went away must not kill the daemon through a write to its socket or pipe.
  std::signal(SIGPIPE, SIG_IGN);
  // Signals are taken by this thread alone (sigwait below), never by the gRPC or core threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = ekc::daemon::Server::Start(*config);
  if (!server.ok()) {
    std::cerr << "ekcd: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << (*server)->ReadyLine() << std::endl;
  spdlog::info("{}", (*server)->ReadyLine());
  const ekc::daemon::ServiceNotifier& systemd = (*server)->notifier();
  systemd.Ready("serving on " + (*server)->listen_address());

  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      // Compiled here, off the core thread; a bad file is logged and its running version stays.
      systemd.Reloading();
      const absl::Status reloaded = (*server)->Reload();
      systemd.ReloadDone(reloaded.ok() ? "serving on " + (*server)->listen_address()
                                       : "serving on " + (*server)->listen_address() +
                                             "; the last reload was refused, see the log");
      continue;
    }
    spdlog::info("signal {}: stopping", signal);
    (*server)->notifier().Stopping();
    break;
  }
  (*server)->Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
