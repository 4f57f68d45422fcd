#include "router/classifier.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "router/morphology.h"
#include "router/normalize.h"
#include "router/rules_compiler.h"
#include "router/text.h"

namespace ekc::router {

const SituationInfo* RuleSet::FindSituation(std::string_view code) const {
  for (const SituationInfo& s : situations()) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

namespace {

using rules::CompiledRules;
using rules::CompiledSituation;
using rules::Pattern;
using rules::PatternRole;

// Bounds on one classification, whatever the input. Intake already refuses texts over 64 KiB; the
// classifier does not rely on it.
constexpr size_t kClassifyTextBytesMax = 64 * 1024;
constexpr size_t kTokensMax = 16 * 1024;
// Pattern occurrences kept for one text; past it further occurrences are ignored (a text repeating
// one word thousands of times gains nothing from the rest).
constexpr size_t kHitsMax = 64 * 1024;
constexpr size_t kTermsPerSituationMax = 16;
// Negation reaches back this many words before a status word («не являемся многодетной»)…
constexpr size_t kNegationBeforeWordsMax = 3;
// …and «нет» this many words after it («суицидальных мыслей нет»).
constexpr size_t kNegationAfterWordsMax = 2;
// A hedge («вроде», «кажется») this close to a negation keeps the topic.
constexpr size_t kHedgeWindowWords = 3;
// How far from a match the nearest kinship word is looked for (`who:`).
constexpr size_t kWhoWindowWords = 6;
// Occurrences of one regex recorded for one text.
constexpr size_t kRegexMatchesMax = 16;
// Positions a phrase's next word may take (each previous position allows gap + 1).
constexpr size_t kPhrasePositionsMax = 64;
// Score comparisons tolerate the rounding of summed fractional weights (0.1 + 0.2 + 0.7 ≥ 1).
constexpr double kScoreEpsilon = 1e-9;

static_assert(kTokensMax <= kClassifyTextBytesMax, "a token takes at least one byte");
static_assert(kTermsPerSituationMax > 0);
static_assert(kPhrasePositionsMax > rules::kGapMax + 1);

// What the negation logic needs to know of a word: a bit each, found with one lookup per word.
enum WordFlag : uint8_t {
  kNegator = 1 << 0,         // «не», «ни», «нет», «нету»
  kClosingNegator = 1 << 1,  // «нет», «нету»: negates what comes before when it ends the clause
  kNot = 1 << 2,  // «не»: before a word of being that ends the clause («не было»)
  kTransparent = 1 << 3,
  kHedge = 1 << 4,
  kBeing = 1 << 5,
  kClauseWord = 1 << 6,
};

constexpr std::string_view kNegators[] = {"не", "ни", "нет", "нету"};

// Words a negation reaches through to the status word after them: «мы не являемся
// многодетными», «он у нас не инвалид». A word not listed here (a process verb: «не дали
// инвалидность») takes the negation for itself.
constexpr std::string_view kTransparentWords[] = {
    "я",        "мы",       "он",       "она",     "они",      "ты",       "вы",        "меня",
    "нас",      "его",      "ее",       "их",      "мне",      "нам",      "ему",       "ей",
    "им",       "у",        "же",       "ведь",    "совсем",   "вообще",   "уже",       "еще",
    "больше",   "точно",    "даже",     "тоже",    "никакой",  "никакая",  "никакие",   "никаких",
    "никаким",  "никто",    "вовсе",    "являюсь", "являемся", "является", "являются",  "являлся",
    "являлась", "являлись", "был",      "была",    "было",     "были",     "считаемся", "считается",
    "считаюсь", "числимся", "числится", "признан", "признана", "признаны", "стал",      "стала",
    "стали",    "имеем",    "имеет",    "статуса", "статус",   "такой",    "такая",     "такие",
    "таких",    "как"};

// Hedges: «я не малоимущая вроде, но…» still carries the topic.
constexpr std::string_view kHedges[] = {"вроде",      "наверное", "наверно", "кажется",
                                        "видимо",     "возможно", "пока",    "формально",
                                        "официально", "пожалуй",  "якобы",   "вродебы"};

// Words of being after «не» that close a clause: «суицидальных мыслей не было».
constexpr std::string_view kBeingWords[] = {"было",      "был",      "была",        "были",
                                            "имеется",   "имеются",  "наблюдается", "бывает",
                                            "возникало", "возникает"};

// Conjunctions that start a new clause: negation does not reach over them («суицидальных мыслей
// нет, но…», transcripts without commas).
constexpr std::string_view kClauseWords[] = {"но", "а", "однако", "зато", "хотя"};

uint8_t FlagsOf(std::string_view word) {
  // Built once (function-local statics are initialised thread-safely).
  static const WordTable kTable = [] {
    WordTable table;
    for (std::string_view w : kNegators) table.Add(w, kNegator);
    table.Add("нет", kClosingNegator);
    table.Add("нету", kClosingNegator);
    table.Add("не", kNot);
    for (std::string_view w : kTransparentWords) table.Add(w, kTransparent);
    for (std::string_view w : kHedges) table.Add(w, kHedge);
    for (std::string_view w : kBeingWords) table.Add(w, kBeing);
    for (std::string_view w : kClauseWords) table.Add(w, kClauseWord);
    return table;
  }();
  return static_cast<uint8_t>(kTable.Find(word));
}

// True when `choice` is `rule` or lies under it in the IVR menu («3» covers «3.1»).
bool IvrMatches(std::string_view rule, std::string_view choice) {
  if (choice.size() < rule.size() || choice.substr(0, rule.size()) != rule) return false;
  return choice.size() == rule.size() || choice[rule.size()] == '.';
}

std::string_view TrimAscii(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A cut at `bytes_max` that does not split a UTF-8 sequence (the tokenizer would tolerate it, but a
// half letter at the end is not a word).
std::string_view TruncateUtf8(std::string_view text, size_t bytes_max) {
  if (text.size() <= bytes_max) return text;
  size_t end = bytes_max;
  // At most three continuation bytes follow a lead byte; past that the bytes are malformed anyway.
  for (int step = 0; step < 3 && end > 0; ++step) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80) break;
    --end;
  }
  return text.substr(0, end);
}

// One occurrence of a pattern: words [first, last].
struct Hit {
  uint32_t pattern = 0;
  uint32_t first = 0;
  uint32_t last = 0;
  bool typo = false;  // its first word matched with a typo forgiven
};

// Words a situation's match may not use: a false friend («день рождения») or a negated status
// word («не инвалид»).
struct Exclusion {
  uint32_t situation = 0;
  uint32_t first = 0;
  uint32_t last = 0;
  uint32_t hit = 0;  // what excludes: for explanations
  bool operator<(const Exclusion& other) const {
    return std::tie(situation, first, last) < std::tie(other.situation, other.first, other.last);
  }
};

// The text as the rules read it, what matched where, and the buffers the steps after reading
// use. One per thread, reused from text to text so that classifying allocates little.
struct Reading {
  std::string_view text;  // the input, cut at kClassifyTextBytesMax
  NormalizedText normalized;
  std::vector<uint32_t> term_begin;  // word i's terms are terms[term_begin[i], term_begin[i + 1])
  std::vector<uint32_t> terms;       // term ids, kTypoBit on typo matches
  std::vector<uint32_t> clause;      // word → clause number
  std::vector<uint8_t> kin;          // word → kinship group + 1, or 0
  std::vector<uint8_t> flags;        // word → WordFlag bits
  std::vector<uint64_t> present;     // bit per term id: some word of the text matches it
  std::vector<Hit> hits;
  // FindRegexHits: the words joined, where each starts, and the regexes that matched.
  std::string regex_text;
  std::vector<uint32_t> regex_starts;
  std::vector<int> regexes_matched;
  // FirstValidHits: what it excludes, and its result (indices into `hits`, ordered by pattern).
  std::vector<uint8_t> negated;
  std::vector<Exclusion> exclusions;
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> calm_clauses;  // situation, clause, hit
  std::vector<uint32_t> valid;

  const std::vector<Token>& words() const { return normalized.words; }
  bool StartsClause(size_t i) const {
    return words()[i].clause_break_before || (flags[i] & kClauseWord) != 0;
  }
  bool Present(uint32_t term) const { return (present[term / 64] >> (term % 64)) & 1; }
  bool HasTerm(size_t word, uint32_t term) const {
    const auto begin = terms.begin() + term_begin[word];
    const auto end = terms.begin() + term_begin[word + 1];
    const auto it = std::lower_bound(
        begin, end, term, [](uint32_t a, uint32_t t) { return (a & ~rules::kTypoBit) < t; });
    return it != end && (*it & ~rules::kTypoBit) == term;
  }
  // The original bytes of words [first, last], as valid UTF-8.
  std::pair<uint32_t, uint32_t> Span(uint32_t first, uint32_t last) const {
    const uint32_t begin = words()[first].offset;
    return {begin, words()[last].offset + words()[last].length - begin};
  }
  std::string SpanText(uint32_t first, uint32_t last) const {
    const auto [begin, length] = Span(first, last);
    return ToValidUtf8(text.substr(begin, length));
  }
};

// A recognised situation, with what ranks it and its evidence: reading.valid[begin, end).
struct Ranked {
  uint32_t situation = 0;
  double score = 0;
  bool urgent = false;
  uint32_t valid_begin = 0;
  uint32_t valid_end = 0;
};

class CompiledRuleSet final : public RuleSet {
 public:
  explicit CompiledRuleSet(CompiledRules rules) : rules_(std::move(rules)) {}

  ekc::v1::Classification Classify(const ClassifyInput& input) const override {
    return Run(input, nullptr);
  }
  Explanation Explain(const ClassifyInput& input) const override;
  const std::string& version() const override { return rules_.version; }
  const std::vector<SituationInfo>& situations() const override { return rules_.infos; }

 private:
  ekc::v1::Classification Run(const ClassifyInput& input, Explanation* explain) const;
  // Fills `reading` (every buffer cleared first) with the words of `text` and their terms.
  void Read(std::string_view text, Reading* reading) const;
  bool Applies(uint32_t situation, ekc::v1::Channel channel) const {
    const uint32_t channels = rules_.situations[situation].channels;
    return channels == 0 || (channels & (1u << channel)) != 0;
  }
  void FindWordHits(Reading* reading, ekc::v1::Channel channel) const;
  std::optional<uint32_t> MatchPhrase(const Reading& reading, const Pattern& pattern,
                                      uint32_t first) const;
  void FindRegexHits(Reading* reading, ekc::v1::Channel channel, Explanation* explain) const;
  std::optional<uint32_t> NegatedBy(const Reading& reading, const Hit& hit) const;
  // The nearest kinship word to the hit, or nothing: the same clause first; at equal distance the
  // word after it (the object: «бьёт сына», «инвалидность мужу»).
  std::optional<uint32_t> NearestKin(const Reading& reading, const Hit& hit) const;
  // True when a kinship word of `groups` lies near the hit in its clause (or inside it).
  bool KinNear(const Reading& reading, const Hit& hit, rules::WhoMask groups) const;
  // True when the hit's `who` and `near` conditions hold; else false, with why not in `why`
  // when `why` is not null.
  bool WhoMatches(const Reading& reading, const Hit& hit, std::string* why) const;
  // Sets reading->valid to the indices in `hits` of each pattern's first occurrence that counts —
  // the evidence shown, counted once in the score — ordered by pattern (so grouped by situation).
  void FirstValidHits(Reading* reading, Explanation* explain) const;
  // Situation `s` from its valid hits (reading.valid[valid_begin, valid_end): indices into
  // reading.hits) and the IVR choice, or nothing when it stays under its threshold.
  std::optional<Ranked> Recognise(uint32_t s, const Reading& reading, uint32_t valid_begin,
                                  uint32_t valid_end, std::string_view ivr_choice,
                                  Explanation* explain) const;
  // The match shown for a recognised situation: the IVR choice, then the evidence in reading
  // order, at most kTermsPerSituationMax terms.
  void Describe(const Ranked& entry, const Reading& reading, std::string_view ivr_choice,
                ekc::v1::SituationMatch* match) const;
  // Records a match that does not count; `reason` is only called when explaining.
  template <typename Reason>
  void Reject(const Reading& reading, const Hit& hit, const Reason& reason,
              Explanation* explain) const {
    if (explain == nullptr) return;
    const Pattern& pattern = rules_.patterns[hit.pattern];
    RejectedMatch& rejected = explain->rejected.emplace_back();
    rejected.code = rules_.infos[pattern.situation].code;
    rejected.matcher = pattern.matcher;
    rejected.text = reading.SpanText(hit.first, hit.last);
    rejected.offset = reading.words()[hit.first].offset;
    rejected.reason = reason();
  }

  CompiledRules rules_;
};

void CompiledRuleSet::Read(std::string_view text, Reading* reading) const {
  reading->text = TruncateUtf8(text, kClassifyTextBytesMax);
  NormalizeText(reading->text, kTokensMax, &reading->normalized);
  const std::vector<Token>& words = reading->words();
  reading->term_begin.clear();
  reading->terms.clear();
  reading->clause.clear();
  reading->kin.clear();
  reading->flags.clear();
  reading->hits.clear();
  reading->term_begin.reserve(words.size() + 1);
  reading->terms.reserve(words.size() * 2);
  reading->flags.reserve(words.size());
  reading->clause.reserve(words.size());
  reading->kin.reserve(words.size());
  uint32_t clause = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    reading->term_begin.push_back(static_cast<uint32_t>(reading->terms.size()));
    rules_.lexicon.Match(words[i], &reading->terms);
    reading->flags.push_back(FlagsOf(words[i].normalized));
    if (i > 0 && reading->StartsClause(i)) ++clause;
    reading->clause.push_back(clause);
    uint8_t kin = 0;
    for (size_t t = reading->term_begin.back(); t < reading->terms.size() && kin == 0; ++t) {
      kin = rules_.term_kin[reading->terms[t] & ~rules::kTypoBit];
    }
    reading->kin.push_back(kin);
  }
  reading->term_begin.push_back(static_cast<uint32_t>(reading->terms.size()));
  reading->present.assign(rules_.lexicon.size() / 64 + 1, 0);
  for (uint32_t t : reading->terms) {
    const uint32_t term = t & ~rules::kTypoBit;
    reading->present[term / 64] |= uint64_t{1} << (term % 64);
  }
}

std::optional<uint32_t> CompiledRuleSet::MatchPhrase(const Reading& reading, const Pattern& pattern,
                                                     uint32_t first) const {
  // The positions the phrase's k-th word can take, given the earlier words; the match ends at the
  // earliest position of the last word. Fixed arrays, left uninitialised (only their first
  // `..._count` entries are read): this runs for every phrase a word starts.
  std::array<uint32_t, kPhrasePositionsMax> buffers[2];
  uint32_t* positions = buffers[0].data();
  uint32_t* next = buffers[1].data();
  positions[0] = first;
  size_t position_count = 1;
  const size_t count = reading.words().size();
  for (size_t k = 1; k < pattern.words.size(); ++k) {
    size_t next_count = 0;
    for (size_t p = 0; p < position_count; ++p) {
      const uint32_t at = positions[p];
      for (size_t j = at + 1; j < count && j <= at + 1 + pattern.gap; ++j) {
        if (reading.clause[j] != reading.clause[first]) break;
        // A gap never skips a negation: «ребёнок не инвалид» is not «ребёнок-инвалид».
        if (j > at + 1 && (reading.flags[j - 1] & kNegator) != 0) break;
        if (!reading.HasTerm(j, pattern.words[k])) continue;
        uint32_t* const end = next + next_count;
        if (std::find(next, end, j) == end && next_count < kPhrasePositionsMax) {
          next[next_count++] = static_cast<uint32_t>(j);
        }
      }
    }
    if (next_count == 0) return std::nullopt;
    std::swap(positions, next);
    position_count = next_count;
  }
  return *std::min_element(positions, positions + position_count);
}

void CompiledRuleSet::FindWordHits(Reading* reading, ekc::v1::Channel channel) const {
  const size_t count = reading->words().size();
  for (uint32_t i = 0; i < count && reading->hits.size() < kHitsMax; ++i) {
    for (uint32_t t = reading->term_begin[i]; t < reading->term_begin[i + 1]; ++t) {
      const uint32_t term = reading->terms[t] & ~rules::kTypoBit;
      const bool typo = (reading->terms[t] & rules::kTypoBit) != 0;
      for (uint32_t index : rules_.patterns_by_first_term[term]) {
        const Pattern& pattern = rules_.patterns[index];
        if (!Applies(pattern.situation, channel)) continue;
        // Most phrases a word starts lack a word of the text: skip them before the search.
        if (!std::all_of(pattern.words.begin() + 1, pattern.words.end(),
                         [&](uint32_t w) { return reading->Present(w); })) {
          continue;
        }
        const std::optional<uint32_t> last = pattern.words.size() == 1
                                                 ? std::optional<uint32_t>(i)
                                                 : MatchPhrase(*reading, pattern, i);
        if (!last) continue;
        if (reading->hits.size() == kHitsMax) return;
        reading->hits.push_back(Hit{index, i, *last, typo});
      }
    }
  }
}

void CompiledRuleSet::FindRegexHits(Reading* reading, ekc::v1::Channel channel,
                                    Explanation* explain) const {
  if (rules_.regex_set == nullptr || reading->words().empty()) return;
  std::vector<uint32_t>& starts = reading->regex_starts;
  std::string& joined = reading->regex_text;
  JoinForRegex(reading->words(), &joined, &starts);
  if (explain != nullptr) explain->regex_text = joined;
  std::vector<int>& matched = reading->regexes_matched;
  matched.clear();
  RE2::Set::ErrorInfo error;
  if (!rules_.regex_set->Match(joined, &matched, &error) && error.kind != RE2::Set::kNoError) {
    // The set ran out of memory on this text: ask each regex on its own instead.
    matched.clear();
    for (size_t r = 0; r < rules_.regexes.size(); ++r) matched.push_back(static_cast<int>(r));
  }
  std::sort(matched.begin(), matched.end());
  const auto word_end = [&](size_t w) { return starts[w] + reading->words()[w].normalized.size(); };
  for (int r : matched) {
    const Pattern& pattern = rules_.patterns[rules_.regex_patterns[r]];
    if (!Applies(pattern.situation, channel)) continue;
    const RE2& regex = *rules_.regexes[r];
    size_t position = 0;
    for (size_t found = 0; found < kRegexMatchesMax && position < joined.size(); ++found) {
      re2::StringPiece match;
      if (!regex.Match(joined, position, joined.size(), RE2::UNANCHORED, &match, 1)) break;
      const size_t begin = static_cast<size_t>(match.data() - joined.data());
      const size_t end = begin + match.size();
      position = end > begin ? end : begin + 1;
      // The words the match touches (a match of spaces alone touches none).
      const auto first = std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin();
      size_t first_word = first > 0 ? static_cast<size_t>(first - 1) : 0;
      if (word_end(first_word) <= begin) ++first_word;
      size_t last_word =
          static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), end) - starts.begin());
      if (last_word == 0 || first_word >= starts.size()) continue;
      --last_word;
      if (first_word > last_word) continue;
      if (reading->hits.size() == kHitsMax) return;
      reading->hits.push_back(Hit{rules_.regex_patterns[r], static_cast<uint32_t>(first_word),
                                  static_cast<uint32_t>(last_word), false});
    }
  }
}

std::optional<uint32_t> CompiledRuleSet::NegatedBy(const Reading& reading, const Hit& hit) const {
  const std::vector<Token>& words = reading.words();
  std::optional<uint32_t> negator;
  // Before: «не», through transparent words, in the same clause.
  for (size_t d = 1; d <= kNegationBeforeWordsMax && d <= hit.first; ++d) {
    const size_t j = hit.first - d;
    if (reading.StartsClause(j + 1)) break;
    const uint8_t flags = reading.flags[j];
    if ((flags & kNegator) != 0) {
      negator = static_cast<uint32_t>(j);
      break;
    }
    if ((flags & kClauseWord) != 0 || (flags & kTransparent) == 0) break;
  }
  // After: «нет» or «не было» closing the clause.
  for (size_t j = size_t{hit.last} + 1;
       !negator && j < words.size() && j <= hit.last + kNegationAfterWordsMax; ++j) {
    if (reading.StartsClause(j)) break;
    const uint8_t flags = reading.flags[j];
    const auto closes = [&](size_t next) {
      return next == words.size() || reading.StartsClause(next);
    };
    if ((flags & kClosingNegator) != 0 && closes(j + 1)) negator = static_cast<uint32_t>(j);
    if ((flags & kNot) != 0 && j + 1 < words.size() && (reading.flags[j + 1] & kBeing) != 0 &&
        closes(j + 2)) {
      negator = static_cast<uint32_t>(j);
    }
  }
  if (!negator) return std::nullopt;
  // A hedge in the same clause near the negation keeps the topic.
  const size_t from = std::min<size_t>(*negator, hit.first);
  const size_t to = std::max<size_t>(*negator, hit.last);
  const uint32_t clause = reading.clause[hit.first];
  const size_t begin = from > kHedgeWindowWords ? from - kHedgeWindowWords : 0;
  for (size_t j = begin; j < words.size() && j <= to + kHedgeWindowWords; ++j) {
    if (reading.clause[j] == clause && (reading.flags[j] & kHedge) != 0) return std::nullopt;
  }
  return negator;
}

std::optional<uint32_t> CompiledRuleSet::NearestKin(const Reading& reading, const Hit& hit) const {
  for (uint32_t i = hit.first; i <= hit.last; ++i) {
    if (reading.kin[i] != 0) return i;
  }
  const size_t count = reading.words().size();
  // The same clause first; then across clause breaks («Сыну пять лет. Дали инвалидность»).
  for (const bool same_clause : {true, false}) {
    for (size_t d = 1; d <= kWhoWindowWords; ++d) {
      for (const bool left : {false, true}) {
        if (left && d > hit.first) continue;
        const size_t j = left ? hit.first - d : hit.last + d;
        if (j >= count || reading.kin[j] == 0) continue;
        if (same_clause && reading.clause[j] != reading.clause[hit.first]) continue;
        return static_cast<uint32_t>(j);
      }
    }
  }
  return std::nullopt;
}

bool CompiledRuleSet::KinNear(const Reading& reading, const Hit& hit, rules::WhoMask groups) const {
  const size_t count = reading.words().size();
  const size_t from = hit.first > kWhoWindowWords ? hit.first - kWhoWindowWords : 0;
  for (size_t j = from; j < count && j <= hit.last + kWhoWindowWords; ++j) {
    if (reading.kin[j] == 0 || reading.clause[j] != reading.clause[hit.first]) continue;
    if ((groups & (1u << reading.kin[j])) != 0) return true;
  }
  return false;
}

bool CompiledRuleSet::WhoMatches(const Reading& reading, const Hit& hit, std::string* why) const {
  const Pattern& pattern = rules_.patterns[hit.pattern];
  if (pattern.near != 0 && !KinNear(reading, hit, pattern.near)) {
    if (why != nullptr) *why = "no kinship word of its `near:` groups in its clause";
    return false;
  }
  if (pattern.who == 0) return true;
  const std::optional<uint32_t> kin = NearestKin(reading, hit);
  const uint32_t group = kin ? reading.kin[*kin] : 0;
  if ((pattern.who & (group == 0 ? rules::kWhoNobody : 1u << group)) != 0) return true;
  if (why != nullptr) {
    *why = kin ? fmt::format("about «{}» ({}), not whom the entry is for",
                             reading.SpanText(*kin, *kin), rules_.kin_groups[group - 1])
               : std::string("no kinship word near it, and the entry needs one");
  }
  return false;
}

void CompiledRuleSet::FirstValidHits(Reading* reading_in, Explanation* explain) const {
  const Reading& reading = *reading_in;
  const std::vector<Hit>& hits = reading.hits;
  // Exclusions first: false friends, and the words of negated status matches. Then the clauses in
  // which a situation's urgent markers are calmed.
  std::vector<uint8_t>& negated = reading_in->negated;
  std::vector<Exclusion>& exclusions = reading_in->exclusions;
  auto& calm_clauses = reading_in->calm_clauses;
  negated.assign(hits.size(), 0);
  exclusions.clear();
  calm_clauses.clear();
  for (size_t h = 0; h < hits.size(); ++h) {
    const Pattern& pattern = rules_.patterns[hits[h].pattern];
    if (pattern.negatable) {
      if (const std::optional<uint32_t> by = NegatedBy(reading, hits[h])) {
        negated[h] = 1;
        Reject(
            reading, hits[h],
            [&] { return fmt::format("negated by «{}»", reading.SpanText(*by, *by)); }, explain);
      }
    }
    if (pattern.role == PatternRole::kExclude || negated[h] != 0) {
      exclusions.push_back(
          Exclusion{pattern.situation, hits[h].first, hits[h].last, static_cast<uint32_t>(h)});
    }
    if (pattern.role == PatternRole::kCalm) {
      calm_clauses.emplace_back(pattern.situation, reading.clause[hits[h].first],
                                static_cast<uint32_t>(h));
    }
  }
  std::sort(exclusions.begin(), exclusions.end());
  std::sort(calm_clauses.begin(), calm_clauses.end());
  const auto calmed_by = [&](const Hit& hit, uint32_t situation) -> const Hit* {
    const auto it = std::lower_bound(calm_clauses.begin(), calm_clauses.end(),
                                     std::make_tuple(situation, reading.clause[hit.first], 0u));
    if (it == calm_clauses.end() || std::get<0>(*it) != situation ||
        std::get<1>(*it) != reading.clause[hit.first]) {
      return nullptr;
    }
    return &hits[std::get<2>(*it)];
  };
  // A match is cancelled by an exclusion it overlaps, unless the match strictly contains it: the
  // longer rule wins («не хочу жить в этом мире» over the false friend «жить в»). Exclusions span
  // at most kPhraseWordsMax words with gaps; look back far enough for the longest.
  constexpr uint32_t kExclusionWordsMax =
      static_cast<uint32_t>(rules::kPhraseWordsMax * (rules::kGapMax + 1));
  const auto excluded_by = [&](const Hit& hit, uint32_t situation) -> const Exclusion* {
    const uint32_t from = hit.first >= kExclusionWordsMax ? hit.first - kExclusionWordsMax : 0;
    for (auto it = std::lower_bound(exclusions.begin(), exclusions.end(),
                                    Exclusion{situation, from, 0, 0});
         it != exclusions.end() && it->situation == situation && it->first <= hit.last; ++it) {
      if (it->last < hit.first) continue;  // no overlap
      if (&hits[it->hit] == &hit) continue;
      const bool strictly_contains = hit.first <= it->first && it->last <= hit.last &&
                                     (hit.last - hit.first) > (it->last - it->first);
      if (!strictly_contains) return &*it;
    }
    return nullptr;
  };
  // Which patterns already have their hit: a per-thread table, cleared of what this text set.
  thread_local std::vector<bool> taken;
  taken.assign(std::max(taken.size(), rules_.patterns.size()), false);
  std::vector<uint32_t>& valid = reading_in->valid;
  valid.clear();
  std::string why;
  for (size_t h = 0; h < hits.size(); ++h) {
    const Hit& hit = hits[h];
    const Pattern& pattern = rules_.patterns[hit.pattern];
    if (pattern.role == PatternRole::kExclude || pattern.role == PatternRole::kCalm) continue;
    if (negated[h] != 0 || taken[hit.pattern]) continue;
    if (const Exclusion* by = excluded_by(hit, pattern.situation)) {
      const Hit& other = hits[by->hit];
      Reject(
          reading, hit,
          [&] {
            return fmt::format("cancelled by {} «{}»", rules_.patterns[other.pattern].matcher,
                               reading.SpanText(other.first, other.last));
          },
          explain);
      continue;
    }
    if (pattern.who != 0 || pattern.near != 0) {
      if (!WhoMatches(reading, hit, explain != nullptr ? &why : nullptr)) {
        Reject(
            reading, hit, [&] { return std::move(why); }, explain);
        continue;
      }
    }
    if (pattern.role == PatternRole::kUrgent) {
      if (const Hit* calm = calmed_by(hit, pattern.situation)) {
        Reject(
            reading, hit,
            [&] {
              return fmt::format("calmed by {} «{}»", rules_.patterns[calm->pattern].matcher,
                                 reading.SpanText(calm->first, calm->last));
            },
            explain);
        continue;
      }
    }
    taken[hit.pattern] = true;
    valid.push_back(static_cast<uint32_t>(h));
  }
  for (uint32_t h : valid) taken[hits[h].pattern] = false;
  std::sort(valid.begin(), valid.end(),
            [&](uint32_t a, uint32_t b) { return hits[a].pattern < hits[b].pattern; });
}

std::optional<Ranked> CompiledRuleSet::Recognise(uint32_t s, const Reading& reading,
                                                 uint32_t valid_begin, uint32_t valid_end,
                                                 std::string_view ivr_choice,
                                                 Explanation* explain) const {
  const CompiledSituation& situation = rules_.situations[s];
  Ranked entry;
  entry.situation = s;
  entry.valid_begin = valid_begin;
  entry.valid_end = valid_end;
  for (const rules::IvrRule& ivr : situation.ivr) {
    if (ivr_choice.empty() || !IvrMatches(ivr.choice, ivr_choice)) continue;
    entry.score += ivr.weight;
  }
  bool urgent_trigger = false;
  for (uint32_t v = valid_begin; v < valid_end; ++v) {
    const Pattern& pattern = rules_.patterns[reading.hits[reading.valid[v]].pattern];
    if (pattern.role == PatternRole::kEvidence) entry.score += pattern.weight;
    if (pattern.role == PatternRole::kUrgent || pattern.urgent) urgent_trigger = true;
  }
  const SituationInfo& info = rules_.infos[s];
  if (entry.score <= 0) return std::nullopt;
  if (entry.score + kScoreEpsilon < situation.threshold) {
    for (uint32_t v = valid_begin; v < valid_end; ++v) {
      Reject(
          reading, reading.hits[reading.valid[v]],
          [&] {
            return fmt::format("{} scores {} of the {} it needs", info.code, entry.score,
                               situation.threshold);
          },
          explain);
    }
    return std::nullopt;
  }
  entry.urgent = info.priority == ekc::v1::PRIORITY_URGENT || urgent_trigger;
  return entry;
}

void CompiledRuleSet::Describe(const Ranked& entry, const Reading& reading,
                               std::string_view ivr_choice, ekc::v1::SituationMatch* match) const {
  const SituationInfo& info = rules_.infos[entry.situation];
  match->set_code(info.code);
  match->set_title(info.title);
  match->set_score(entry.score);
  match->set_urgent(entry.urgent);
  const std::vector<rules::IvrRule>& ivrs = rules_.situations[entry.situation].ivr;
  const auto chosen = [&](const rules::IvrRule& ivr) {
    return !ivr_choice.empty() && IvrMatches(ivr.choice, ivr_choice);
  };
  const size_t ivr_terms = std::min<size_t>(
      kTermsPerSituationMax, static_cast<size_t>(std::count_if(ivrs.begin(), ivrs.end(), chosen)));
  // The evidence in reading order, after the IVR choice: an operator reads it alongside the text.
  // An insertion sort: stable, in place, and the hits of one situation are few.
  std::array<const Hit*, kTermsPerSituationMax> shown{};
  size_t shown_count = 0;
  const size_t room = kTermsPerSituationMax - ivr_terms;
  const auto offset_of = [&](const Hit* hit) { return reading.words()[hit->first].offset; };
  for (uint32_t v = entry.valid_begin; v < entry.valid_end; ++v) {
    const Hit* hit = &reading.hits[reading.valid[v]];
    // Keep the first `room` in reading order: a later hit only displaces a strictly later one.
    size_t at = shown_count;
    while (at > 0 && offset_of(shown[at - 1]) > offset_of(hit)) --at;
    if (at >= room) continue;
    if (shown_count < room) ++shown_count;
    for (size_t i = shown_count - 1; i > at; --i) shown[i] = shown[i - 1];
    shown[at] = hit;
  }
  match->mutable_terms()->Reserve(static_cast<int>(ivr_terms + shown_count));
  for (const rules::IvrRule& ivr : ivrs) {
    if (!chosen(ivr)) continue;
    if (static_cast<size_t>(match->terms_size()) == ivr_terms) break;
    ekc::v1::MatchedTerm* term = match->add_terms();
    // An IVR choice is not in the text: it is shown as chosen, with no position (length 0).
    term->set_text(ToValidUtf8(ivr_choice));
    term->set_matcher(ivr.matcher);
  }
  for (size_t i = 0; i < shown_count; ++i) {
    const Hit& hit = *shown[i];
    const auto [begin, length] = reading.Span(hit.first, hit.last);
    ekc::v1::MatchedTerm* term = match->add_terms();
    // Words start and end on whole letters, but a phrase may span a malformed byte between them;
    // protobuf strings must be valid UTF-8, so such a byte is shown as U+FFFD (offset and length
    // still locate the original bytes).
    term->set_text(ToValidUtf8(reading.text.substr(begin, length)));
    term->set_offset(begin);
    term->set_length(length);
    const std::string& matcher = rules_.patterns[hit.pattern].matcher;
    term->set_matcher(hit.typo ? matcher + " (typo)" : matcher);
  }
  match->mutable_skills()->Reserve(static_cast<int>(info.skills.size()));
  for (const std::string& skill : info.skills) match->add_skills(skill);
  match->set_queue(info.queue);
}

ekc::v1::Classification CompiledRuleSet::Run(const ClassifyInput& input,
                                             Explanation* explain) const {
  // Classify does not call itself, so one reading a thread serves every call on it.
  thread_local Reading reading;
  Read(input.text, &reading);
  FindWordHits(&reading, input.channel);
  FindRegexHits(&reading, input.channel, explain);
  FirstValidHits(&reading, explain);
  const std::vector<uint32_t>& valid = reading.valid;
  const std::string_view ivr_choice = TrimAscii(input.ivr_choice);

  thread_local std::vector<Ranked> ranked;
  ranked.clear();
  uint32_t next = 0;
  for (uint32_t s = 0; s < rules_.situations.size(); ++s) {
    const uint32_t begin = next;
    while (next < valid.size() &&
           reading.hits[valid[next]].pattern < rules_.situations[s].patterns_end) {
      ++next;
    }
    if (begin == next && (ivr_choice.empty() || rules_.situations[s].ivr.empty())) continue;
    if (std::optional<Ranked> entry = Recognise(s, reading, begin, next, ivr_choice, explain)) {
      ranked.push_back(*entry);
    }
  }
  // Urgent first, then the strongest evidence, then the most specific family situation (the rules'
  // tie_break), then file order.
  std::sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) {
    if (a.urgent != b.urgent) return a.urgent;
    if (a.score != b.score) return a.score > b.score;
    const uint32_t rank_a = rules_.situations[a.situation].tie_rank;
    const uint32_t rank_b = rules_.situations[b.situation].tie_rank;
    if (rank_a != rank_b) return rank_a < rank_b;
    return a.situation < b.situation;
  });

  ekc::v1::Classification result;
  // URGENT if any urgency rule fired, else the highest priority recognised, NORMAL when none.
  ekc::v1::Priority priority = ekc::v1::PRIORITY_UNSPECIFIED;
  result.mutable_situations()->Reserve(static_cast<int>(ranked.size()));
  for (const Ranked& entry : ranked) {
    const ekc::v1::Priority own = rules_.infos[entry.situation].priority;
    priority = std::max(priority, entry.urgent ? ekc::v1::PRIORITY_URGENT : own);
    Describe(entry, reading, ivr_choice, result.add_situations());
  }
  result.set_priority(priority == ekc::v1::PRIORITY_UNSPECIFIED ? ekc::v1::PRIORITY_NORMAL
                                                                : priority);
  result.set_rules_version(rules_.version);
  if (explain != nullptr) {
    for (const Token& filler : reading.normalized.fillers) {
      explain->fillers.push_back(ToValidUtf8(reading.text.substr(filler.offset, filler.length)));
    }
    for (const Token& word : reading.words()) {
      ExplainedWord& out = explain->words.emplace_back();
      out.text = ToValidUtf8(reading.text.substr(word.offset, word.length));
      out.normalized = word.normalized;
      out.stem = StemRussian(word.normalized);
      out.number = word.number;
      out.offset = word.offset;
      out.length = word.length;
      out.clause_break_before = word.clause_break_before;
      std::vector<uint32_t> ids;
      std::vector<rules::MatchWay> ways;
      rules_.lexicon.MatchUncached(word, &ids, &ways);
      for (size_t i = 0; i < ids.size(); ++i) {
        const rules::Term& term = rules_.lexicon.term(ids[i]);
        static constexpr std::string_view kWays[] = {"", " (stem)", " (form)", " (typo)"};
        const std::string_view mark = term.kind == rules::TermKind::kExact    ? "="
                                      : term.kind == rules::TermKind::kNumber ? "#"
                                                                              : "";
        out.terms.push_back(
            fmt::format("{}{}{}", mark, term.text, kWays[static_cast<size_t>(ways[i])]));
      }
    }
  }
  return result;
}

Explanation CompiledRuleSet::Explain(const ClassifyInput& input) const {
  Explanation explanation;
  explanation.classification = Run(input, &explanation);
  return explanation;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSet::Compile(std::string_view yaml_text,
                                                                std::string_view file_name) {
  absl::StatusOr<rules::CompiledRules> compiled = rules::CompileRules(yaml_text, file_name);
  if (!compiled.ok()) return compiled.status();
  return std::shared_ptr<const RuleSet>(std::make_shared<CompiledRuleSet>(std::move(*compiled)));
}

}  // namespace ekc::router
