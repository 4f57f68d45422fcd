#include "tools/ekcctl/supervision_commands.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include <fmt/format.h>
#include <unistd.h>

#include "ekc/v1/supervision.grpc.pb.h"

#include "router/names.h"
#include "tools/ekcctl/output.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

// Rows of the dashboard's waiting list and contact list a terminal shows, at most.
constexpr uint32_t kTerminalRowsMax = 1000;

std::optional<v1::ContactState> ParseContactState(std::string_view name) {
  for (int s = v1::ContactState_MIN; s <= v1::ContactState_MAX; ++s) {
    if (!v1::ContactState_IsValid(s) || s == v1::CONTACT_STATE_UNSPECIFIED) continue;
    if (router::ContactStateName(static_cast<v1::ContactState>(s)) == name) {
      return static_cast<v1::ContactState>(s);
    }
  }
  return std::nullopt;
}

std::optional<v1::OperatorState> ParseOperatorState(std::string_view name) {
  for (int s = v1::OperatorState_MIN; s <= v1::OperatorState_MAX; ++s) {
    if (!v1::OperatorState_IsValid(s) || s == v1::OPERATOR_STATE_UNSPECIFIED) continue;
    if (router::OperatorStateName(static_cast<v1::OperatorState>(s)) == name) {
      return static_cast<v1::OperatorState>(s);
    }
  }
  return std::nullopt;
}

std::string Percent(double x) { return fmt::format("{:.0f}%", x * 100); }

// "1:05", "12:40", "1:02:03".
std::string Clock(int64_t ms) {
  if (ms <= 0) return "-";
  const int64_t s = ms / 1000;
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string Figure(double seconds) {
  if (seconds <= 0) return "-";
  return seconds < 600 ? fmt::format("{:.0f} s", seconds) : fmt::format("{:.1f} min", seconds / 60);
}

std::string Situations(const v1::WaitingContact& c) {
  return c.situations().empty() ? "-" : fmt::format("{}", fmt::join(c.situations(), ","));
}

std::string Skills(const v1::OperatorStatus& o) {
  std::vector<std::string> skills;
  for (const auto& s : o.skills())
    skills.push_back(fmt::format("{}:{}", s.name(), s.proficiency()));
  return skills.empty() ? "-" : fmt::format("{}", fmt::join(skills, ","));
}

std::string Contacts(const v1::OperatorStatus& o) {
  return o.contact_ids().empty() ? "-" : fmt::format("{}", fmt::join(o.contact_ids(), ","));
}

std::string StateText(const v1::OperatorStatus& o) {
  std::string s(router::OperatorStateName(o.state()));
  if (o.state() == v1::OPERATOR_STATE_BREAK && !o.break_reason().empty()) {
    s += " (" + o.break_reason() + ")";
  }
  if (!o.connected()) s += " [no desk]";
  return s;
}

std::vector<std::string> ContactLines(
    const google::protobuf::RepeatedPtrField<v1::WaitingContact>& contacts) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{:>8}  {:>8}  {:<15} {:<9} {:<11} {:<6} {:<9} {}", "CONTACT",
                              "WAITED", "QUEUE", "PRIORITY", "STATE", "REGION", "CHANNEL",
                              "SITUATIONS"));
  for (const v1::WaitingContact& c : contacts) {
    lines.push_back(fmt::format(
        "{:>8}  {:>8}  {:<15} {:<9} {:<11} {:<6} {:<9} {}", c.contact_id(), Clock(c.waited_ms()),
        c.queue(), router::PriorityName(c.priority()), router::ContactStateName(c.state()),
        c.region().empty() ? "-" : c.region(), router::ChannelName(c.channel()), Situations(c)));
  }
  if (contacts.empty()) lines.push_back("(none)");
  return lines;
}

std::vector<std::string> OperatorLines(
    const google::protobuf::RepeatedPtrField<v1::OperatorStatus>& ops, int64_t now_unix_ms) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{:<16} {:<20} {:<24} {:>8}  {:<12} {}", "OPERATOR", "NAME", "STATE",
                              "FOR", "CONTACTS", "SKILLS"));
  for (const v1::OperatorStatus& o : ops) {
    lines.push_back(fmt::format(
        "{:<16} {:<20} {:<24} {:>8}  {:<12} {}", o.operator_id(), o.name().empty() ? "-" : o.name(),
        StateText(o), Clock(now_unix_ms - o.state_since_unix_ms()), Contacts(o), Skills(o)));
  }
  if (ops.empty()) lines.push_back("(nobody logged in)");
  return lines;
}

std::string ActionText(const v1::SupervisorActionRecord& a) {
  if (a.action() == "reassign") {
    return fmt::format("contact {} reserved for {}", a.contact_id(), a.operator_id());
  }
  if (a.action() == "change_priority") {
    return fmt::format("contact {} priority {}", a.contact_id(),
                       router::PriorityName(a.priority()));
  }
  if (a.action() == "force_state") {
    return fmt::format("operator {} set {}{}", a.operator_id(),
                       router::OperatorStateName(a.operator_state()),
                       a.break_reason().empty() ? "" : " (" + a.break_reason() + ")");
  }
  if (a.action() == "force_logout") return fmt::format("operator {} logged out", a.operator_id());
  if (a.action() == "pause_queue") return fmt::format("queue {} paused", a.queue());
  if (a.action() == "resume_queue") return fmt::format("queue {} resumed", a.queue());
  return a.action();
}

std::vector<std::string> DashboardLines(const v1::DashboardSnapshot& s) {
  int64_t longest = 0;
  for (const auto& q : s.queues()) longest = std::max(longest, q.longest_wait_ms());
  std::vector<std::string> lines;
  lines.push_back(fmt::format("ekc dashboard at {}: {} waiting, longest {}, {} operators logged in",
                              ClockTime(s.time_unix_ms()), s.waiting_total(), Clock(longest),
                              s.operators_size()));
  lines.emplace_back();
  lines.push_back(fmt::format("{:<15} {:>7} {:>8} {:>8} {:>6} {:>9} {:>8} {:>7} {:>8} {:>9}  {}",
                              "QUEUE", "WAITING", "LONGEST", "SL TODAY", "SL 15M", "TARGET",
                              "ABANDON", "ASA", "AHT", "AVAIL/ALL", "ANSWERED"));
  for (const v1::QueueStatus& q : s.queues()) {
    lines.push_back(fmt::format(
        "{:<15} {:>7} {:>8} {:>8} {:>6} {:>9} {:>8} {:>7} {:>8} {:>9}  {}{}", q.name(),
        q.waiting() + q.offered(), Clock(q.longest_wait_ms()),
        q.ended_today() == 0 ? "-" : Percent(q.service_level_today()),
        q.ended_15min() == 0 ? "-" : Percent(q.service_level_15min()),
        fmt::format("{}/{}s", Percent(q.service_level_target()), q.service_level_threshold_s()),
        q.ended_today() == 0 ? "-" : Percent(q.abandon_rate_today()), Figure(q.asa_s()),
        Figure(q.aht_s()), fmt::format("{}/{}", q.operators_available(), q.operators_staffed()),
        fmt::format("{} of {}", q.answered_today(), q.arrivals_today()),
        q.paused() ? "  PAUSED" : ""));
  }
  lines.emplace_back();
  for (std::string& l : OperatorLines(s.operators(), s.time_unix_ms()))
    lines.push_back(std::move(l));
  lines.emplace_back();
  for (std::string& l : ContactLines(s.waiting())) lines.push_back(std::move(l));
  if (static_cast<uint32_t>(s.waiting_size()) < s.waiting_total()) {
    lines.push_back(fmt::format("… and {} more", s.waiting_total() - s.waiting_size()));
  }
  if (!s.recent_actions().empty()) {
    lines.emplace_back();
    lines.push_back("RECENT SUPERVISOR ACTIONS");
    for (const auto& a : s.recent_actions()) {
      lines.push_back(fmt::format("{}  {:<12} {}{}", ClockTime(a.time_unix_ms()), a.supervisor(),
                                  ActionText(a), a.note().empty() ? "" : " — " + a.note()));
    }
  }
  return lines;
}

std::unique_ptr<v1::Supervision::Stub> Stub(const GlobalOptions& global) {
  return v1::Supervision::NewStub(MakeChannel(global));
}

int RunDashboard(const GlobalOptions& global, bool once, const std::vector<std::string>& queues,
                 uint32_t max_waiting) {
  v1::WatchDashboardRequest request;
  for (const std::string& q : queues) request.add_queues(q);
  request.set_max_waiting(max_waiting);
  auto stub = Stub(global);
  grpc::ClientContext context;
  // A watch has no deadline (it lasts until Ctrl-C); one snapshot does.
  if (once) SetDeadline(context, global.timeout_s);
  std::unique_ptr<grpc::ClientReader<v1::DashboardSnapshot>> reader =
      stub->WatchDashboard(&context, request);
  Printer printer(global.output);
  const bool terminal = !printer.json() && !once && ::isatty(STDOUT_FILENO) != 0;
  v1::DashboardSnapshot snapshot;
  bool got = false;
  while (reader->Read(&snapshot)) {
    got = true;
    if (printer.json()) {
      printer.Json(snapshot);
    } else {
      std::vector<std::string> lines = DashboardLines(snapshot);
      // A terminal is redrawn in place; a pipe gets one block per snapshot.
      if (terminal) {
        lines.front().insert(0, "\x1b[H\x1b[2J");
      } else if (!once) {
        lines.emplace_back();
      }
      printer.Lines(lines);
    }
    if (once) {
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (once && got) return kExitOk;
  return status.ok() ? kExitOk : ReportError(status);
}

int RunContacts(const GlobalOptions& global, const v1::ListContactsRequest& request) {
  auto stub = Stub(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::ListContactsResponse response;
  if (grpc::Status s = stub->ListContacts(&context, request, &response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    for (const auto& c : response.contacts()) printer.Json(c);
  } else {
    printer.Lines(ContactLines(response.contacts()));
  }
  return kExitOk;
}

int RunOperators(const GlobalOptions& global, const v1::ListOperatorsRequest& request) {
  auto stub = Stub(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::ListOperatorsResponse response;
  if (grpc::Status s = stub->ListOperators(&context, request, &response); !s.ok()) {
    return ReportError(s);
  }
  Printer printer(global.output);
  if (printer.json()) {
    for (const auto& o : response.operators()) printer.Json(o);
  } else {
    printer.Lines(OperatorLines(response.operators(), NowUnixMs()));
  }
  return kExitOk;
}

using ActionCall = std::function<grpc::Status(v1::Supervision::Stub&, grpc::ClientContext&,
                                              v1::SupervisorActionResponse&)>;

int RunAction(const GlobalOptions& global, const ActionCall& call, const std::string& done) {
  auto stub = Stub(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_s);
  v1::SupervisorActionResponse response;
  if (grpc::Status s = call(*stub, context, response); !s.ok()) return ReportError(s);
  Printer printer(global.output);
  if (printer.json()) {
    printer.Json(response);
  } else {
    printer.Line(fmt::format("{} (event {})", done, response.event_sequence()));
  }
  return kExitOk;
}

}  // namespace

void SupervisionCommands::Register(CLI::App& app, CLI::App& operator_command) {
  dashboard_ = app.add_subcommand(
      "dashboard", "the live supervisor dashboard, redrawn on every change (WatchDashboard)");
  dashboard_->add_flag("--once", o_.once, "print one snapshot and exit (for scripts)");
  dashboard_->add_option("--queue", o_.queues, "show only this queue (repeatable)");
  dashboard_->add_option("--max-waiting", o_.max_waiting, "waiting contacts listed")
      ->check(CLI::Range(1u, kTerminalRowsMax))
      ->capture_default_str();

  contacts_ = app.add_subcommand("contacts", "list contacts (Supervision.ListContacts)");
  contacts_->add_option("--queue", o_.queue, "only this queue");
  contacts_->add_option("--state", o_.states,
                        "queued, offered, connected, wrap_up, completed, abandoned, callback "
                        "(repeatable; default: those not finished)");
  contacts_->add_option("--situation", o_.situation, "only contacts with this situation code");
  contacts_->add_option("--operator", o_.operator_id, "only contacts of this operator");
  contacts_->add_option("--limit", o_.limit, "at most this many (default 100)")
      ->check(CLI::Range(1u, kTerminalRowsMax));

  operators_ = app.add_subcommand("operators", "list operators (Supervision.ListOperators)");
  operators_->add_option("--state", o_.states,
                         "available, break, busy, wrap_up, not_responding, offline (repeatable; "
                         "default: everyone logged in)");

  CLI::App* queue = app.add_subcommand("queue", "pause or resume a queue (SetQueuePaused)");
  queue->require_subcommand(1);
  queue_pause_ = queue->add_subcommand("pause", "stop offering the queue's contacts");
  queue_resume_ = queue->add_subcommand("resume", "offer the queue's contacts again");
  for (CLI::App* cmd : {queue_pause_, queue_resume_}) {
    cmd->add_option("queue", o_.target, "the queue's name")->required();
    cmd->add_option("--note", o_.note, "why, for the audit");
  }

  CLI::App* contact = app.add_subcommand("contact", "act on a waiting contact");
  contact->require_subcommand(1);
  contact_priority_ =
      contact->add_subcommand("priority", "change a waiting contact's priority (ChangePriority)");
  contact_priority_->add_option("contact_id", o_.contact_id, "the contact's id")->required();
  contact_priority_->add_option("priority", o_.value, "low, normal, high or urgent")
      ->required()
      ->check(CLI::IsMember({"low", "normal", "high", "urgent"}));
  contact_reassign_ = contact->add_subcommand(
      "reassign", "reserve a waiting contact for one operator (ReassignContact)");
  contact_reassign_->add_option("contact_id", o_.contact_id, "the contact's id")->required();
  contact_reassign_->add_option("operator_id", o_.value, "the operator to take it")->required();
  for (CLI::App* cmd : {contact_priority_, contact_reassign_}) {
    cmd->add_option("--note", o_.note, "why, for the audit");
  }

  operator_state_ = operator_command.add_subcommand(
      "state", "set an operator's state as a supervisor (ForceOperatorState)");
  operator_state_->add_option("operator_id", o_.target, "the operator")->required();
  operator_state_->add_option("state", o_.value, "available, break or offline")
      ->required()
      ->check(CLI::IsMember({"available", "break", "offline"}));
  operator_state_->add_option("--reason", o_.reason, "the break's reason");
  operator_state_->add_option("--note", o_.note, "why, for the audit");
}

std::optional<int> SupervisionCommands::RunParsed(const GlobalOptions& global) const {
  if (dashboard_->parsed()) return RunDashboard(global, o_.once, o_.queues, o_.max_waiting);
  if (contacts_->parsed()) {
    v1::ListContactsRequest request;
    for (const std::string& name : o_.states) {
      std::optional<v1::ContactState> state = ParseContactState(name);
      if (!state) return ReportUsage(fmt::format("--state: \"{}\" is not a contact state", name));
      request.add_states(*state);
    }
    request.set_queue(o_.queue);
    request.set_situation(o_.situation);
    request.set_operator_id(o_.operator_id);
    request.set_limit(o_.limit);
    return RunContacts(global, request);
  }
  if (operators_->parsed()) {
    v1::ListOperatorsRequest request;
    for (const std::string& name : o_.states) {
      std::optional<v1::OperatorState> state = ParseOperatorState(name);
      if (!state) return ReportUsage(fmt::format("--state: \"{}\" is not an operator state", name));
      request.add_states(*state);
    }
    return RunOperators(global, request);
  }
  if (queue_pause_->parsed() || queue_resume_->parsed()) {
    v1::SetQueuePausedRequest request;
    request.set_queue(o_.target);
    request.set_paused(queue_pause_->parsed());
    request.set_note(o_.note);
    return RunAction(
        global,
        [&](auto& stub, auto& context, auto& response) {
          return stub.SetQueuePaused(&context, request, &response);
        },
        fmt::format("queue {} {}", o_.target, request.paused() ? "paused" : "resumed"));
  }
  if (contact_priority_->parsed()) {
    v1::ChangePriorityRequest request;
    request.set_contact_id(o_.contact_id);
    request.set_priority(router::ParsePriority(o_.value).value_or(v1::PRIORITY_UNSPECIFIED));
    request.set_note(o_.note);
    return RunAction(
        global,
        [&](auto& stub, auto& context, auto& response) {
          return stub.ChangePriority(&context, request, &response);
        },
        fmt::format("contact {}: priority {}", o_.contact_id, o_.value));
  }
  if (contact_reassign_->parsed()) {
    v1::ReassignContactRequest request;
    request.set_contact_id(o_.contact_id);
    request.set_operator_id(o_.value);
    request.set_note(o_.note);
    return RunAction(
        global,
        [&](auto& stub, auto& context, auto& response) {
          return stub.ReassignContact(&context, request, &response);
        },
        fmt::format("contact {}: reserved for {}", o_.contact_id, o_.value));
  }
  if (operator_state_->parsed()) {
    v1::ForceOperatorStateRequest request;
    request.set_operator_id(o_.target);
    request.set_state(ParseOperatorState(o_.value).value_or(v1::OPERATOR_STATE_UNSPECIFIED));
    request.set_break_reason(o_.reason);
    request.set_note(o_.note);
    return RunAction(
        global,
        [&](auto& stub, auto& context, auto& response) {
          return stub.ForceOperatorState(&context, request, &response);
        },
        fmt::format("operator {}: {}", o_.target, o_.value));
  }
  return std::nullopt;
}

}  // namespace ekc::ctl
