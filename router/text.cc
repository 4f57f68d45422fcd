#include "router/text.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/check.h"

namespace ekc::router {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

enum class CharKind : uint8_t {
  kSeparator,    // spaces, symbols, emoji, hyphens, quotes, malformed bytes
  kClauseBreak,  // punctuation that ends a clause: negation and phrases stop here
  kLetter,
  kDigit,
  kMark,    // a combining mark: part of the word it follows (stress marks, NFD «й»)
  kFormat,  // invisible inside a word: soft hyphen, zero-width (non-)joiner, word joiner, BOM
};

constexpr bool InRange(char32_t c, char32_t low, char32_t high) { return c >= low && c <= high; }

// An approximation of Unicode's L* categories by script blocks — enough to keep the words of any
// script a citizen may type (Cyrillic, Latin, Greek, Armenian, Georgian, Hebrew, Arabic, Indic,
// CJK) whole and to keep symbols, punctuation and emoji out.
bool IsLetter(char32_t c) {
  if (c < 0x80) return InRange(c, 'a', 'z') || InRange(c, 'A', 'Z');
  if (c < 0x100)
    return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  if (c < 0x2B0) return true;  // Latin Extended-A/B, IPA
  if (InRange(c, 0x370, 0x3FF)) {
    return c != 0x375 && c != 0x37E && c != 0x384 && c != 0x385 && c != 0x387;
  }
  if (InRange(c, 0x400, 0x52F)) return c != 0x482 && !InRange(c, 0x483, 0x489);
  return InRange(c, 0x531, 0x556) || InRange(c, 0x561, 0x587) ||  // Armenian
         InRange(c, 0x5D0, 0x5EA) ||                              // Hebrew
         InRange(c, 0x620, 0x64A) || InRange(c, 0x66E, 0x6D3) ||  // Arabic
         InRange(c, 0x900, 0xDFF) ||                              // Indic
         InRange(c, 0xE01, 0xE30) ||                              // Thai
         InRange(c, 0x10A0, 0x10FF) ||                            // Georgian
         InRange(c, 0x1C80, 0x1C8F) ||                            // Cyrillic Extended-C
         InRange(c, 0x1E00, 0x1FFF) ||  // Latin Extended Additional, Greek Extended
         InRange(c, 0x3041, 0x30FF) ||  // kana
         InRange(c, 0x3400, 0x4DBF) || InRange(c, 0x4E00, 0x9FFF) ||  // CJK
         InRange(c, 0xA640, 0xA66D) || InRange(c, 0xA680, 0xA69D) ||  // Cyrillic Extended-B
         InRange(c, 0xAC00, 0xD7A3) ||                                // Hangul
         InRange(c, 0xFF21, 0xFF3A) || InRange(c, 0xFF41, 0xFF5A);    // fullwidth Latin
}

bool IsDigit(char32_t c) { return InRange(c, '0', '9') || InRange(c, 0xFF10, 0xFF19); }

bool IsMark(char32_t c) {
  if (c < 0x300 || InRange(c, 0x400, 0x482)) return false;  // ASCII, Latin, most of Cyrillic
  return InRange(c, 0x300, 0x36F) || InRange(c, 0x483, 0x489) || InRange(c, 0x1AB0, 0x1AFF) ||
         InRange(c, 0x1DC0, 0x1DFF) || InRange(c, 0x20D0, 0x20FF) || InRange(c, 0x2DE0, 0x2DFF) ||
         InRange(c, 0xA66F, 0xA67F) || InRange(c, 0xFE00, 0xFE0F) || InRange(c, 0xFE20, 0xFE2F);
}

bool IsFormat(char32_t c) {
  if (c < 0xAD || InRange(c, 0x400, 0x4FF)) return false;
  return c == 0xAD || InRange(c, 0x200B, 0x200D) || c == 0x2060 || c == 0xFEFF;
}

// Punctuation that ends a clause. Not brackets: «материнский (семейный) капитал» is one phrase.
constexpr char32_t kClauseBreaks[] = {
    '.',    ',',    ';',    ':',    '!',    '?',    '|', '\n', '\r', '\v', '\f',
    0x2026,                                          // …
    0x2028, 0x2029,                                  // line and paragraph separators
    0x203C, 0x2047, 0x2048, 0x2049,                  // ‼ ⁇ ⁈ ⁉
    0x037E, 0x061F,                                  // Greek and Arabic question marks
    0xFF01, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF1F,  // fullwidth ! , . : ; ?
};

bool IsClauseBreak(char32_t c) {
  return std::find(std::begin(kClauseBreaks), std::end(kClauseBreaks), c) !=
         std::end(kClauseBreaks);
}

CharKind KindOf(const DecodedCodePoint& d) {
  if (!d.valid) return CharKind::kSeparator;
  const char32_t c = d.code_point;
  if (IsLetter(c)) return CharKind::kLetter;
  if (IsDigit(c)) return CharKind::kDigit;
  if (IsMark(c)) return CharKind::kMark;
  if (IsFormat(c)) return CharKind::kFormat;
  if (IsClauseBreak(c)) return CharKind::kClauseBreak;
  return CharKind::kSeparator;
}

// KindOf for every ASCII code point: a tokenizer's most frequent question after Russian letters.
constexpr std::array<CharKind, 0x80> kAsciiKinds = [] {
  std::array<CharKind, 0x80> kinds{};
  for (char32_t c = 0; c < 0x80; ++c) {
    if (InRange(c, 'a', 'z') || InRange(c, 'A', 'Z')) {
      kinds[c] = CharKind::kLetter;
    } else if (InRange(c, '0', '9')) {
      kinds[c] = CharKind::kDigit;
    } else if (std::find(std::begin(kClauseBreaks), std::end(kClauseBreaks), c) !=
               std::end(kClauseBreaks)) {
      kinds[c] = CharKind::kClauseBreak;
    } else {
      kinds[c] = CharKind::kSeparator;
    }
  }
  return kinds;
}();

// KindOf with the common cases inline: А..я, then ASCII.
inline CharKind KindOfFast(const DecodedCodePoint& d) {
  if (InRange(d.code_point, 0x410, 0x44F)) return CharKind::kLetter;
  if (d.code_point < 0x80) return kAsciiKinds[d.code_point];
  return KindOf(d);
}

bool IsAsciiDigitAt(std::string_view text, size_t offset) {
  return offset < text.size() && text[offset] >= '0' && text[offset] <= '9';
}

bool IsCyrillic(char32_t c) { return InRange(c, 0x400, 0x52F) || InRange(c, 0x1C80, 0x1C8F); }
bool IsAsciiLetter(char32_t c) { return InRange(c, 'a', 'z') || InRange(c, 'A', 'Z'); }

// The Cyrillic letter a Latin one is mistaken for, by its case as typed: "B" looks like «В» but "b"
// does not, "H" like «Н» but "h" not. 0 when there is none.
char32_t CyrillicLookAlike(char32_t latin) {
  switch (latin) {
    case 'a':
    case 'A':
      return U'а';
    case 'c':
    case 'C':
      return U'с';
    case 'e':
    case 'E':
      return U'е';
    case 'o':
    case 'O':
      return U'о';
    case 'p':
    case 'P':
      return U'р';
    case 'x':
    case 'X':
      return U'х';
    case 'y':
    case 'Y':
      return U'у';
    case 'k':
    case 'K':
      return U'к';
    case 'm':
    case 'M':
      return U'м';
    case 't':
    case 'T':
      return U'т';
    case 'B':
      return U'в';
    case 'H':
      return U'н';
    default:
      return 0;
  }
}

// All-Latin tokens are real Latin words («WhatsApp», «ID») unless they are one of these spellings
// of Russian abbreviations: look-alike letters typed on a Latin layout, or plain transliterations.
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kLatinAbbreviations = {{
    {"cbo", "сво"}, {"svo", "сво"}, {"mce", "мсэ"}, {"mse", "мсэ"},   {"mck", "мск"},
    {"tcp", "тср"}, {"omc", "омс"}, {"hko", "нко"}, {"ipra", "ипра"}, {"snils", "снилс"},
    {"edv", "едв"}, {"sfr", "сфр"}, {"pfr", "пфр"}, {"oszn", "осзн"}, {"kdn", "кдн"},
    {"ivl", "ивл"}, {"pvr", "пвр"}, {"mfc", "мфц"}, {"smfc", "смфц"}, {"zhku", "жку"},
}};

// Builds the normalised form of one token from the code points as typed (Tokenize folds plain
// Russian words itself: this is for the rest).
std::string NormalizeToken(std::u32string_view typed) {
  bool has_cyrillic = false;
  bool has_latin = false;
  bool all_ascii_letters = true;
  for (char32_t c : typed) {
    const char32_t folded = FoldCase(c);  // fullwidth Latin counts as Latin
    if (IsCyrillic(folded)) has_cyrillic = true;
    if (IsAsciiLetter(folded)) {
      has_latin = true;
    } else if (!IsMark(c) && !IsFormat(c)) {
      all_ascii_letters = false;
    }
  }
  const bool mixed = has_cyrillic && has_latin;

  std::string out;
  out.reserve(typed.size() * 2);
  char32_t last = 0;  // the last code point written, to compose NFD «й»
  for (char32_t c : typed) {
    if (IsFormat(c)) continue;
    if (IsMark(c)) {
      // NFD text spells «й» as «и» + U+0306 and «ё» as «е» + U+0308; other marks (stress) are
      // dropped.
      if (c == 0x0306 && last == U'и') {
        out.resize(out.size() - 2);  // «и» is two bytes in UTF-8
        AppendUtf8(U'й', &out);
        last = U'й';
      }
      continue;
    }
    char32_t mapped = FoldCase(c);
    if (mixed && IsAsciiLetter(mapped)) {
      // Look at the case as typed (after fullwidth → ASCII) to decide the look-alike.
      const char32_t as_typed = InRange(c, 0xFF21, 0xFF5A) ? c - 0xFF21 + 'A' : c;
      if (const char32_t cyrillic = CyrillicLookAlike(as_typed); cyrillic != 0) mapped = cyrillic;
    }
    AppendUtf8(mapped, &out);
    last = mapped;
  }
  if (has_latin && !has_cyrillic && all_ascii_letters) {
    for (const auto& [latin, cyrillic] : kLatinAbbreviations) {
      if (out == latin) return std::string(cyrillic);
    }
  }
  return out;
}

// DecodeUtf8At with the two common cases inline: ASCII, and two-byte sequences (Cyrillic).
inline DecodedCodePoint DecodeFast(std::string_view text, size_t offset) {
  const auto b0 = static_cast<unsigned char>(text[offset]);
  if (b0 < 0x80) return {b0, 1, true};
  if (b0 >= 0xC2 && b0 <= 0xDF && offset + 1 < text.size()) {
    const auto b1 = static_cast<unsigned char>(text[offset + 1]);
    if ((b1 & 0xC0) == 0x80)
      return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (b1 & 0x3F)), 2, true};
  }
  return DecodeUtf8At(text, offset);
}

// For the two-byte sequences D0 xx and D1 xx (U+0400..U+047F), indexed by the lead byte's low bit
// and the trailing byte's low six bits: the folded letter's two UTF-8 bytes (lead << 8 | trail)
// when the code point is «ё» or А..я, else 0.
constexpr std::array<uint16_t, 128> kPlainRussianFolds = [] {
  std::array<uint16_t, 128> folds{};
  for (char32_t c = 0x400; c < 0x480; ++c) {
    if (!InRange(c, 0x410, 0x44F) && c != 0x401 && c != 0x451) continue;
    const char32_t folded = (c == 0x401 || c == 0x451) ? U'е' : (c < 0x430 ? c + 0x20 : c);
    folds[c - 0x400] =
        static_cast<uint16_t>(((0xC0 | (folded >> 6)) << 8) | (0x80 | (folded & 0x3F)));
  }
  return folds;
}();

// Reads the run of «ё» and А..я starting at `*offset` (at most kTokenCodePointsMax letters),
// byte by byte: the bulk of every text. Each letter goes, folded, to `plain` (two bytes each);
// returns how many and moves `*offset` past them. Lowercase а..я, the most common, are their own
// fold and skip the table.
size_t FoldPlainRussian(std::string_view text, size_t* offset,
                        std::array<char, kTokenCodePointsMax * 2>* plain) {
  size_t count = 0;
  size_t at = *offset;
  char* out = plain->data();
  while (at + 1 < text.size() && count < kTokenCodePointsMax) {
    const auto b0 = static_cast<unsigned char>(text[at]);
    const auto b1 = static_cast<unsigned char>(text[at + 1]);
    if ((b0 == 0xD0 && (b1 & 0xF0) == 0xB0) || (b0 == 0xD1 && (b1 & 0xF0) == 0x80)) {  // а..я
      out[count * 2] = static_cast<char>(b0);
      out[count * 2 + 1] = static_cast<char>(b1);
    } else {
      if ((b0 & 0xFE) != 0xD0 || (b1 & 0xC0) != 0x80) break;
      const uint16_t folded = kPlainRussianFolds[((b0 & 1) << 6) | (b1 & 0x3F)];
      if (folded == 0) break;
      out[count * 2] = static_cast<char>(folded >> 8);
      out[count * 2 + 1] = static_cast<char>(folded & 0xFF);
    }
    ++count;
    at += 2;
  }
  *offset = at;
  return count;
}

}  // namespace

DecodedCodePoint DecodeUtf8At(std::string_view text, size_t offset) {
  const DecodedCodePoint bad{kReplacement, 1, false};
  if (offset >= text.size()) return {kReplacement, 0, false};
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[offset + i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1, true};
  size_t length = 0;
  char32_t value = 0;
  char32_t min_value = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    value = b0 & 0x1F;
    min_value = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    value = b0 & 0x0F;
    min_value = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    value = b0 & 0x07;
    min_value = 0x10000;
  } else {
    return bad;  // a continuation byte, 0xC0/0xC1 (always overlong) or 0xF5..0xFF
  }
  if (length > text.size() - offset) return bad;
  for (size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(i);
    if ((b & 0xC0) != 0x80) return bad;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min_value || value > 0x10FFFF || InRange(value, 0xD800, 0xDFFF)) return bad;
  return {value, static_cast<uint32_t>(length), true};
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

char32_t FoldCase(char32_t c) {
  if (InRange(c, 0x430, 0x44F)) return c;  // а..я: the common case
  if (c < 0x80) return InRange(c, 'A', 'Z') ? c + 0x20 : c;
  if (InRange(c, 0xC0, 0xDE) && c != 0xD7) return c + 0x20;                // Latin-1
  if (InRange(c, 0x100, 0x137) || InRange(c, 0x14A, 0x177)) return c | 1;  // Latin Extended-A pairs
  if (InRange(c, 0x139, 0x148) || InRange(c, 0x179, 0x17E)) return (c & 1) ? c + 1 : c;
  if (InRange(c, 0x391, 0x3AB) && c != 0x3A2) return c + 0x20;  // Greek
  if (InRange(c, 0x410, 0x42F)) return c + 0x20;                // А..Я
  if (InRange(c, 0x400, 0x40F)) c += 0x50;                      // Ѐ..Џ, including Ё
  if (c == 0x451 || c == 0x450) return U'е';                    // ё, ѐ → е
  if (InRange(c, 0x460, 0x481) || InRange(c, 0x48A, 0x4BF) || InRange(c, 0x4D0, 0x52F)) {
    return c | 1;  // Cyrillic extensions: even upper, odd lower
  }
  if (InRange(c, 0x4C1, 0x4CE)) return (c & 1) ? c + 1 : c;
  if (c == 0x4C0) return 0x4CF;
  if (InRange(c, 0xFF21, 0xFF3A)) return c - 0xFF21 + 'a';  // fullwidth Latin → ASCII
  if (InRange(c, 0xFF41, 0xFF5A)) return c - 0xFF41 + 'a';
  if (InRange(c, 0xFF10, 0xFF19)) return c - 0xFF10 + '0';
  return c;
}

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  for (size_t offset = 0; offset < text.size(); ++count) {
    offset += DecodeUtf8At(text, offset).length;
  }
  return count;
}

size_t FindInvalidUtf8(std::string_view text) {
  const size_t size = text.size();
  for (size_t offset = 0; offset < size;) {
    // ASCII and two-byte sequences (Cyrillic) without decoding them.
    const auto b0 = static_cast<unsigned char>(text[offset]);
    if (b0 < 0x80) {
      ++offset;
      continue;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && offset + 1 < size &&
        (static_cast<unsigned char>(text[offset + 1]) & 0xC0) == 0x80) {
      offset += 2;
      continue;
    }
    const DecodedCodePoint d = DecodeUtf8At(text, offset);
    if (!d.valid) return offset;
    offset += d.length;
  }
  return std::string_view::npos;
}

std::string ToValidUtf8(std::string_view text) {
  if (FindInvalidUtf8(text) == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t offset = 0; offset < text.size();) {
    const DecodedCodePoint d = DecodeUtf8At(text, offset);
    if (d.valid) {
      out.append(text.substr(offset, d.length));
    } else {
      AppendUtf8(kReplacement, &out);
    }
    offset += d.length;
  }
  return out;
}

void Tokenize(std::string_view text, size_t tokens_max, std::vector<Token>* tokens) {
  // The tokens of an earlier text are reused, strings and all: their capacity stays, so a text of
  // words seen at that length before allocates nothing here.
  size_t count = 0;
  // A word takes about seven bytes with its space: reserve for that, within the bound.
  tokens->reserve(std::min(tokens_max, text.size() / 6 + 1));
  std::array<char32_t, kTokenCodePointsMax> typed;
  // The normalised bytes while every letter is «ё» or А..я (two bytes each after folding).
  std::array<char, kTokenCodePointsMax * 2> plain;
  bool break_pending = false;
  size_t previous_end = 0;
  size_t offset = 0;
  while (offset < text.size() && count < tokens_max) {
    const DecodedCodePoint first = DecodeFast(text, offset);
    const CharKind kind = KindOfFast(first);
    if (kind != CharKind::kLetter && kind != CharKind::kDigit) {
      if (kind == CharKind::kClauseBreak) {
        // «1,5 года», «15:00», «2.1» are one number written with a separator, not a clause break.
        const bool inside_number =
            (first.code_point == ',' || first.code_point == '.' || first.code_point == ':') &&
            offset > 0 && IsAsciiDigitAt(text, offset - 1) && IsAsciiDigitAt(text, offset + 1);
        if (!inside_number) break_pending = true;
      }
      offset += first.length;
      continue;
    }
    // A token: a run of code points of `kind`, with the marks and invisible characters inside it.
    const size_t start = offset;
    size_t end = offset;
    size_t typed_count = 0;
    bool all_plain = true;  // every code point so far is «ё» or А..я: `plain` holds the result
    // The letters FoldPlainRussian read are not in `typed`: two bytes each from `start`.
    size_t folded_count = 0;
    if (kind == CharKind::kLetter) {
      folded_count = FoldPlainRussian(text, &offset, &plain);
      typed_count = folded_count;
      if (typed_count > 0) end = offset;
    }
    while (offset < text.size() && typed_count < kTokenCodePointsMax) {
      const DecodedCodePoint d = DecodeFast(text, offset);
      const CharKind k = KindOfFast(d);
      if (k == kind || k == CharKind::kMark) {
        const char32_t c = d.code_point;
        if (all_plain && (InRange(c, 0x410, 0x44F) || c == 0x401 || c == 0x451)) {
          const char32_t folded = (c == 0x401 || c == 0x451) ? U'е' : (c < 0x430 ? c + 0x20 : c);
          plain[typed_count * 2] = static_cast<char>(0xC0 | (folded >> 6));
          plain[typed_count * 2 + 1] = static_cast<char>(0x80 | (folded & 0x3F));
        } else {
          all_plain = false;
        }
        typed[typed_count++] = c;
        offset += d.length;
        end = offset;  // a mark after the last letter (a stress mark) still belongs to the word
      } else if (k == CharKind::kFormat) {
        all_plain = false;
        typed[typed_count++] = d.code_point;
        offset += d.length;  // only inside the word: `end` moves with the next letter
      } else {
        break;
      }
    }
    offset = end;  // give back trailing invisible characters
    Token& token = count < tokens->size() ? (*tokens)[count] : tokens->emplace_back();
    ++count;
    token.number.clear();
    token.offset = static_cast<uint32_t>(start);
    token.length = static_cast<uint32_t>(end - start);
    token.is_number = kind == CharKind::kDigit;
    token.clause_break_before =
        count > 1 && (break_pending || start - previous_end > kTokenGapBytesMax);
    if (all_plain) {
      token.normalized.assign(plain.data(), typed_count * 2);
    } else {
      for (size_t i = 0; i < folded_count; ++i)
        typed[i] = DecodeFast(text, start + 2 * i).code_point;
      token.normalized = NormalizeToken(std::u32string_view(typed.data(), typed_count));
    }
    break_pending = false;
    previous_end = end;
  }
  tokens->resize(count);
}

std::vector<Token> Tokenize(std::string_view text, size_t tokens_max) {
  std::vector<Token> tokens;
  Tokenize(text, tokens_max, &tokens);
  return tokens;
}

void WordTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
  count_ = 0;
  for (const Slot& slot : old) {
    if (!slot.word.empty()) Add(slot.word, slot.bits);
  }
}

void WordTable::Add(std::string_view word, uint32_t bits) {
  EKC_CHECK(!word.empty());  // an empty word marks a free slot
  if ((count_ + 1) * 4 > slots_.size()) Grow();
  const uint64_t hash = Hash(word);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i].word.empty()) {
      slots_[i] = Slot{word, hash, bits};
      ++count_;
      word_bytes_max_ = std::max(word_bytes_max_, word.size());
      return;
    }
    if (slots_[i].hash == hash && slots_[i].word == word) {
      slots_[i].bits |= bits;
      return;
    }
  }
}

std::string NormalizeForDisplay(std::string_view text) {
  std::string out;
  for (const Token& token : Tokenize(text, text.size())) {
    if (!out.empty()) out.push_back(' ');
    out += token.normalized;
  }
  return out;
}

}  // namespace ekc::router
