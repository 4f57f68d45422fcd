#pragma once

// Internal to the classifier: the compiled form of a rules file and the compiler that builds it
// from YAML. classifier.cc matches texts against it; nothing outside router/ should include this
// header. docs/rules.md describes the language for the people who write it.
//
// In short: a situation has matchers — `words` (stems, whole words, numbers), `phrases` (words in
// order with at most `gap` other words between them, in one clause), `regexes` (RE2 over the
// normalised text), `ivr` (menu choices) — that add their weight to its score when they fire;
// `urgent_*` markers that make a recognised situation urgent unless a `not_urgent_phrases` entry
// («в прошлом году») shares their clause; and `exclude_*` entries (false friends) that cancel the
// matches they overlap. An entry may be negatable (a status word: «не инвалид») and may ask who is
// affected (`who:` — the nearest kinship word of the `kinship:` groups). Every word of every entry
// is a term of one Lexicon (router/lexicon.h), so a text's words are matched once, whatever the
// number of rules.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

#include "absl/status/statusor.h"

#include "router/classifier.h"
#include "router/lexicon.h"

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
// The most other words a phrase may allow between two of its words.
inline constexpr uint32_t kGapMax = 5;
inline constexpr size_t kRegexBytesMax = 1024;
inline constexpr size_t kRegexesMax = 1024;
// Memory for the compiled regular expressions, each alone and all together (RE2::Set); RE2's
// default (8 MiB) is too small for a thousand alternations of Russian words.
inline constexpr int64_t kRegexMemoryBytesMax = int64_t{64} << 20;
inline constexpr size_t kKinGroupsMax = 30;
inline constexpr size_t kSkillsMax = 16;
inline constexpr size_t kNameBytesMax = 64;  // a skill or a queue name

// What a pattern does when it fires.
enum class PatternRole : uint8_t {
  kEvidence,  // adds its weight to the situation's score (words, phrases)
  kUrgent,    // makes the situation urgent when the situation matches; adds nothing to the score
  kExclude,   // cancels the situation's other matches that it overlaps (false friends)
  kCalm,  // in the same clause as an urgent marker, makes it not count («в прошлом году»)
};

// Who is affected, for entries with `who:` (bit 0: no kinship word near the match; bit k + 1:
// kinship group k). 0 means anyone.
using WhoMask = uint32_t;
inline constexpr WhoMask kWhoNobody = 1;

struct Pattern {
  uint32_t situation = 0;  // index into CompiledRules::situations
  PatternRole role = PatternRole::kEvidence;
  std::vector<uint32_t> words;  // term ids (Lexicon), 1..kPhraseWordsMax; empty for a regex
  int32_t regex = -1;           // index into CompiledRules::regexes, or -1
  uint32_t gap = 0;             // other words allowed between two words of a phrase
  double weight = 0;            // for kEvidence
  // A negation particle shortly before the match (through words like «является», «мы»), or «нет»
  // closing its clause after it, cancels the match and the situation's other matches on the same
  // words («ребёнок не инвалид», «суицидальных мыслей нет»); a hedge («вроде») keeps it.
  bool negatable = false;
  bool urgent = false;  // evidence that is also an urgent marker
  WhoMask who = 0;      // the nearest kinship word must be of these groups
  WhoMask near = 0;     // some kinship word of these groups must be near, in the same clause
  // Shown to operators and methodologists, e.g. "word:инвалид", "phrase:нечего есть".
  std::string matcher;
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
  uint32_t channels = 0;  // bit per ekc::v1::Channel the text matchers apply on; 0 = every channel
};

inline constexpr uint32_t kUnranked = UINT32_MAX;

struct CompiledRules {
  std::string version;                        // "fnv64:" + 16 hex digits of the YAML text
  std::vector<SituationInfo> infos;           // in file order
  std::vector<CompiledSituation> situations;  // parallel to `infos`
  std::vector<Pattern> patterns;              // grouped by situation, in file order within it
  Lexicon lexicon;
  std::vector<std::vector<uint32_t>> patterns_by_first_term;  // term id → patterns it starts
  std::vector<std::string> kin_groups;                        // names, in file order
  std::vector<uint8_t> term_kin;  // term id → kinship group index + 1, or 0
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<uint32_t> regex_patterns;  // regex index → pattern index
  std::unique_ptr<RE2::Set> regex_set;   // every regex, to find which ones match in one pass
};

// Compiles a rules file. Errors are INVALID_ARGUMENT "FILE:LINE:COLUMN: reason" (1-based) pointing
// at the offending node; yaml-cpp's exceptions never leave this function.
absl::StatusOr<CompiledRules> CompileRules(std::string_view yaml_text, std::string_view file_name);

}  // namespace ekc::router::rules
