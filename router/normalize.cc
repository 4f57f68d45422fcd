#include "router/normalize.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace ekc::router {
namespace {

// ── Numbers ─────────────────────────────────────────────────────────────────────────────────────

// Values are kept in tenths, so that «полтора» (1.5) is exact.
using Tenths = int64_t;
constexpr Tenths kOne = 10;
// A merged number stops growing past this (a run of «тысяча тысяча …» cannot overflow).
constexpr Tenths kNumberTenthsMax = Tenths{1'000'000'000'000} * kOne;

enum class NumberKind : uint8_t {
  kComponent,   // 1–900: adds to the number being read («двадцать пять»)
  kMultiplier,  // тысяча, миллион: multiplies what was read before it
};

struct NumberWord {
  std::string_view word;  // normalised: lowercase, ё→е
  Tenths value;
  NumberKind kind = NumberKind::kComponent;
};

// Cardinal and collective numerals in the cases citizens use. «семью» is left out on purpose: it
// is far more often «семья» (взять в семью) than «семью годами».
constexpr auto kNumberWords = std::to_array<NumberWord>({
    {"ноль", 0},
    {"нуль", 0},
    {"один", 10},
    {"одна", 10},
    {"одно", 10},
    {"одного", 10},
    {"одной", 10},
    {"одному", 10},
    {"одну", 10},
    {"два", 20},
    {"две", 20},
    {"двух", 20},
    {"двум", 20},
    {"двумя", 20},
    {"двое", 20},
    {"двоих", 20},
    {"двоим", 20},
    {"двоими", 20},
    {"три", 30},
    {"трех", 30},
    {"трем", 30},
    {"тремя", 30},
    {"трое", 30},
    {"троих", 30},
    {"троим", 30},
    {"троими", 30},
    {"четыре", 40},
    {"четырех", 40},
    {"четырем", 40},
    {"четырьмя", 40},
    {"четверо", 40},
    {"четверых", 40},
    {"четверым", 40},
    {"пять", 50},
    {"пяти", 50},
    {"пятью", 50},
    {"пятеро", 50},
    {"пятерых", 50},
    {"шесть", 60},
    {"шести", 60},
    {"шестеро", 60},
    {"шестерых", 60},
    {"семь", 70},
    {"семи", 70},
    {"семеро", 70},
    {"семерых", 70},
    {"восемь", 80},
    {"восьми", 80},
    {"девять", 90},
    {"девяти", 90},
    {"десять", 100},
    {"десяти", 100},
    {"одиннадцать", 110},
    {"одиннадцати", 110},
    {"двенадцать", 120},
    {"двенадцати", 120},
    {"тринадцать", 130},
    {"тринадцати", 130},
    {"четырнадцать", 140},
    {"четырнадцати", 140},
    {"пятнадцать", 150},
    {"пятнадцати", 150},
    {"шестнадцать", 160},
    {"шестнадцати", 160},
    {"семнадцать", 170},
    {"семнадцати", 170},
    {"восемнадцать", 180},
    {"восемнадцати", 180},
    {"девятнадцать", 190},
    {"девятнадцати", 190},
    {"двадцать", 200},
    {"двадцати", 200},
    {"тридцать", 300},
    {"тридцати", 300},
    {"сорок", 400},
    {"сорока", 400},
    {"пятьдесят", 500},
    {"пятидесяти", 500},
    {"шестьдесят", 600},
    {"шестидесяти", 600},
    {"семьдесят", 700},
    {"семидесяти", 700},
    {"восемьдесят", 800},
    {"восьмидесяти", 800},
    {"девяносто", 900},
    {"девяноста", 900},
    {"сто", 1000},
    {"ста", 1000},
    {"двести", 2000},
    {"двухсот", 2000},
    {"триста", 3000},
    {"трехсот", 3000},
    {"четыреста", 4000},
    {"четырехсот", 4000},
    {"пятьсот", 5000},
    {"пятисот", 5000},
    {"шестьсот", 6000},
    {"шестисот", 6000},
    {"семьсот", 7000},
    {"семисот", 7000},
    {"восемьсот", 8000},
    {"восьмисот", 8000},
    {"девятьсот", 9000},
    {"девятисот", 9000},
    {"полтора", 15},
    {"полторы", 15},
    {"полутора", 15},
    {"тысяча", 1000 * kOne, NumberKind::kMultiplier},
    {"тысячи", 1000 * kOne, NumberKind::kMultiplier},
    {"тысяч", 1000 * kOne, NumberKind::kMultiplier},
    {"тысячу", 1000 * kOne, NumberKind::kMultiplier},
    {"тысячей", 1000 * kOne, NumberKind::kMultiplier},
    {"тыс", 1000 * kOne, NumberKind::kMultiplier},
    {"миллион", 1'000'000 * kOne, NumberKind::kMultiplier},
    {"миллиона", 1'000'000 * kOne, NumberKind::kMultiplier},
    {"миллионов", 1'000'000 * kOne, NumberKind::kMultiplier},
});

// What the passes need to know of a word, found once per word by WordBits (below, after the lists):
// the letter it names when spelled, whether it is a filler, a greeting or «девушка», and which
// number word it is.
constexpr uint32_t kLetterMask = 0xFF;  // index in kLetterNames + 1
constexpr uint32_t kFillerBit = 1u << 8;
constexpr uint32_t kGreetingBit = 1u << 9;
constexpr uint32_t kGirlBit = 1u << 10;  // «девушка»: a filler when it addresses the operator
constexpr int kNumberShift = 16;         // index in kNumberWords + 1
static_assert(kNumberWords.size() < (1u << (32 - kNumberShift)));

uint32_t WordBits(std::string_view word);

std::optional<NumberWord> NumberWordOf(uint32_t bits) {
  const uint32_t number = bits >> kNumberShift;
  if (number == 0) return std::nullopt;
  return kNumberWords[number - 1];
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string FormatTenths(Tenths value) {
  std::string out = std::to_string(value / kOne);
  if (value % kOne != 0) out += "." + std::to_string(value % kOne);
  return out;
}

// Digits as tenths, or nothing when the number is too long to be a quantity (a phone number).
std::optional<Tenths> DigitsValue(std::string_view digits) {
  if (!IsDigits(digits) || digits.size() > 9) return std::nullopt;
  return static_cast<Tenths>(std::stoll(std::string(digits))) * kOne;
}

bool Adjacent(const Token& a, const Token& b, std::string_view text, std::string_view between) {
  const size_t end = size_t{a.offset} + a.length;
  return b.offset == end + between.size() && text.substr(end, between.size()) == between;
}

// «1,5» / «1.5» → one number; «10 000» → «10000». In place: a merged number takes the place of
// its first group.
void MergeDigitGroups(std::string_view text, std::vector<Token>* tokens) {
  if (std::none_of(tokens->begin(), tokens->end(), [](const Token& t) { return t.is_number; })) {
    return;
  }
  size_t kept = 0;
  for (size_t i = 0; i < tokens->size(); ++i) {
    Token& token = (*tokens)[i];
    if (token.is_number) token.number = token.normalized;
    if (kept > 0 && (*tokens)[kept - 1].is_number && token.is_number &&
        !token.clause_break_before) {
      Token& last = (*tokens)[kept - 1];
      const bool decimal = last.number.find('.') == std::string::npos &&
                           (Adjacent(last, token, text, ",") || Adjacent(last, token, text, "."));
      const bool thousands =
          IsDigits(last.number) && last.number.size() <= 3 && token.normalized.size() == 3 &&
          (Adjacent(last, token, text, " ") || Adjacent(last, token, text, "\u00A0") ||
           Adjacent(last, token, text, "\u202F"));
      if (decimal || thousands) {
        last.number += (decimal ? "." : "") + token.normalized;
        last.normalized = last.number;
        last.length = token.offset + token.length - last.offset;
        continue;
      }
    }
    if (kept != i) (*tokens)[kept] = std::move(token);
    ++kept;
  }
  tokens->resize(kept);
}

// The place of a component in a number: hundreds, then tens or a teen, then units («сто двадцать
// пять»). A teen leaves no place for units.
int PlaceOf(Tenths value) {
  if (value < 10 * kOne) return 1;
  if (value < 100 * kOne) return 2;
  return 3;
}

// Reads a run of number words (a number in digits may start it: «10 тысяч») starting at `i`.
// Returns the number of tokens read (0 when tokens[i] is not a number) and its value. «два три»
// is two numbers: a component must take a smaller place than the one before it.
std::pair<size_t, Tenths> ReadNumber(const std::vector<Token>& tokens,
                                     const std::vector<uint32_t>& bits, size_t i) {
  Tenths total = 0;
  Tenths group = 0;
  int free_place = 4;  // components must take a place below this
  size_t read = 0;
  for (size_t j = i; j < tokens.size(); ++j) {
    if (j > i && tokens[j].clause_break_before) break;
    std::optional<NumberWord> word = NumberWordOf(bits[j]);
    bool digits = false;
    if (!word && j == i && tokens[j].is_number) {
      std::optional<Tenths> value = DigitsValue(tokens[j].number);
      if (value) word = NumberWord{"", *value};
      digits = true;
    }
    if (!word) break;
    if (word->kind == NumberKind::kMultiplier) {
      if (j == i) break;  // «тысяча» alone is a word, not a number
      if (group == 0) group = kOne;
      group = std::min(group * (word->value / kOne), kNumberTenthsMax);
      total = std::min(total + group, kNumberTenthsMax);
      group = 0;
      free_place = 4;
    } else {
      const int place = digits ? 1 : PlaceOf(word->value);
      if (place >= free_place) break;
      group += word->value;
      const bool teen = word->value >= 10 * kOne && word->value < 20 * kOne;
      free_place = teen ? 1 : place;
    }
    read = j - i + 1;
  }
  return {read, std::min(total + group, kNumberTenthsMax)};
}

void ReadNumberWords(std::vector<Token>* words, const std::vector<uint32_t>& bits) {
  // In place: a merged number takes the place of its first word.
  std::vector<Token>& tokens = *words;
  size_t kept = 0;
  for (size_t i = 0; i < tokens.size();) {
    const auto [read, value] = ReadNumber(tokens, bits, i);
    if (read == 0) {
      if (kept != i) tokens[kept] = std::move(tokens[i]);
      ++kept;
      ++i;
      continue;
    }
    const uint32_t end = tokens[i + read - 1].offset + tokens[i + read - 1].length;
    Token merged = std::move(tokens[i]);
    if (read > 1) {
      merged.length = end - merged.offset;
      merged.number = FormatTenths(value);
      merged.normalized = merged.number;
      merged.is_number = true;
    } else if (!merged.is_number) {
      merged.number = FormatTenths(value);  // «трое»: the word stays, its value beside it
    }
    tokens[kept++] = std::move(merged);
    i += read;
  }
  tokens.resize(kept);
}

// ── Spelled abbreviations ───────────────────────────────────────────────────────────────────────

struct LetterName {
  std::string_view name;
  std::string_view letter;
};

constexpr auto kLetterNames = std::to_array<LetterName>({
    {"а", "а"},  {"бэ", "б"}, {"бе", "б"}, {"вэ", "в"},  {"ве", "в"}, {"гэ", "г"}, {"ге", "г"},
    {"дэ", "д"}, {"де", "д"}, {"е", "е"},  {"жэ", "ж"},  {"же", "ж"}, {"зэ", "з"}, {"зе", "з"},
    {"и", "и"},  {"ка", "к"}, {"эл", "л"}, {"эль", "л"}, {"эм", "м"}, {"эн", "н"}, {"о", "о"},
    {"пэ", "п"}, {"пе", "п"}, {"эр", "р"}, {"эс", "с"},  {"тэ", "т"}, {"те", "т"}, {"у", "у"},
    {"эф", "ф"}, {"ха", "х"}, {"цэ", "ц"}, {"це", "ц"},  {"че", "ч"}, {"чэ", "ч"}, {"ша", "ш"},
    {"э", "э"},  {"ю", "ю"},  {"я", "я"},
});

// Abbreviations a transcript may spell letter by letter. Only these are merged, so that ordinary
// short words in a row («а у нас») stay words.
constexpr auto kSpelledAbbreviations = std::to_array<std::string_view>({
    "мсэ", "сво", "мск", "ипра", "ипр",  "кдн", "едв", "снилс", "жку", "пмпк", "сфр",
    "пфр", "пвр", "убд", "овз",  "ивл",  "тср", "нсу", "дцп",   "мфц", "смфц", "чс",
    "гсп", "омс", "бир", "ндфл", "осзн", "мчс", "рас", "эко",   "зож", "эмсэ",
});
constexpr size_t kSpelledLettersMax = 6;

static_assert(kLetterNames.size() < kLetterMask);

std::string_view LetterOf(uint32_t bits) {
  const uint32_t letter = bits & kLetterMask;
  return letter == 0 ? std::string_view() : kLetterNames[letter - 1].letter;
}

bool IsSpelledAbbreviation(std::string_view letters) {
  return std::find(kSpelledAbbreviations.begin(), kSpelledAbbreviations.end(), letters) !=
         kSpelledAbbreviations.end();
}

// At `i`, the longest run of letter names (2..kSpelledLettersMax) that spells an abbreviation:
// its length in tokens and the abbreviation, or 0.
std::pair<size_t, std::string> SpelledAt(const std::vector<Token>& tokens,
                                         const std::vector<uint32_t>& bits, size_t i) {
  std::string letters;
  std::pair<size_t, std::string> best{0, ""};
  for (size_t j = i; j < tokens.size() && j - i < kSpelledLettersMax; ++j) {
    if (j > i && tokens[j].clause_break_before) break;
    const std::string_view letter = LetterOf(bits[j]);
    if (letter.empty()) break;
    letters += letter;
    if (j > i && IsSpelledAbbreviation(letters)) best = {j - i + 1, letters};
  }
  if (best.second == "эмсэ") best.second = "мсэ";  // «эм эс э» read as «эм-сэ»
  return best;
}

void MergeSpelledAbbreviations(std::vector<Token>* words, std::vector<uint32_t>* word_bits) {
  std::vector<Token>& tokens = *words;
  std::vector<uint32_t>& bits = *word_bits;
  // Most texts spell nothing: keep them as they are unless two letter names stand side by side.
  bool pair = false;
  for (size_t i = 1; i < tokens.size() && !pair; ++i) {
    pair = (bits[i] & kLetterMask) != 0 && (bits[i - 1] & kLetterMask) != 0;
  }
  if (!pair) return;
  // In place: a merged abbreviation takes the place of its first letter.
  size_t kept = 0;
  for (size_t i = 0; i < tokens.size();) {
    auto [count, abbreviation] = SpelledAt(tokens, bits, i);
    if (count == 0) {
      if (kept != i) {
        tokens[kept] = std::move(tokens[i]);
        bits[kept] = bits[i];
      }
      ++kept;
      ++i;
      continue;
    }
    const uint32_t end = tokens[i + count - 1].offset + tokens[i + count - 1].length;
    Token& merged = tokens[kept++];
    if (&merged != &tokens[i]) merged = std::move(tokens[i]);
    merged.length = end - merged.offset;
    merged.normalized = std::move(abbreviation);
    bits[kept - 1] = WordBits(merged.normalized);
    i += count;
  }
  tokens.resize(kept);
  bits.resize(kept);
}

// ── Fillers ─────────────────────────────────────────────────────────────────────────────────────

constexpr auto kFillers = std::to_array<std::string_view>({
    "алло", "ало", "алле", "але", "э",  "ээ",     "эээ",  "эм",   "эмм",     "м",
    "мм",   "ммм", "хм",   "кхм", "ну", "короче", "типа", "блин", "слышите", "значит",
});

// Words after which «девушка» is an address to the operator, not a person in the story.
constexpr auto kGreetings = std::to_array<std::string_view>({
    "здравствуйте",
    "добрый",
    "день",
    "вечер",
    "утро",
    "извините",
    "простите",
    "скажите",
    "подскажите",
    "пожалуйста",
    "слушайте",
    "вы",
});

// ── The words the passes look up ────────────────────────────────────────────────────────────────

uint32_t WordBits(std::string_view word) {
  // Built once (function-local statics are initialised thread-safely).
  static const WordTable kTable = [] {
    WordTable table;
    for (size_t i = 0; i < kNumberWords.size(); ++i) {
      table.Add(kNumberWords[i].word, static_cast<uint32_t>(i + 1) << kNumberShift);
    }
    for (size_t i = 0; i < kLetterNames.size(); ++i) {
      table.Add(kLetterNames[i].name, static_cast<uint32_t>(i + 1));
    }
    for (std::string_view filler : kFillers) table.Add(filler, kFillerBit);
    for (std::string_view greeting : kGreetings) table.Add(greeting, kGreetingBit);
    table.Add("девушка", kGirlBit);
    return table;
  }();
  return kTable.Find(word);
}

bool IsFillerAt(const std::vector<Token>& tokens, const std::vector<uint32_t>& bits, size_t i,
                bool previous_dropped) {
  if ((bits[i] & kFillerBit) != 0) return true;
  if ((bits[i] & kGirlBit) == 0) return false;
  if (i == 0 || tokens[i].clause_break_before || previous_dropped) return true;
  if ((bits[i - 1] & kGreetingBit) != 0) return true;
  return i + 1 == tokens.size() || tokens[i + 1].clause_break_before ||
         (bits[i + 1] & kGreetingBit) != 0;
}

void DropFillers(std::vector<Token>* words, std::vector<uint32_t>* word_bits,
                 std::vector<Token>* fillers) {
  std::vector<Token>& tokens = *words;
  std::vector<uint32_t>& bits = *word_bits;
  // Most texts have none: look before allocating.
  if (std::none_of(bits.begin(), bits.end(),
                   [](uint32_t b) { return (b & (kFillerBit | kGirlBit)) != 0; })) {
    return;
  }
  // In place: kept words move down over the dropped ones.
  std::vector<bool> filler(tokens.size(), false);
  for (size_t i = 0; i < tokens.size(); ++i) {
    filler[i] = IsFillerAt(tokens, bits, i, i > 0 && filler[i - 1]);
  }
  size_t kept = 0;
  bool carry_break = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (filler[i]) {
      carry_break = carry_break || tokens[i].clause_break_before;
      fillers->push_back(tokens[i]);
      continue;
    }
    Token& token = tokens[i];
    token.clause_break_before = kept > 0 && (token.clause_break_before || carry_break);
    carry_break = false;
    if (kept != i) {
      tokens[kept] = std::move(token);
      bits[kept] = bits[i];
    }
    ++kept;
  }
  tokens.resize(kept);
  bits.resize(kept);
}

}  // namespace

bool IsNumberText(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return IsDigits(text);
  return IsDigits(text.substr(0, dot)) && IsDigits(text.substr(dot + 1));
}

void NormalizeText(std::string_view text, size_t tokens_max, NormalizedText* out) {
  Tokenize(text, tokens_max, &out->words);
  out->fillers.clear();
  MergeDigitGroups(text, &out->words);
  // Each word's bits, looked up once and kept beside it through the passes.
  thread_local std::vector<uint32_t> bits;
  bits.clear();
  for (const Token& word : out->words) bits.push_back(WordBits(word.normalized));
  MergeSpelledAbbreviations(&out->words, &bits);
  DropFillers(&out->words, &bits, &out->fillers);
  ReadNumberWords(&out->words, bits);
}

NormalizedText NormalizeText(std::string_view text, size_t tokens_max) {
  NormalizedText out;
  NormalizeText(text, tokens_max, &out);
  return out;
}

void JoinForRegex(const std::vector<Token>& words, std::string* out,
                  std::vector<uint32_t>* starts) {
  starts->clear();
  starts->reserve(words.size());
  // The size first, then the bytes in place: a few hundred bytes, written once.
  size_t bytes = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    const Token& word = words[i];
    const size_t separator = i == 0 ? 1 : (word.clause_break_before ? 2 : 0);
    bytes += separator + (word.number.empty() ? word.normalized.size() : word.number.size()) + 1;
  }
  out->resize(bytes);
  char* at = out->data();
  for (size_t i = 0; i < words.size(); ++i) {
    const Token& word = words[i];
    if (i == 0) {
      *at++ = ' ';
    } else if (word.clause_break_before) {
      *at++ = '\n';
      *at++ = ' ';
    }
    starts->push_back(static_cast<uint32_t>(at - out->data()));
    const std::string& text = word.number.empty() ? word.normalized : word.number;
    at = std::copy(text.begin(), text.end(), at);
    *at++ = ' ';
  }
}

std::string JoinForRegex(const std::vector<Token>& words, std::vector<uint32_t>* starts) {
  std::string out;
  JoinForRegex(words, &out, starts);
  return out;
}

}  // namespace ekc::router
