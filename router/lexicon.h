#pragma once

// Internal to the classifier: the words of a rules file ("terms") and how a word of a text matches
// them. A term is what a rule author wrote for one word: a stem («инвалид»: every word that starts
// with it), a whole word («=сво»), or a number («3», which «3», «трое» and «три» all are). A word
// matches a term
//   - by prefix (a stem) or equality (a whole word, a number), as written;
//   - by its Snowball stem, when the author wrote a whole inflected word («пособие» finds
//     «пособия»: both stem to «пособ»);
//   - by an irregular form of the term's word group («ребенок» finds «детей», «отец» finds «отца»);
//   - with one typo (Damerau–Levenshtein distance 1, never in the first letter) for stems of
//     kFuzzyLettersMin letters or more («многодеиные», «инвалиднасть» → «многодет», «инвалид»).
//
// Built once by the rules compiler; immutable and shared after that. Match is const and
// thread-safe: it memoises per thread (a thread_local cache, bounded, keyed by this lexicon), so a
// word seen before costs one hash lookup.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "router/text.h"

namespace ekc::router::rules {

// Typos are forgiven only in stems this long: shorter ones have too many neighbours.
inline constexpr size_t kFuzzyLettersMin = 6;
// A stem found through the Snowball stem must be at least this long («родил» stems to «род», which
// would find «рода»; such an entry keeps only its prefix).
inline constexpr size_t kStemMatchLettersMin = 4;
// Distinct words a thread remembers; past it the cache starts over.
inline constexpr size_t kWordCacheEntriesMax = 1 << 15;

enum class TermKind : uint8_t {
  kPrefix,  // a stem: the word starts with it
  kExact,   // the whole word
  kNumber,  // a number: the word's value
};

struct Term {
  std::string text;  // normalised (router/normalize.h)
  TermKind kind = TermKind::kPrefix;
  bool fuzzy = true;  // typos forgiven (only stems of kFuzzyLettersMin letters or more)
};

// A term id matched by a word; the bit is set when the match needed a typo to be forgiven.
inline constexpr uint32_t kTypoBit = 1u << 31;

// How a word matched a term, for explanations.
enum class MatchWay : uint8_t { kAsWritten, kStem, kIrregularForm, kTypo };

class Lexicon {
 public:
  Lexicon();

  // Adds a term (or finds the same one) and returns its id.
  uint32_t Add(const Term& term);
  // Builds the indexes; call once, after the last Add.
  void Build();

  // The terms `word` matches, ascending by id (kTypoBit marks typo matches), appended to `out`.
  // Memoised per thread.
  void Match(const Token& word, std::vector<uint32_t>* out) const;
  // The same without the cache, with how each term matched.
  void MatchUncached(const Token& word, std::vector<uint32_t>* out,
                     std::vector<MatchWay>* ways = nullptr) const;

  const Term& term(uint32_t id) const { return terms_[id & ~kTypoBit]; }
  size_t size() const { return terms_.size(); }

 private:
  using Index = std::unordered_map<std::string, std::vector<uint32_t>>;

  void AddTypoKeys(uint32_t id);
  void MatchTypos(const Token& word, std::vector<uint32_t>* out, std::vector<MatchWay>* ways) const;

  std::vector<Term> terms_;
  Index ids_;          // "kind:text:fuzzy" → id, to share equal terms
  Index by_prefix_;    // stem → prefix terms
  Index by_exact_;     // whole word (as written, or an irregular form) → terms
  Index by_number_;    // value → number terms
  Index by_stem_;      // Snowball stem → prefix terms written as inflected words
  Index by_typo_key_;  // a fuzzy stem and its one-letter deletions → terms
  size_t typo_letters_max_ = 0;
  // Identifies this lexicon to the per-thread caches; see Match.
  std::shared_ptr<const char> identity_;
};

}  // namespace ekc::router::rules
