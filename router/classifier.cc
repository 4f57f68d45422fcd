#include "router/classifier.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

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
// «суицидальных мыслей нет»: how far after a match a clause-closing «нет» negates it.
constexpr size_t kNegationAfterTokensMax = 2;
// Score comparisons tolerate the rounding of summed fractional weights (0.1 + 0.2 + 0.7 ≥ 1).
constexpr double kScoreEpsilon = 1e-9;

static_assert(kTokensMax <= kClassifyTextBytesMax, "a token takes at least one byte");
static_assert(kTermsPerSituationMax > 0);

// One occurrence of a pattern: tokens [first, last].
struct Hit {
  uint32_t pattern = 0;
  uint32_t first = 0;
  uint32_t last = 0;
};

// Tokens a situation's match may not use: a false friend («день рождения») or a negated status word
// («не инвалид»).
struct Exclusion {
  uint32_t situation = 0;
  uint32_t first = 0;
  uint32_t last = 0;
  bool operator<(const Exclusion& other) const {
    return std::tie(situation, first, last) < std::tie(other.situation, other.first, other.last);
  }
};

bool IsNegationBefore(std::string_view word) {
  return word == "не" || word == "ни" || word == "нет";
}

// Conjunctions that start a new clause: negation does not reach over them («суицидальных мыслей
// нет, но…», transcripts without commas).
bool IsClauseWord(std::string_view word) {
  return word == "но" || word == "а" || word == "однако" || word == "зато" || word == "хотя";
}

bool StartsClause(const std::vector<Token>& tokens, size_t i) {
  return tokens[i].clause_break_before || IsClauseWord(tokens[i].normalized);
}

// «ребёнок не инвалид», «мы не многодетные»: a negation particle directly before the match, in the
// same clause. «суицидальных мыслей нет»: «нет» within two words after the match, closing its
// clause. A negated verb elsewhere («инвалидность не дали») does not touch the match.
bool IsNegated(const std::vector<Token>& tokens, const Hit& hit) {
  if (hit.first > 0 && !tokens[hit.first].clause_break_before &&
      IsNegationBefore(tokens[hit.first - 1].normalized)) {
    return true;
  }
  for (size_t j = size_t{hit.last} + 1;
       j < tokens.size() && j <= hit.last + kNegationAfterTokensMax; ++j) {
    if (StartsClause(tokens, j)) return false;
    if (tokens[j].normalized == "нет") return j + 1 == tokens.size() || StartsClause(tokens, j + 1);
  }
  return false;
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

class CompiledRuleSet final : public RuleSet {
 public:
  explicit CompiledRuleSet(CompiledRules rules) : rules_(std::move(rules)) {}

  ekc::v1::Classification Classify(const ClassifyInput& input) const override;
  const std::string& version() const override { return rules_.version; }
  const std::vector<SituationInfo>& situations() const override { return rules_.infos; }

 private:
  // A recognised situation, with what ranks it.
  struct Ranked {
    uint32_t situation = 0;
    double score = 0;
    bool urgent = false;
    ekc::v1::SituationMatch match;
  };

  // Every occurrence of every pattern in the tokens, in token order (bounded by kHitsMax).
  std::vector<Hit> FindHits(const std::vector<Token>& tokens) const;
  void AddHitsStartingAt(const std::vector<Token>& tokens, uint32_t first,
                         const std::vector<uint32_t>& candidates, std::vector<Hit>* hits) const;
  // For each pattern, the index in `hits` of its first occurrence that is neither negated nor
  // cancelled by an exclusion, or -1: the evidence shown, counted once in the score.
  std::vector<int32_t> FirstValidHits(const std::vector<Token>& tokens,
                                      const std::vector<Hit>& hits) const;
  // Situation `s` with its score, urgency and terms, or nothing when it is under its threshold.
  std::optional<Ranked> Recognise(uint32_t s, std::string_view text,
                                  const std::vector<Token>& tokens, const std::vector<Hit>& hits,
                                  const std::vector<int32_t>& first_hit,
                                  std::string_view ivr_choice) const;

  CompiledRules rules_;
};

void CompiledRuleSet::AddHitsStartingAt(const std::vector<Token>& tokens, uint32_t first,
                                        const std::vector<uint32_t>& candidates,
                                        std::vector<Hit>* hits) const {
  for (uint32_t index : candidates) {
    const Pattern& pattern = rules_.patterns[index];
    const size_t words = pattern.words.size();
    if (first + words > tokens.size()) continue;
    bool matched = true;
    // The first word matched through the index; the rest must follow in the same clause.
    for (size_t k = 1; k < words && matched; ++k) {
      const Token& token = tokens[first + k];
      matched = !token.clause_break_before && pattern.words[k].Matches(token.normalized);
    }
    if (!matched) continue;
    if (hits->size() == kHitsMax) return;
    hits->push_back(Hit{index, first, static_cast<uint32_t>(first + words - 1)});
  }
}

std::vector<Hit> CompiledRuleSet::FindHits(const std::vector<Token>& tokens) const {
  std::vector<Hit> hits;
  for (uint32_t i = 0; i < tokens.size() && hits.size() < kHitsMax; ++i) {
    const std::string_view word = tokens[i].normalized;
    if (const auto exact = rules_.by_exact_first_word.find(word);
        exact != rules_.by_exact_first_word.end()) {
      AddHitsStartingAt(tokens, i, exact->second, &hits);
    }
    // Every prefix of the word that is long enough to be a stem, at code point boundaries.
    size_t letters = 0;
    for (size_t end = 0; end < word.size();) {
      end += std::max<size_t>(1, DecodeUtf8At(word, end).length);
      if (++letters < rules::kStemLettersMin) continue;
      if (const auto stem = rules_.by_stem_first_word.find(word.substr(0, end));
          stem != rules_.by_stem_first_word.end()) {
        AddHitsStartingAt(tokens, i, stem->second, &hits);
      }
    }
  }
  return hits;
}

std::vector<int32_t> CompiledRuleSet::FirstValidHits(const std::vector<Token>& tokens,
                                                     const std::vector<Hit>& hits) const {
  // Clauses, for calm phrases: «дом сгорел в прошлом году, а сейчас затопило» has two.
  std::vector<uint32_t> clause_of(tokens.size(), 0);
  for (size_t i = 1; i < tokens.size(); ++i) {
    clause_of[i] = clause_of[i - 1] + (StartsClause(tokens, i) ? 1 : 0);
  }
  // Exclusions first: false friends, and the words of negated status matches. Then the clauses in
  // which a situation's urgent markers are calmed.
  std::vector<bool> negated(hits.size(), false);
  std::vector<Exclusion> exclusions;
  std::vector<std::pair<uint32_t, uint32_t>> calm_clauses;  // (situation, clause)
  for (size_t h = 0; h < hits.size(); ++h) {
    const Pattern& pattern = rules_.patterns[hits[h].pattern];
    negated[h] = pattern.negatable && IsNegated(tokens, hits[h]);
    if (pattern.role == PatternRole::kExclude || negated[h]) {
      exclusions.push_back(Exclusion{pattern.situation, hits[h].first, hits[h].last});
    }
    if (pattern.role == PatternRole::kCalm) {
      calm_clauses.emplace_back(pattern.situation, clause_of[hits[h].first]);
    }
  }
  std::sort(exclusions.begin(), exclusions.end());
  std::sort(calm_clauses.begin(), calm_clauses.end());
  const auto is_calmed = [&](const Hit& hit, uint32_t situation) {
    return std::binary_search(calm_clauses.begin(), calm_clauses.end(),
                              std::make_pair(situation, clause_of[hit.first]));
  };
  // A match is cancelled by an exclusion it overlaps, unless the match strictly contains it: the
  // longer rule wins («не хочу жить в этом мире» over the false friend «жить в»). An exclusion is
  // at most kPhraseWordsMax tokens long, so only those starting that close before can overlap.
  const auto is_excluded = [&](const Hit& hit, uint32_t situation) {
    const uint32_t from = hit.first >= rules::kPhraseWordsMax
                              ? static_cast<uint32_t>(hit.first - rules::kPhraseWordsMax)
                              : 0;
    for (auto it =
             std::lower_bound(exclusions.begin(), exclusions.end(), Exclusion{situation, from, 0});
         it != exclusions.end() && it->situation == situation && it->first <= hit.last; ++it) {
      if (it->last < hit.first) continue;  // no overlap
      const bool strictly_contains = hit.first <= it->first && it->last <= hit.last &&
                                     (hit.last - hit.first) > (it->last - it->first);
      if (!strictly_contains) return true;
    }
    return false;
  };
  std::vector<int32_t> first_hit(rules_.patterns.size(), -1);
  for (size_t h = 0; h < hits.size(); ++h) {
    const Hit& hit = hits[h];
    const Pattern& pattern = rules_.patterns[hit.pattern];
    if (pattern.role == PatternRole::kExclude || pattern.role == PatternRole::kCalm) continue;
    if (negated[h] || first_hit[hit.pattern] >= 0 || is_excluded(hit, pattern.situation)) continue;
    if (pattern.role == PatternRole::kUrgent && is_calmed(hit, pattern.situation)) continue;
    first_hit[hit.pattern] = static_cast<int32_t>(h);
  }
  return first_hit;
}

std::optional<CompiledRuleSet::Ranked> CompiledRuleSet::Recognise(
    uint32_t s, std::string_view text, const std::vector<Token>& tokens,
    const std::vector<Hit>& hits, const std::vector<int32_t>& first_hit,
    std::string_view ivr_choice) const {
  const CompiledSituation& situation = rules_.situations[s];
  Ranked entry;
  entry.situation = s;
  std::vector<ekc::v1::MatchedTerm> terms;
  for (const rules::IvrRule& ivr : situation.ivr) {
    if (ivr_choice.empty() || !IvrMatches(ivr.choice, ivr_choice)) continue;
    entry.score += ivr.weight;
    ekc::v1::MatchedTerm& term = terms.emplace_back();
    // An IVR choice is not in the text: it is shown as chosen, with no position (length 0).
    term.set_text(ToValidUtf8(ivr_choice));
    term.set_matcher(ivr.matcher);
  }
  bool urgent_trigger = false;
  std::vector<const Hit*> text_hits;
  for (uint32_t p = situation.patterns_begin; p < situation.patterns_end; ++p) {
    if (first_hit[p] < 0) continue;
    const Pattern& pattern = rules_.patterns[p];
    if (pattern.role == PatternRole::kEvidence) entry.score += pattern.weight;
    if (pattern.role == PatternRole::kUrgent) urgent_trigger = true;
    text_hits.push_back(&hits[first_hit[p]]);
  }
  if (entry.score <= 0 || entry.score + kScoreEpsilon < situation.threshold) return std::nullopt;

  const SituationInfo& info = rules_.infos[s];
  entry.urgent = info.priority == ekc::v1::PRIORITY_URGENT || urgent_trigger;
  // The evidence in reading order, after the IVR choice: an operator reads it alongside the text.
  std::stable_sort(text_hits.begin(), text_hits.end(), [&](const Hit* a, const Hit* b) {
    return tokens[a->first].offset < tokens[b->first].offset;
  });
  for (const Hit* hit : text_hits) {
    const uint32_t begin = tokens[hit->first].offset;
    const uint32_t end = tokens[hit->last].offset + tokens[hit->last].length;
    ekc::v1::MatchedTerm& term = terms.emplace_back();
    // Tokens start and end on whole letters, but a phrase may span a malformed byte between them;
    // protobuf strings must be valid UTF-8, so such a byte is shown as U+FFFD (offset and length
    // still locate the original bytes).
    term.set_text(ToValidUtf8(text.substr(begin, end - begin)));
    term.set_offset(begin);
    term.set_length(end - begin);
    term.set_matcher(rules_.patterns[hit->pattern].matcher);
  }
  ekc::v1::SituationMatch& match = entry.match;
  match.set_code(info.code);
  match.set_title(info.title);
  match.set_score(entry.score);
  match.set_urgent(entry.urgent);
  for (size_t t = 0; t < terms.size() && t < kTermsPerSituationMax; ++t) {
    *match.add_terms() = std::move(terms[t]);
  }
  return entry;
}

ekc::v1::Classification CompiledRuleSet::Classify(const ClassifyInput& input) const {
  const std::string_view text = TruncateUtf8(input.text, kClassifyTextBytesMax);
  const std::vector<Token> tokens = Tokenize(text, kTokensMax);
  const std::vector<Hit> hits = FindHits(tokens);
  const std::vector<int32_t> first_hit = FirstValidHits(tokens, hits);
  const std::string_view ivr_choice = TrimAscii(input.ivr_choice);

  std::vector<Ranked> ranked;
  for (uint32_t s = 0; s < rules_.situations.size(); ++s) {
    if (std::optional<Ranked> entry = Recognise(s, text, tokens, hits, first_hit, ivr_choice)) {
      ranked.push_back(std::move(*entry));
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
  for (Ranked& entry : ranked) {
    const ekc::v1::Priority own = rules_.infos[entry.situation].priority;
    priority = std::max(priority, entry.urgent ? ekc::v1::PRIORITY_URGENT : own);
    *result.add_situations() = std::move(entry.match);
  }
  result.set_priority(priority == ekc::v1::PRIORITY_UNSPECIFIED ? ekc::v1::PRIORITY_NORMAL
                                                                : priority);
  result.set_rules_version(rules_.version);
  return result;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSet::Compile(std::string_view yaml_text,
                                                                std::string_view file_name) {
  absl::StatusOr<rules::CompiledRules> compiled = rules::CompileRules(yaml_text, file_name);
  if (!compiled.ok()) return compiled.status();
  return std::shared_ptr<const RuleSet>(std::make_shared<CompiledRuleSet>(std::move(*compiled)));
}

}  // namespace ekc::router
