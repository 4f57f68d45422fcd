#pragma once

// RuleSet: a compiled, immutable set of classification rules, and Classify — a pure function from a
// contact's text, channel and IVR choice to its life situations (ranked, with the words that
// matched) and its priority.
//
// A RuleSet is built once from the rules file's text (the daemon reads the file; the core reads no
// files) and shared read-only between threads: Classify is const and may run on many threads at
// once. Compile errors are values: INVALID_ARGUMENT with "file:line:column: reason"; a bad file
// yields no RuleSet at all, never a partial one.
//
// The rules language (situations with stems, whole words, phrases with gaps, regexes, IVR choices,
// urgency markers, false friends, weights, negatable status words and who is affected) is
// described in docs/rules.md; text normalisation is router/text.h and router/normalize.h, word
// matching (Snowball stems, irregular forms, typos) router/lexicon.h.
// Classify reads at most the first 64 KiB of the text and shows at most 16 terms a situation; it
// uses no locks, clocks or I/O (only per-thread memo caches and scratch buffers that never change
// a result), so the same rules and input always give the same result.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/common.pb.h"

namespace ekc::router {

struct ClassifyInput {
  std::string_view text;  // UTF-8; malformed bytes are tolerated
  ekc::v1::Channel channel = ekc::v1::CHANNEL_UNSPECIFIED;
  std::string_view ivr_choice;  // e.g. "2" or "2.1"; may be empty
};

struct SituationInfo {
  std::string code;   // e.g. "disabled_child"
  std::string title;  // e.g. "Ребёнок-инвалид"
  ekc::v1::Priority priority =
      ekc::v1::PRIORITY_NORMAL;  // PRIORITY_URGENT for the always-urgent codes
  // What the rules say an operator needs for this situation (e.g. {"disability"}), and the queue
  // that should take it (e.g. "disability"); empty when the rules leave it to the routing config.
  // Both are copied into every SituationMatch.
  std::vector<std::string> skills;
  std::string queue;
};

// How Classify read a text, for the rule authors' tools (ekcutl rules explain / test).
struct ExplainedWord {
  std::string text;        // as written in the input (malformed bytes shown as U+FFFD)
  std::string normalized;  // what the rules compare with
  std::string stem;        // its Snowball stem
  std::string number;      // its value when it is a number («трое» → "3")
  uint32_t offset = 0;
  uint32_t length = 0;
  bool clause_break_before = false;
  std::vector<std::string> terms;  // the rule words it matched: "инвалид", "пособие (stem)", …
};

// A match that was found but does not count, and why («negated by «не»», «excluded by …»).
struct RejectedMatch {
  std::string code;  // the situation
  std::string matcher;
  std::string text;  // the words of the input
  uint32_t offset = 0;
  std::string reason;
};

struct Explanation {
  std::vector<ExplainedWord> words;
  std::vector<std::string> fillers;  // dropped words («алло», «ну», …)
  std::string regex_text;            // the text regexes ran on, one clause a line
  std::vector<RejectedMatch> rejected;
  ekc::v1::Classification classification;  // exactly what Classify returns
};

class RuleSet {
 public:
  // Compiles rules from the YAML text of a rules file. `file_name` is used in error messages only.
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Compile(std::string_view yaml_text,
                                                                std::string_view file_name);

  virtual ~RuleSet() = default;

  // Situations best first (each with score, urgency and matched terms with byte offsets into
  // input.text), the resulting priority (URGENT if any urgency rule fired; else the highest
  // priority of the matched situations; NORMAL when nothing matched) and this rule set's version.
  virtual ekc::v1::Classification Classify(const ClassifyInput& input) const = 0;
  // Classify, with the words as the rules read them and the matches that did not count. Slower:
  // for tools, not for the intake path.
  virtual Explanation Explain(const ClassifyInput& input) const = 0;

  // A content hash of the rules text, e.g. "fnv64:1f2e3d4c5b6a7988"; recorded with every contact.
  virtual const std::string& version() const = 0;
  // Every situation the rules define, in file order.
  virtual const std::vector<SituationInfo>& situations() const = 0;
  const SituationInfo* FindSituation(std::string_view code) const;
};

}  // namespace ekc::router
