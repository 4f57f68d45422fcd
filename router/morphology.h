#pragma once

// Russian morphology for the rules: the Snowball stemmer, the irregular forms a stem cannot reach
// (ребёнок/дети, человек/люди, год/лет, отец/отца), and the edit distance used for typos.
//
// Threads: any. Snowball's stemmer keeps state between calls and is not thread-safe, so each
// thread has its own (a thread_local created on first use); nothing else is shared.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ekc::router {

// Words longer than this are not stemmed (a 64-letter token is a blob, not a word).
inline constexpr size_t kStemBytesMax = 128;

// The Snowball Russian stem of a normalised word (lowercase, ё→е): «беременности» → «беремен»,
// «многодетные» → «многодетн». Words without Cyrillic letters, and words past kStemBytesMax, are
// returned unchanged. Snowball only cuts endings, so the stem is a prefix of the word (up to
// «нн» → «н»).
std::string StemRussian(std::string_view word);

// Every form of the word group that `word` names, when `word` is one of the group's forms or the
// stem rules usually write for it («ребен»): «ребенок» → ребенок, ребенка, …, дети, детей, ….
// Empty for other words. Forms are normalised (ё→е).
std::span<const std::string_view> IrregularForms(std::string_view word);

// The optimal-string-alignment (restricted Damerau–Levenshtein) distance between two words, in
// letters: one substitution, insertion, deletion or swap of neighbours costs 1. Counting stops
// past `limit`: the result is min(distance, limit + 1).
size_t EditDistance(std::u32string_view a, std::u32string_view b, size_t limit);

// The code points of valid UTF-8 (a malformed byte becomes U+FFFD).
std::u32string DecodeLetters(std::string_view utf8);

}  // namespace ekc::router
