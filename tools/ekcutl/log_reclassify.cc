// `ekcutl log reclassify --rules FILE`: every contact the log received, classified again with
// another rules file, and what would change — the top situation, the set of situations, the
// priority — so that a methodologist sees the effect of a rules change on real traffic before it is
// put in force. Offline and read-only; the texts are read, never printed.

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/log_commands.h"
#include "tools/ekcutl/log_common.h"
#include "tools/ekcutl/rules_file.h"

namespace ekc::utl::log {
namespace {

namespace v1 = ekc::v1;

struct ReclassifyOptions {
  CommonOptions common;
  std::string rules;
  size_t examples = 20;
};

// A classification as compared here: its situations by rank, and its priority.
struct Reading {
  std::vector<std::string> codes;
  v1::Priority priority = v1::PRIORITY_UNSPECIFIED;

  std::string Top() const { return codes.empty() ? "none" : codes.front(); }
  nlohmann::json Json() const {
    return {{"situations", codes}, {"priority", v1::Priority_Name(priority)}};
  }
};

Reading ReadingOf(const v1::Classification& c) {
  Reading r;
  for (const auto& s : c.situations()) r.codes.push_back(s.code());
  r.priority = c.priority();
  return r;
}

std::set<std::string> Set(const Reading& r) { return {r.codes.begin(), r.codes.end()}; }

int Reclassify(const ReclassifyOptions& options) {
  absl::StatusOr<std::shared_ptr<const router::RuleSet>> rules =
      rules::LoadRulesFile(options.rules);
  if (!rules.ok()) return Fail(rules.status());
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = OpenForAudit(options.common.data_dir);
  if (!log.ok()) return Fail(log.status());

  uint64_t contacts = 0, top_changed = 0, set_changed = 0, priority_changed = 0;
  uint64_t became_urgent = 0, no_longer_urgent = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> moves;  // (old top, new top) → contacts
  std::map<std::string, uint64_t> old_versions;
  nlohmann::json examples = nlohmann::json::array();
  absl::Status read = (*log)->ReadFrom(Sequence(0), [&](const v1::EventRecord& e) {
    if (!e.has_contact_received()) return absl::OkStatus();
    const v1::ContactCard& card = e.contact_received().contact();
    ++contacts;
    ++old_versions[card.classification().rules_version()];
    const Reading before = ReadingOf(card.classification());
    const Reading after = ReadingOf((*rules)->Classify(router::ClassifyInput{
        .text = card.text(), .channel = card.channel(), .ivr_choice = card.ivr_choice()}));
    const bool top = before.Top() != after.Top();
    const bool set = Set(before) != Set(after);
    const bool priority = before.priority != after.priority;
    top_changed += top;
    set_changed += set;
    priority_changed += priority;
    became_urgent += priority && after.priority == v1::PRIORITY_URGENT;
    no_longer_urgent += priority && before.priority == v1::PRIORITY_URGENT;
    if (top) ++moves[{before.Top(), after.Top()}];
    if ((top || set || priority) && examples.size() < options.examples) {
      examples.push_back({{"contact_id", e.contact_id()},
                          {"seq", e.sequence()},
                          {"before", before.Json()},
                          {"after", after.Json()}});
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return Fail(read);

  std::vector<std::pair<std::pair<std::string, std::string>, uint64_t>> ranked(moves.begin(),
                                                                               moves.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  nlohmann::json out = {{"contacts", contacts},
                        {"rules_version", (*rules)->version()},
                        {"recorded_rules_versions", old_versions},
                        {"top_changed", top_changed},
                        {"situations_changed", set_changed},
                        {"priority_changed", priority_changed},
                        {"became_urgent", became_urgent},
                        {"no_longer_urgent", no_longer_urgent},
                        {"moves", nlohmann::json::array()},
                        {"examples", examples}};
  for (const auto& [move, n] : ranked) {
    out["moves"].push_back({{"from", move.first}, {"to", move.second}, {"contacts", n}});
  }
  if (options.common.json) {
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  std::cout << fmt::format(
      "{} contacts reclassified with {} (version {})\n"
      "  top situation changed: {}\n  situations changed:    {}\n  priority changed:      {} "
      "({} became urgent, {} no longer urgent)\n",
      contacts, options.rules, (*rules)->version(), top_changed, set_changed, priority_changed,
      became_urgent, no_longer_urgent);
  for (const auto& [move, n] : ranked) {
    std::cout << fmt::format("  {:>6}  {} → {}\n", n, move.first, move.second);
  }
  for (const auto& x : examples) {
    std::cout << fmt::format("  contact {}: {} → {}\n", x["contact_id"].get<uint64_t>(),
                             x["before"].dump(), x["after"].dump());
  }
  return kExitOk;
}

}  // namespace

void AddReclassifyCommand(CLI::App& log, int& exit_status) {
  auto options = std::make_shared<ReclassifyOptions>();
  CLI::App* command = log.add_subcommand(
      "reclassify",
      "classify every recorded contact again with another rules file and report what changes");
  AddCommonOptions(*command, options->common);
  command->add_option("--rules", options->rules, "the rules file to try")->required();
  command->add_option("--examples", options->examples, "changed contacts to list")
      ->capture_default_str();
  command->callback([options, &exit_status] { exit_status = Reclassify(*options); });
}

}  // namespace ekc::utl::log
