#include "router/lexicon.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

#include "router/morphology.h"

namespace ekc::router::rules {
namespace {

// The shortest word a typo is looked for in: a stem of kFuzzyLettersMin letters with one letter
// missing.
constexpr size_t kTypoWordLettersMin = kFuzzyLettersMin - 1;

std::string EncodeLetters(std::u32string_view letters) {
  std::string out;
  out.reserve(letters.size() * 2);
  for (char32_t c : letters) AppendUtf8(c, &out);
  return out;
}

// `letters` without the letter at `position`, as UTF-8, into `out`.
void DeleteLetter(std::u32string_view letters, size_t position, std::string* out) {
  out->clear();
  for (size_t i = 0; i < letters.size(); ++i) {
    if (i != position) AppendUtf8(letters[i], out);
  }
}

// What a thread remembers about the words it has seen, for one lexicon at a time.
struct WordCache {
  std::weak_ptr<const char> owner;  // the lexicon's identity; see Lexicon::Match
  // Looked up by absl::string_view, so a word is not copied to be found.
  absl::flat_hash_map<std::string, std::vector<uint32_t>> terms;
};

bool SameOwner(const std::weak_ptr<const char>& cached, const std::shared_ptr<const char>& owner) {
  // Compares control blocks without touching reference counts. The weak_ptr keeps the block
  // alive, so a new lexicon can never reuse its address.
  return !cached.owner_before(owner) && !owner.owner_before(cached);
}

void AppendIds(const std::unordered_map<std::string, std::vector<uint32_t>>& index,
               const std::string& key, MatchWay way, std::vector<uint32_t>* out,
               std::vector<MatchWay>* ways) {
  const auto it = index.find(key);
  if (it == index.end()) return;
  for (uint32_t id : it->second) {
    out->push_back(id);
    if (ways != nullptr) ways->push_back(way);
  }
}

}  // namespace

Lexicon::Lexicon() : identity_(std::make_shared<const char>('\0')) {}

uint32_t Lexicon::Add(const Term& term) {
  const std::string key =
      fmt::format("{}:{}:{}", static_cast<int>(term.kind), term.text, term.fuzzy ? 1 : 0);
  const auto [it, inserted] = ids_.try_emplace(key);
  if (!inserted) return it->second.front();
  const auto id = static_cast<uint32_t>(terms_.size());
  it->second.push_back(id);
  terms_.push_back(term);
  return id;
}

void Lexicon::Build() {
  for (uint32_t id = 0; id < terms_.size(); ++id) {
    const Term& term = terms_[id];
    if (term.kind == TermKind::kNumber) {
      by_number_[term.text].push_back(id);
      continue;
    }
    (term.kind == TermKind::kPrefix ? by_prefix_ : by_exact_)[term.text].push_back(id);
    for (std::string_view form : IrregularForms(term.text)) {
      if (form != term.text) by_exact_[std::string(form)].push_back(id);
    }
    if (term.kind != TermKind::kPrefix) continue;
    const std::string stem = StemRussian(term.text);
    if (stem != term.text && CodePointCount(stem) >= kStemMatchLettersMin) {
      by_stem_[stem].push_back(id);
    }
    if (term.fuzzy && CodePointCount(term.text) >= kFuzzyLettersMin) AddTypoKeys(id);
  }
}

void Lexicon::AddTypoKeys(uint32_t id) {
  const std::u32string letters = DecodeLetters(terms_[id].text);
  typo_letters_max_ = std::max(typo_letters_max_, letters.size());
  by_typo_key_[terms_[id].text].push_back(id);
  std::string key;
  for (size_t i = 1; i < letters.size(); ++i) {  // never the first letter
    DeleteLetter(letters, i, &key);
    auto& ids = by_typo_key_[key];
    if (ids.empty() || ids.back() != id) ids.push_back(id);
  }
}

void Lexicon::MatchTypos(const Token& word, std::vector<uint32_t>* out,
                         std::vector<MatchWay>* ways) const {
  const std::u32string letters = DecodeLetters(word.normalized);
  if (letters.size() < kTypoWordLettersMin || typo_letters_max_ == 0) return;
  std::vector<uint32_t> candidates;
  std::string key;
  const size_t longest = std::min(letters.size(), typo_letters_max_ + 1);
  for (size_t length = kTypoWordLettersMin; length <= longest; ++length) {
    const std::u32string_view prefix(letters.data(), length);
    const auto collect = [&](const std::string& k) {
      if (const auto it = by_typo_key_.find(k); it != by_typo_key_.end()) {
        for (uint32_t id : it->second) {
          const std::u32string term = DecodeLetters(terms_[id].text);
          // A word shorter than the stem is cut short («инвали»), not mistyped.
          if (letters.size() >= term.size() && EditDistance(prefix, term, 1) == 1 &&
              prefix.substr(0, 1) == term.substr(0, 1)) {
            candidates.push_back(id);
          }
        }
      }
    };
    collect(EncodeLetters(prefix));
    for (size_t i = 1; i < length; ++i) {
      DeleteLetter(prefix, i, &key);
      collect(key);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (uint32_t id : candidates) {
    out->push_back(id | kTypoBit);
    if (ways != nullptr) ways->push_back(MatchWay::kTypo);
  }
}

void Lexicon::MatchUncached(const Token& word, std::vector<uint32_t>* out,
                            std::vector<MatchWay>* ways) const {
  const size_t begin = out->size();
  const std::string& text = word.normalized;
  if (!word.number.empty()) AppendIds(by_number_, word.number, MatchWay::kAsWritten, out, ways);
  if (!word.is_number) {
    AppendIds(by_exact_, text, MatchWay::kAsWritten, out, ways);
    // Every prefix of the word at a letter boundary may be a stem.
    for (size_t end = 0; end < text.size();) {
      end += std::max<size_t>(1, DecodeUtf8At(text, end).length);
      AppendIds(by_prefix_, text.substr(0, end), MatchWay::kAsWritten, out, ways);
    }
    if (!by_stem_.empty()) AppendIds(by_stem_, StemRussian(text), MatchWay::kStem, out, ways);
  }
  // Irregular forms are listed under by_exact_ too: tell them apart for explanations.
  if (ways != nullptr) {
    for (size_t i = begin; i < out->size(); ++i) {
      const Term& term = terms_[(*out)[i]];
      if ((*ways)[i] == MatchWay::kAsWritten && term.kind == TermKind::kExact &&
          term.text != text) {
        (*ways)[i] = MatchWay::kIrregularForm;
      }
      if ((*ways)[i] == MatchWay::kAsWritten && term.kind == TermKind::kPrefix &&
          text.compare(0, term.text.size(), term.text) != 0) {
        (*ways)[i] = MatchWay::kIrregularForm;
      }
    }
  }
  if (!word.is_number) MatchTypos(word, out, ways);
  // Ascending ids without repeats (a word may reach a term two ways); ways follow their ids.
  std::vector<std::pair<uint32_t, MatchWay>> sorted;
  sorted.reserve(out->size() - begin);
  for (size_t i = begin; i < out->size(); ++i) {
    sorted.emplace_back((*out)[i], ways != nullptr ? (*ways)[i] : MatchWay::kAsWritten);
  }
  // Stable: a term matched as written comes before the same term reached with a typo, and wins.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return (a.first & ~kTypoBit) < (b.first & ~kTypoBit);
  });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const auto& a, const auto& b) {
                             return (a.first & ~kTypoBit) == (b.first & ~kTypoBit);
                           }),
               sorted.end());
  out->resize(begin);
  if (ways != nullptr) ways->resize(begin);
  for (const auto& [id, way] : sorted) {
    out->push_back(id);
    if (ways != nullptr) ways->push_back(way);
  }
}

void Lexicon::Match(const Token& word, std::vector<uint32_t>* out) const {
  thread_local WordCache cache;
  if (!SameOwner(cache.owner, identity_)) {
    cache.terms.clear();
    cache.owner = identity_;
  }
  // The number is part of the key: «3» typed and «трое» have different words but one value. A
  // normalised word has no '#', so a plain word is its own key.
  thread_local std::string number_key;
  absl::string_view key(word.normalized);
  if (!word.number.empty() || word.is_number) {
    number_key = word.normalized;
    if (!word.number.empty()) {
      number_key += '#';
      number_key += word.number;
    }
    if (word.is_number) number_key += '#';
    key = number_key;
  }
  if (const auto it = cache.terms.find(key); it != cache.terms.end()) {
    // One to three ids, into room the caller reserved: cheaper than a range insert.
    for (uint32_t id : it->second) out->push_back(id);
    return;
  }
  std::vector<uint32_t> terms;
  MatchUncached(word, &terms);
  if (cache.terms.size() >= kWordCacheEntriesMax) cache.terms.clear();
  out->insert(out->end(), terms.begin(), terms.end());
  cache.terms.emplace(std::string(key), std::move(terms));
}

}  // namespace ekc::router::rules
