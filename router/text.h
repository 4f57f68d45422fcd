#pragma once

// Text normalisation and tokenisation for the classifier: the one place that turns a citizen's raw
// UTF-8 (chat, portal form or speech-to-text transcript) into the words the rules compare against.
//
// Why it is hand-written: RE2's \b and \w are ASCII-only, and the library must not pull in ICU. The
// rules only need a few things done well: Cyrillic and Latin case folding, ё→е, Latin look-alike
// letters typed inside Russian words («Рeбёнок», «MCЭ»), a short whitelist of all-Latin spellings
// of Russian abbreviations («CBO» → «сво»), and byte offsets into the ORIGINAL text so an operator
// sees the exact words that matched.
//
// Everything here is a pure function of its input: no locale, no allocation beyond the result, safe
// to call from any thread at once. Malformed UTF-8 never crashes and never reads past the end: a
// bad byte is skipped as a separator (as if it were U+FFFD).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ekc::router {

// A run of letters (or of digits) in the original text, with its normalised form.
struct Token {
  // Lowercase, ё→е, combining marks dropped (и + U+0306 composed to й), Latin look-alikes inside a
  // Cyrillic word mapped to Cyrillic, whitelisted all-Latin abbreviations spelled in Cyrillic. At
  // most kTokenCodePointsMax code points.
  std::string normalized;
  uint32_t offset = 0;  // byte offset of the token in the original text
  uint32_t length = 0;  // byte length of the token in the original text
  // True when a clause boundary (.,;:!?…, a line break, or a long run of separators) lies between
  // the previous token and this one. Phrases do not cross it and negation does not reach over it.
  bool clause_break_before = false;
  bool is_number = false;  // a run of digits
  // The value when the word is a number (router/normalize.h): "3" for «3» and for «трое», "1.5"
  // for «1,5» and «полтора»; empty otherwise. Tokenize leaves it empty.
  std::string number;
};

// A token is cut after this many code points (letters plus combining marks) and the rest of the run
// becomes a new token: this bounds a token's bytes, whatever the input (e.g. a base64 blob).
inline constexpr size_t kTokenCodePointsMax = 64;
// A gap of separators longer than this between two tokens counts as a clause break: a phrase's
// words must be near each other, and a matched phrase's text stays short.
inline constexpr size_t kTokenGapBytesMax = 64;

// One decoded code point. `valid` is false for a malformed sequence; then `length` is 1 (the bad
// byte is skipped) and `code_point` is U+FFFD.
struct DecodedCodePoint {
  char32_t code_point = 0;
  uint32_t length = 0;
  bool valid = false;
};

// Decodes the code point starting at `offset` (< text.size()). Rejects overlong forms, surrogates,
// values past U+10FFFF and truncated sequences; never reads past text.size().
DecodedCodePoint DecodeUtf8At(std::string_view text, size_t offset);

// Appends the UTF-8 encoding of a valid scalar value.
void AppendUtf8(char32_t code_point, std::string* out);

// Lowercase for Latin (ASCII, Latin-1, fullwidth), Greek and Cyrillic, with ё→е; other code points
// are returned unchanged. Fullwidth Latin letters and digits become ASCII.
char32_t FoldCase(char32_t code_point);

// The number of code points in valid UTF-8 (a malformed byte counts as one).
size_t CodePointCount(std::string_view text);

// The offset of the first malformed byte, or std::string_view::npos when `text` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view text);

// `text` with every malformed byte replaced by U+FFFD, so it can go into a protobuf string field
// (which must hold valid UTF-8, or the event that carries it cannot be read back).
std::string ToValidUtf8(std::string_view text);

// Splits `text` into tokens, at most `tokens_max` of them (the rest of the text is ignored). A
// token is a maximal run of letters, or of digits; a letter-digit boundary, a hyphen, an
// apostrophe, spaces and punctuation separate tokens, so «ребёнок-инвалид» is two tokens and «3х»
// is «3» and «х». Soft hyphens, zero-width joiners and combining marks inside a word belong to the
// word.
std::vector<Token> Tokenize(std::string_view text, size_t tokens_max);
// The same into `tokens`, replacing what it held and reusing its tokens' capacity.
void Tokenize(std::string_view text, size_t tokens_max, std::vector<Token>* tokens);

// A fixed set of normalised words, each with a few bits: for the classifier's word lists (number
// words, fillers, negations), asked about every word of every text. Open addressing over a hash of
// the word's length and its first and last bytes; the table is at most a quarter full, so a word
// that is not there (the common case) costs about one probe. The hash is fixed and cheap: right for
// a few hundred words written in the code, not for keys from outside. Built once, then read-only:
// Find is safe on any thread.
class WordTable {
 public:
  // Adds `bits` to the word's bits (a word may be in several lists). `word` is not empty, and its
  // bytes must outlive the table (a string literal).
  void Add(std::string_view word, uint32_t bits);
  // The word's bits, 0 for a word that is not there.
  uint32_t Find(std::string_view word) const;

 private:
  struct Slot {
    std::string_view word;  // empty: a free slot
    uint64_t hash = 0;      // Hash(word): most probes that meet another word stop at it
    uint32_t bits = 0;
  };
  static uint64_t Hash(std::string_view word);
  void Grow();

  std::vector<Slot> slots_;  // a power of two
  size_t count_ = 0;
  size_t word_bytes_max_ = 0;
};

// Find and Hash are inline: the classifier asks about every word of every text.
inline uint64_t WordTable::Hash(std::string_view word) {
  uint64_t head = 0;
  uint64_t tail = 0;
  if (word.size() >= 8) {
    std::memcpy(&head, word.data(), 8);
    std::memcpy(&tail, word.data() + word.size() - 8, 8);
  } else if (word.size() >= 4) {
    uint32_t first = 0;
    uint32_t last = 0;
    std::memcpy(&first, word.data(), 4);
    std::memcpy(&last, word.data() + word.size() - 4, 4);
    head = first;
    tail = last;
  } else {
    for (char c : word) head = (head << 8) | static_cast<unsigned char>(c);
  }
  const uint64_t h = head * 0x9E3779B97F4A7C15ull ^ (tail + word.size()) * 0xC2B2AE3D27D4EB4Full;
  return h ^ (h >> 29);
}

inline uint32_t WordTable::Find(std::string_view word) const {
  if (word.empty() || word.size() > word_bytes_max_) return 0;
  const uint64_t hash = Hash(word);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask; !slots_[i].word.empty(); i = (i + 1) & mask) {
    if (slots_[i].hash == hash && slots_[i].word == word) return slots_[i].bits;
  }
  return 0;
}

// The normalised tokens of `text` joined by single spaces; for tools and tests.
std::string NormalizeForDisplay(std::string_view text);

}  // namespace ekc::router
