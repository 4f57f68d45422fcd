// ekcctl: the command-line client of a running ekcd. See tools/README.md and docs/api.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/ekcctl/admin_commands.h"
#include "tools/ekcctl/desk_client.h"
#include "tools/ekcctl/intake_commands.h"
#include "tools/ekcctl/operator_options.h"
#include "tools/ekcctl/output.h"
#include "tools/ekcctl/rpc.h"
#include "tools/ekcctl/supervision_commands.h"

namespace ekc::ctl {
namespace {

const std::vector<std::string> kChannelNames = {"voice", "chat", "portal", "messenger"};
// Bounds of the operator's simulated handling time and contact count: a day is plenty by hand.
constexpr int kHandleSecondsMax = 86'400;
constexpr int kMaxContactsMax = 1'000'000;

struct CommandLine {
  GlobalOptions global;
  std::string output = "text";
  SubmitOptions submit;
  uint64_t contact_id = 0;
  std::string cancel_reason;
  OperatorOptions desk;
  ClassifyOptions classify;
};

void AddGlobalOptions(CLI::App& app, CommandLine& c) {
  app.add_option("--target", c.global.channel.target, "ekcd's gRPC address HOST:PORT")
      ->envname("EKC_TARGET")
      ->capture_default_str();
  client::AddChannelFlags(app, c.global.channel);
  app.add_option("--timeout-s", c.global.timeout_s, "deadline of each unary call, in seconds")
      ->check(CLI::Range(1, kTimeoutSecondsMax))
      ->capture_default_str();
  app.add_option("-o,--output", c.output, "text for people, json (one object per line) for scripts")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

CLI::App* AddSubmit(CLI::App& app, SubmitOptions& o) {
  CLI::App* cmd = app.add_subcommand("submit", "submit a contact (ContactIntake.SubmitContact)");
  cmd->add_option("--text", o.text, "what the citizen said or wrote");
  cmd->add_option("--channel", o.channel, "voice, chat, portal or messenger")
      ->check(CLI::IsMember(kChannelNames))
      ->capture_default_str();
  cmd->add_option("--ivr", o.ivr_choice, "the IVR menu path chosen, e.g. 2.1");
  cmd->add_option("--region", o.region, "the citizen's region code, e.g. 77");
  cmd->add_option("--citizen", o.citizen_ref, "a pseudonymous citizen reference");
  cmd->add_option("--key", o.idempotency_key, "idempotency key (default: a random UUID)");
  cmd->add_option("--attr", o.attributes, "context for the operator, key=value (repeatable)");
  return cmd;
}

CLI::App* AddWatch(CLI::App& app, uint64_t& contact_id) {
  CLI::App* cmd = app.add_subcommand(
      "watch", "follow a contact until it is connected or ends (ContactIntake.WatchContact)");
  cmd->add_option("contact_id", contact_id, "the contact's id")->required();
  return cmd;
}

CLI::App* AddCancel(CLI::App& app, uint64_t& contact_id, std::string& reason) {
  CLI::App* cmd = app.add_subcommand(
      "cancel", "the citizen left: abandon a contact (ContactIntake.CancelContact)");
  cmd->add_option("contact_id", contact_id, "the contact's id")->required();
  cmd->add_option("--reason", reason, "why, e.g. \"caller hung up\"");
  return cmd;
}

CLI::App* AddOperator(CLI::App& app, OperatorOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "operator", "work as an operator on a desk stream until Ctrl-C (OperatorDesk.Connect)");
  // Required for the desk; `operator state` (a supervisor's command) does without.
  cmd->add_option("--id", o.operator_id, "operator id, e.g. op1 (required)");
  cmd->add_option("--name", o.name, "name shown to supervisors");
  cmd->add_option("--skills", o.skills, "skills, name[:proficiency 1-10], e.g. family,crisis:8");
  cmd->add_option("--channels", o.channels,
                  "channels, name[:capacity], e.g. voice,chat:3 (default all)");
  cmd->add_option("--office", o.office, "the SMFC office");
  cmd->add_option("--region", o.region, "region code, e.g. 77");
  cmd->add_flag("--auto-accept", o.auto_accept, "accept every offer at once (else ask y/n)");
  cmd->add_option("--handle-s", o.handle_s, "seconds from assignment to Complete")
      ->check(CLI::Range(0, kHandleSecondsMax))
      ->capture_default_str();
  cmd->add_option("--outcome", o.outcome, "outcome code sent with Complete")->capture_default_str();
  cmd->add_option("--wrap-up-s", o.wrap_up_s,
                  "end the wrap-up N s after Complete (default: the queue's wrap-up time)")
      ->check(CLI::Range(0, kHandleSecondsMax));
  cmd->add_flag("--break-after-login", o.break_after_login,
                "log in on break instead of ready (type \"ready\" to take offers)");
  cmd->add_option("--max-contacts", o.max_contacts, "log out and exit after completing N contacts")
      ->check(CLI::Range(0, kMaxContactsMax));
  return cmd;
}

CLI::App* AddClassify(CLI::App& app, ClassifyOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "classify",
      "show how the running rules classify a text, submitting nothing (Admin.Classify)");
  cmd->add_option("--text", o.text, "the text to classify");
  cmd->add_option("--ivr", o.ivr_choice, "an IVR menu path, e.g. 2.1");
  cmd->add_option("--channel", o.channel, "voice, chat, portal or messenger")
      ->check(CLI::IsMember(kChannelNames));
  return cmd;
}

int RunOperator(const GlobalOptions& global, const OperatorOptions& options) {
  if (options.operator_id.empty()) return ReportUsage("operator: --id is required");
  absl::StatusOr<ekc::v1::Login> login = MakeLogin(options);
  if (!login.ok()) return ReportUsage(std::string(login.status().message()));
  Printer printer(global.output);
  DeskClient desk(MakeChannel(global), *std::move(login), options, global.timeout_s, printer);
  return desk.Run();
}

int Main(int argc, char** argv) {
  CLI::App app{"ekcctl — the command-line client of a running ekcd", "ekcctl"};
  app.fallthrough();  // global options may also follow the command: `ekcctl info -o json`
  app.require_subcommand(1);
  CommandLine c;
  AddGlobalOptions(app, c);
  CLI::App* submit = AddSubmit(app, c.submit);
  CLI::App* watch = AddWatch(app, c.contact_id);
  CLI::App* cancel = AddCancel(app, c.contact_id, c.cancel_reason);
  CLI::App* desk = AddOperator(app, c.desk);
  CLI::App* info =
      app.add_subcommand("info", "what ekcd is and how it is doing (Admin.ServerInfo)");
  CLI::App* classify = AddClassify(app, c.classify);
  CLI::App* health = app.add_subcommand(
      "health", "exit 0 when ekcd is SERVING (grpc.health.v1) and its event log is writable");
  SupervisionCommands supervision;
  supervision.Register(app, *desk);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints the help, or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  c.global.output = c.output == "json" ? OutputFormat::kJson : OutputFormat::kText;

  if (std::optional<int> status = supervision.RunParsed(c.global)) return *status;
  if (submit->parsed()) return RunSubmit(c.global, c.submit);
  if (watch->parsed()) return RunWatch(c.global, c.contact_id);
  if (cancel->parsed()) return RunCancel(c.global, c.contact_id, c.cancel_reason);
  if (desk->parsed()) return RunOperator(c.global, c.desk);
  if (info->parsed()) return RunInfo(c.global);
  if (classify->parsed()) return RunClassify(c.global, c.classify);
  if (health->parsed()) return RunHealth(c.global);
  return ReportUsage("no command given; see ekcctl --help");
}

}  // namespace
}  // namespace ekc::ctl

int main(int argc, char** argv) { return ekc::ctl::Main(argc, argv); }
