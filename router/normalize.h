#pragma once

// The words the rules see: router/text.h's tokens after the clean-up that speech-to-text and chat
// need. Three passes, in this order:
//
//  1. Numbers: «1,5» and «1.5» become one number «1.5»; «10 000» becomes «10000»; number words
//     («трое», «полтора», «двадцать пять», «десять тысяч») get their value. A single number word
//     keeps its word (rules may say «трое дет») and carries the value beside it; a run of several
//     is merged into one word whose text is the value.
//  2. Spelled abbreviations of transcripts: letter names in a row that spell a known abbreviation
//     («эм эс э» → «мсэ», «эс вэ о» → «сво», «и пэ эр а» → «ипра») are merged into it.
//  3. Fillers of transcripts and chats («алло», «э-э», «ну», «короче», «типа», «девушка» when it is
//     an address) are dropped: phrases and negation windows look through them.
//
// Pure functions of their input, safe on any thread. A merged word's offset and length span the
// original bytes of all its parts.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "router/text.h"

namespace ekc::router {

struct NormalizedText {
  std::vector<Token> words;    // what the rules match, in reading order
  std::vector<Token> fillers;  // dropped words, for explanations
};

// Tokenises `text` (at most `tokens_max` tokens) and applies the passes above.
NormalizedText NormalizeText(std::string_view text, size_t tokens_max);
// The same into `out` (cleared first), reusing its capacity.
void NormalizeText(std::string_view text, size_t tokens_max, NormalizedText* out);

// The words joined for regular expressions: one clause a line, each word between single spaces
// (" у нас 3 детей \n мы в пвр "); a number is written by its value. `starts[i]` receives the byte
// offset of word i in the result.
std::string JoinForRegex(const std::vector<Token>& words, std::vector<uint32_t>* starts);
// The same into `out` (cleared first), reusing its capacity.
void JoinForRegex(const std::vector<Token>& words, std::string* out, std::vector<uint32_t>* starts);

// True when `text` is a number as the rules write it: digits, with at most one «.» between digits.
bool IsNumberText(std::string_view text);

}  // namespace ekc::router
