// `ekcutl rules …`: the rule authors' tools, offline.
//
//   rules check FILE                                   compile only; errors as file:line:column
//   rules explain --rules FILE [--ivr X] [--channel C] TEXT
//                                                      how the rules read one text
//   rules test --rules FILE --examples FILE.jsonl [--json] [--min-macro-f1 X]
//                                                      precision, recall and F1 on labelled
//                                                      examples
//
// Labelled examples are JSON Lines: {"text": "…", "situations": ["code", …], "urgent": true|false}
// (shared/life-situations.md). Exit status 1 when a file is wrong or the quality is below the bar.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "router/classifier.h"
#include "router/names.h"
#include "tools/ekcutl/command_registry.h"
#include "tools/ekcutl/rules_file.h"

namespace ekc::utl::rules {
namespace {

using router::RuleSet;

// Bounds on an examples file: a labelled set is hundreds of lines, not millions.
constexpr size_t kExamplesMax = 100'000;
constexpr size_t kExampleLineBytesMax = 64 * 1024;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(fmt::format("{}: cannot read the file", path));
  return text.str();
}

absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRules(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return RuleSet::Compile(*text, path);
}

struct Example {
  int line = 0;
  std::string text;
  std::set<std::string> situations;
  bool urgent = false;
};

absl::StatusOr<Example> ParseExample(const std::string& path, int line, const std::string& text,
                                     const RuleSet& rules) {
  const auto error = [&](std::string_view reason) {
    return absl::InvalidArgumentError(fmt::format("{}:{}: {}", path, line, reason));
  };
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return error("not a JSON object");
  Example example;
  example.line = line;
  if (!json.contains("text") || !json["text"].is_string()) return error("`text` must be a string");
  example.text = json["text"].get<std::string>();
  if (!json.contains("situations") || !json["situations"].is_array()) {
    return error("`situations` must be a list of codes");
  }
  for (const auto& code : json["situations"]) {
    if (!code.is_string()) return error("`situations` must be a list of codes");
    if (rules.FindSituation(code.get<std::string>()) == nullptr) {
      return error(
          fmt::format("situation `{}` is not defined in the rules", code.get<std::string>()));
    }
    example.situations.insert(code.get<std::string>());
  }
  if (!json.contains("urgent") || !json["urgent"].is_boolean()) {
    return error("`urgent` must be true or false");
  }
  example.urgent = json["urgent"].get<bool>();
  return example;
}

absl::StatusOr<std::vector<Example>> LoadExamples(const std::string& path, const RuleSet& rules) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the file", path));
  std::vector<Example> examples;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.size() > kExampleLineBytesMax) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: a line longer than {} bytes", path, number, kExampleLineBytesMax));
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (examples.size() == kExamplesMax) {
      return absl::InvalidArgumentError(
          fmt::format("{}: more than {} examples", path, kExamplesMax));
    }
    absl::StatusOr<Example> example = ParseExample(path, number, line, rules);
    if (!example.ok()) return example.status();
    examples.push_back(std::move(*example));
  }
  if (examples.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: no examples", path));
  }
  return examples;
}

// ── Metrics ────────────────────────────────────────────────────────────────────────────────────

struct Counts {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  int support() const { return true_positives + false_negatives; }
};

double Ratio(int part, int whole) { return whole == 0 ? 1.0 : static_cast<double>(part) / whole; }

struct Scores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

Scores ScoresOf(const Counts& c) {
  Scores s;
  s.precision = Ratio(c.true_positives, c.true_positives + c.false_positives);
  s.recall = Ratio(c.true_positives, c.support());
  s.f1 = s.precision + s.recall == 0 ? 0 : 2 * s.precision * s.recall / (s.precision + s.recall);
  return s;
}

struct Outcome {
  const Example* example = nullptr;
  std::set<std::string> got;
  bool urgent = false;
  bool exact() const { return got == example->situations && urgent == example->urgent; }
};

struct Report {
  std::map<std::string, Counts> per_situation;  // every code of the rules
  std::vector<std::string> order;               // the rules' order
  std::vector<Outcome> outcomes;
  int urgent_true_positives = 0;
  int urgent_false_positives = 0;
  int urgent_false_negatives = 0;
  int exact = 0;

  // Over the situations that occur in the examples or were predicted.
  double MacroF1() const {
    double sum = 0;
    int counted = 0;
    for (const auto& [code, counts] : per_situation) {
      if (counts.support() == 0 && counts.false_positives == 0) continue;
      sum += ScoresOf(counts).f1;
      ++counted;
    }
    return counted == 0 ? 1.0 : sum / counted;
  }
  double UrgentRecall() const {
    return Ratio(urgent_true_positives, urgent_true_positives + urgent_false_negatives);
  }
  double UrgentPrecision() const {
    return Ratio(urgent_true_positives, urgent_true_positives + urgent_false_positives);
  }
  double ExactMatch() const { return Ratio(exact, static_cast<int>(outcomes.size())); }
};

Report Evaluate(const RuleSet& rules, const std::vector<Example>& examples) {
  Report report;
  for (const auto& info : rules.situations()) {
    report.per_situation[info.code];
    report.order.push_back(info.code);
  }
  for (const Example& example : examples) {
    const ekc::v1::Classification c =
        rules.Classify(router::ClassifyInput{example.text, ekc::v1::CHANNEL_CHAT, ""});
    Outcome outcome{&example, {}, c.priority() == ekc::v1::PRIORITY_URGENT};
    for (const auto& s : c.situations()) outcome.got.insert(s.code());
    for (const std::string& code : report.order) {
      const bool want = example.situations.count(code) > 0;
      const bool got = outcome.got.count(code) > 0;
      Counts& counts = report.per_situation[code];
      counts.true_positives += want && got;
      counts.false_positives += !want && got;
      counts.false_negatives += want && !got;
    }
    report.urgent_true_positives += example.urgent && outcome.urgent;
    report.urgent_false_positives += !example.urgent && outcome.urgent;
    report.urgent_false_negatives += example.urgent && !outcome.urgent;
    report.exact += outcome.exact();
    report.outcomes.push_back(std::move(outcome));
  }
  return report;
}

// ── Printing ───────────────────────────────────────────────────────────────────────────────────

std::string Join(const std::set<std::string>& codes) {
  std::string out;
  for (const std::string& code : codes) out += (out.empty() ? "" : ", ") + code;
  return out.empty() ? "—" : out;
}

void PrintClassification(const ekc::v1::Classification& c, std::ostream& out) {
  if (c.situations().empty()) out << "  no situation\n";
  for (const auto& s : c.situations()) {
    out << fmt::format("  {} (score {:g}{})", s.code(), s.score(), s.urgent() ? ", urgent" : "");
    if (!s.queue().empty()) out << fmt::format(" queue {}", s.queue());
    out << "\n";
    for (const auto& t : s.terms()) {
      out << fmt::format("      {} «{}» at {}\n", t.matcher(), t.text(), t.offset());
    }
  }
  out << fmt::format("  priority {}\n", router::PriorityName(c.priority()));
}

void PrintRejected(const router::Explanation& e, std::ostream& out) {
  if (e.rejected.empty()) return;
  out << "  did not count:\n";
  for (const auto& r : e.rejected) {
    out << fmt::format("      {} {} «{}» at {}: {}\n", r.code, r.matcher, r.text, r.offset,
                       r.reason);
  }
}

void PrintTextReport(const RuleSet& rules, const Report& report, std::ostream& out) {
  out << fmt::format("{:<24} {:>9} {:>9} {:>9} {:>8}\n", "situation", "precision", "recall", "f1",
                     "support");
  for (const std::string& code : report.order) {
    const Counts& counts = report.per_situation.at(code);
    const Scores s = ScoresOf(counts);
    out << fmt::format("{:<24} {:>9.3f} {:>9.3f} {:>9.3f} {:>8}\n", code, s.precision, s.recall,
                       s.f1, counts.support());
  }
  out << fmt::format(
      "\nexamples {}  macro-F1 {:.4f}  urgent recall {:.4f}  urgent precision {:.4f}  exact match "
      "{:.4f}\n",
      report.outcomes.size(), report.MacroF1(), report.UrgentRecall(), report.UrgentPrecision(),
      report.ExactMatch());
  for (const Outcome& o : report.outcomes) {
    if (o.exact()) continue;
    out << fmt::format("\nline {}: {}\n  expected: {}{}\n  got:      {}{}\n", o.example->line,
                       o.example->text, Join(o.example->situations),
                       o.example->urgent ? " (urgent)" : "", Join(o.got),
                       o.urgent ? " (urgent)" : "");
    const router::Explanation e =
        rules.Explain(router::ClassifyInput{o.example->text, ekc::v1::CHANNEL_CHAT, ""});
    PrintClassification(e.classification, out);
    PrintRejected(e, out);
  }
}

nlohmann::json JsonReport(const Report& report) {
  nlohmann::json json;
  json["examples"] = report.outcomes.size();
  json["macro_f1"] = report.MacroF1();
  json["urgent_recall"] = report.UrgentRecall();
  json["urgent_precision"] = report.UrgentPrecision();
  json["exact_match"] = report.ExactMatch();
  nlohmann::json per_situation = nlohmann::json::object();
  for (const std::string& code : report.order) {
    const Counts& counts = report.per_situation.at(code);
    const Scores s = ScoresOf(counts);
    per_situation[code] = {{"precision", s.precision},
                           {"recall", s.recall},
                           {"f1", s.f1},
                           {"support", counts.support()}};
  }
  json["per_situation"] = per_situation;
  nlohmann::json misclassified = nlohmann::json::array();
  for (const Outcome& o : report.outcomes) {
    if (o.exact()) continue;
    misclassified.push_back({{"line", o.example->line},
                             {"text", o.example->text},
                             {"expected", o.example->situations},
                             {"got", o.got},
                             {"expected_urgent", o.example->urgent},
                             {"got_urgent", o.urgent}});
  }
  json["misclassified"] = misclassified;
  return json;
}

// ── Commands ───────────────────────────────────────────────────────────────────────────────────

int Check(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = LoadRules(path);
  if (!rules.ok()) {
    std::cerr << rules.status().message() << "\n";
    return kExitFailed;
  }
  std::cout << fmt::format("{}: {} situations, version {}\n", path, (*rules)->situations().size(),
                           (*rules)->version());
  return kExitOk;
}

struct ExplainOptions {
  std::string rules;
  std::string text;
  std::string ivr;
  std::string channel = "chat";
};

int Explain(const ExplainOptions& options) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = LoadRules(options.rules);
  if (!rules.ok()) {
    std::cerr << rules.status().message() << "\n";
    return kExitFailed;
  }
  const std::optional<ekc::v1::Channel> channel = router::ParseChannel(options.channel);
  if (!channel) {
    std::cerr << fmt::format("unknown channel `{}`: use voice, chat, portal or messenger\n",
                             options.channel);
    return kExitUsage;
  }
  const router::Explanation e =
      (*rules)->Explain(router::ClassifyInput{options.text, *channel, options.ivr});
  std::ostream& out = std::cout;
  out << fmt::format("rules {} ({})\n", options.rules, (*rules)->version());
  if (!e.fillers.empty()) {
    std::string fillers;
    for (const auto& f : e.fillers) fillers += (fillers.empty() ? "" : ", ") + f;
    out << fmt::format("fillers dropped: {}\n", fillers);
  }
  out << "words (offset, as written → normalised / stem; rule words matched):\n";
  for (const auto& w : e.words) {
    std::string terms;
    for (const auto& t : w.terms) terms += (terms.empty() ? "" : ", ") + t;
    out << fmt::format("  {}{:>5} {} → {}{} / {}{}\n", w.clause_break_before ? "| " : "  ",
                       w.offset, w.text, w.normalized,
                       w.number.empty() || w.number == w.normalized ? "" : " = " + w.number, w.stem,
                       terms.empty() ? "" : "; " + terms);
  }
  if (!e.regex_text.empty()) out << fmt::format("regex text: «{}»\n", e.regex_text);
  out << "classification:\n";
  PrintClassification(e.classification, out);
  PrintRejected(e, out);
  return kExitOk;
}

struct TestOptions {
  std::string rules;
  std::string examples;
  bool json = false;
  double min_macro_f1 = 0;
};

int Test(const TestOptions& options) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = LoadRules(options.rules);
  if (!rules.ok()) {
    std::cerr << rules.status().message() << "\n";
    return kExitFailed;
  }
  absl::StatusOr<std::vector<Example>> examples = LoadExamples(options.examples, **rules);
  if (!examples.ok()) {
    std::cerr << examples.status().message() << "\n";
    return kExitFailed;
  }
  const Report report = Evaluate(**rules, *examples);
  if (options.json) {
    std::cout << JsonReport(report).dump() << "\n";
  } else {
    PrintTextReport(**rules, report, std::cout);
  }
  if (report.MacroF1() < options.min_macro_f1) {
    std::cerr << fmt::format("macro-F1 {:.4f} is below the required {:.4f}\n", report.MacroF1(),
                             options.min_macro_f1);
    return kExitFailed;
  }
  return kExitOk;
}

const CommandRegistration kRegistration([](CLI::App& app, int& exit_status) {
  CLI::App* rules = app.add_subcommand(
      "rules", "classification rules, offline: check a file, explain a text, test on examples");
  rules->require_subcommand(1);

  CLI::App* check = rules->add_subcommand("check", "compile a rules file; errors as file:line:col");
  auto check_path = std::make_shared<std::string>();
  check->add_option("file", *check_path, "the rules file")->required();
  check->callback([check_path, &exit_status] { exit_status = Check(*check_path); });

  CLI::App* explain =
      rules->add_subcommand("explain", "how the rules read a text: words, stems, matches, scores");
  auto explain_options = std::make_shared<ExplainOptions>();
  explain->add_option("--rules", explain_options->rules, "the rules file")->required();
  explain->add_option("--ivr", explain_options->ivr, "the IVR choice, e.g. 3.1");
  explain->add_option("--channel", explain_options->channel, "voice, chat, portal or messenger")
      ->capture_default_str();
  explain->add_option("text", explain_options->text, "the citizen's text")->required();
  explain->callback([explain_options, &exit_status] { exit_status = Explain(*explain_options); });

  CLI::App* test = rules->add_subcommand(
      "test", "precision, recall and F1 of a rules file on labelled examples (JSON Lines)");
  auto test_options = std::make_shared<TestOptions>();
  test->add_option("--rules", test_options->rules, "the rules file")->required();
  test->add_option("--examples", test_options->examples,
                   "labelled examples: {\"text\", \"situations\", \"urgent\"} a line")
      ->required();
  test->add_flag("--json", test_options->json, "print one JSON object");
  test->add_option("--min-macro-f1", test_options->min_macro_f1,
                   "exit with status 1 when macro-F1 is below this");
  test->callback([test_options, &exit_status] { exit_status = Test(*test_options); });
});

}  // namespace

absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRulesFile(const std::string& path) {
  return LoadRules(path);
}

}  // namespace ekc::utl::rules
