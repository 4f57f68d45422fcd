#pragma once

// RuleSet: a compiled, immutable set of classification rules, and Classify — a pure function from a
// contact's text, channel and IVR choice to its life situations (ranked, with the words that matched)
// and its priority.
//
// A RuleSet is built once from the rules file's text (the daemon reads the file; the core reads no
// files) and shared read-only between threads: Classify is const and may run on many threads at once.
// Compile errors are values: INVALID_ARGUMENT with "file:line:column: reason"; a bad file yields no
// RuleSet at all, never a partial one.
//
// The rules language (situations with stem words, phrases, IVR choices, urgency markers, false
// friends, weights and negatable status words) is described at the top of
// deploy/rules/default.yaml; text normalisation (case, ё→е, Latin look-alikes, tokens with byte offsets) is router/text.h.
// Classify reads at most the first 64 KiB of the text and shows at most 16 terms a situation; it
// uses no locks, clocks or I/O, so the same rules and input always give the same result.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ekc/v1/common.pb.h"

namespace ekc::router {

struct ClassifyInput {
  std::string_view text;                                       // UTF-8; malformed bytes are tolerated
  ekc::v1::Channel channel = ekc::v1::CHANNEL_UNSPECIFIED;
  std::string_view ivr_choice;                                 // e.g. "2" or "2.1"; may be empty
};

struct SituationInfo {
  std::string code;   // e.g. "disabled_child"
  std::string title;  // e.g. "Ребёнок-инвалид"
  ekc::v1::Priority priority = ekc::v1::PRIORITY_NORMAL;  // PRIORITY_URGENT for the always-urgent codes
};

class RuleSet {
 public:
  // Compiles rules from the YAML text of a rules file. `file_name` is used in error messages only.
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Compile(std::string_view yaml_text,
                                                                std::string_view file_name);

  virtual ~RuleSet() = default;

  // Situations best first (each with score, urgency and matched terms with byte offsets into
  // input.text), the resulting priority (URGENT if any urgency rule fired; else the highest priority of
  // the matched situations; NORMAL when nothing matched) and this rule set's version.
  virtual ekc::v1::Classification Classify(const ClassifyInput& input) const = 0;

  // A content hash of the rules text, e.g. "fnv64:1f2e3d4c5b6a7988"; recorded with every contact.
  virtual const std::string& version() const = 0;
  // Every situation the rules define, in file order.
  virtual const std::vector<SituationInfo>& situations() const = 0;
  const SituationInfo* FindSituation(std::string_view code) const;
};

}  // namespace ekc::router
