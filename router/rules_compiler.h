#pragma once

// Internal to the classifier: the compiled form of a rules file and the compiler that builds it
// from YAML. classifier.cc matches texts against it; nothing outside router/ should include this
// header.
//
// The language (what a methodologist writes) is described at the top of deploy/rules/default.yaml.
// In short: a situation has matchers — `words` (stem prefixes), `phrases` (consecutive stems),
// `ivr` (menu choices) — that add their weight to its score when they fire;
// `urgent_words`/`urgent_phrases` that make a recognised situation urgent, unless a
// `not_urgent_phrases` entry («в прошлом году») shares their clause; and `exclude_phrases` (false
// friends) that cancel the matches they overlap. The structures are kept general on purpose
// — a pattern is a sequence of word matchers with a role, a weight and flags — so that the full
// engine can add regexes, gaps between words, negation scopes and co-occurrence conditions as new
// fields and roles, without a second matching pipeline.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "router/classifier.h"

namespace ekc::router::rules {

// Bounds on what a rules file may define; a file past them is refused with a clear error.
inline constexpr size_t kRulesTextBytesMax = 4 << 20;
inline constexpr size_t kSituationsMax = 256;
inline constexpr size_t kEntriesPerSituationMax = 4096;
inline constexpr size_t kPhraseWordsMax = 8;
inline constexpr size_t kIvrChoiceBytesMax = 32;
inline constexpr size_t kTitleBytesMax = 256;
inline constexpr size_t kCodeBytesMax = 64;
// A stem shorter than this would match far too many words («мат» in «матрас», «сво» in «свой»);
// shorter words are matched whole (written «=чс» in `words`, automatically inside phrases).
inline constexpr size_t kStemLettersMin = 3;
inline constexpr double kWeightMax = 100.0;

// What a pattern does when it fires.
enum class PatternRole : uint8_t {
  kEvidence,  // adds its weight to the situation's score (words, phrases)
  kUrgent,    // makes the situation urgent when the situation matches; adds nothing to the score
  kExclude,   // cancels the situation's other matches that it overlaps (false friends)
  kCalm,  // in the same clause as an urgent marker, makes it not count («в прошлом году»)
};

// One word of a pattern, compared with a token's normalised form.
struct WordMatcher {
  std::string text;    // normalised (text.h), e.g. «инвалид»
  bool exact = false;  // the whole token must equal `text`; otherwise `text` is a prefix (a stem)

  bool Matches(std::string_view token) const {
    return exact ? token == text : token.substr(0, text.size()) == text;
  }
};

struct Pattern {
  uint32_t situation = 0;  // index into CompiledRules::situations
  PatternRole role = PatternRole::kEvidence;
  std::vector<WordMatcher> words;  // 1..kPhraseWordsMax, consecutive tokens of one clause
  double weight = 0;               // for kEvidence
  // «не»/«ни»/«нет» directly before the match, or «нет» closing its clause within two words after
  // it, cancels the match and the situation's other matches on the same words («ребёнок не
  // инвалид», «суицидальных мыслей нет»).
  bool negatable = false;
  std::string
      matcher;  // shown to operators and methodologists, e.g. "word:инвалид", "phrase:нечего есть"
};

struct IvrRule {
  std::string
      choice;  // "3" matches the choices "3", "3.1", "3.1.2"; "3.1" matches "3.1" and "3.1.x"
  double weight = 0;
  std::string matcher;  // "ivr:3"
};

struct CompiledSituation {
  double threshold = 1;  // the score at which the situation is recognised
  // The position in the rules' tie_break list (lower wins a tie of urgency and score), or
  // kUnranked.
  uint32_t tie_rank = 0;
  std::vector<IvrRule> ivr;
  uint32_t patterns_begin = 0;  // this situation's patterns are patterns[begin, end)
  uint32_t patterns_end = 0;
};

inline constexpr uint32_t kUnranked = UINT32_MAX;

struct CompiledRules {
  std::string version;                        // "fnv64:" + 16 hex digits of the YAML text
  std::vector<SituationInfo> infos;           // in file order
  std::vector<CompiledSituation> situations;  // parallel to `infos`
  std::vector<Pattern> patterns;              // grouped by situation, in file order within it
  // Pattern indices by their first word: exact words by the whole normalised token, stems by
  // prefix.
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_exact_first_word;
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_stem_first_word;
};

// Compiles a rules file. Errors are INVALID_ARGUMENT "FILE:LINE:COLUMN: reason" (1-based) pointing
// at the offending node; yaml-cpp's exceptions never leave this function.
absl::StatusOr<CompiledRules> CompileRules(std::string_view yaml_text, std::string_view file_name);

}  // namespace ekc::router::rules
