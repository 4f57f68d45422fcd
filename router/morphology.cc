#include "router/morphology.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include <libstemmer.h>

#include "router/text.h"

namespace ekc::router {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};

// One stemmer per thread: Snowball's stemmer is not thread-safe. Null if libstemmer could not
// allocate one; words are then returned unstemmed.
sb_stemmer* ThreadStemmer() {
  thread_local const std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(
      sb_stemmer_new("russian", "UTF_8"));
  return stemmer.get();
}

bool HasCyrillic(std::string_view word) {
  // Cyrillic letters in UTF-8 start with 0xD0..0xD4.
  return std::any_of(word.begin(), word.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0xD0 && b <= 0xD4;
  });
}

// A group of forms. The first `aliases` entries are the spellings that name the group in a rule;
// all entries are the forms a text may contain.
struct FormGroup {
  size_t aliases;
  std::span<const std::string_view> forms;
};

constexpr auto kChild = std::to_array<std::string_view>({
    "ребен",   "ребенок",  "ребенка", "ребенку", "ребенком", "ребенке",  "дети",    "детей",
    "детям",   "детьми",   "детях",   "детки",   "деток",    "деткам",   "детками", "детишки",
    "детишек", "детишкам", "ребята",  "ребят",   "ребятам",  "ребятами", "ребятах",
});
constexpr auto kPerson = std::to_array<std::string_view>({
    "человек",
    "человека",
    "человеку",
    "человеком",
    "человеке",
    "люди",
    "людей",
    "людям",
    "людьми",
    "людях",
});
constexpr auto kYear = std::to_array<std::string_view>({
    "год",
    "года",
    "году",
    "годом",
    "годе",
    "годы",
    "годов",
    "годам",
    "лет",
});
constexpr auto kFather = std::to_array<std::string_view>({
    "отец",
    "отц",
    "отца",
    "отцу",
    "отцом",
    "отце",
    "отцы",
    "отцов",
});
constexpr auto kMother = std::to_array<std::string_view>({
    "мать",
    "матери",
    "матерью",
    "матерей",
    "матерям",
});
constexpr auto kDaughter = std::to_array<std::string_view>({
    "дочь",
    "дочери",
    "дочерью",
    "дочерей",
    "дочерям",
    "дочерьми",
});
constexpr auto kFamily = std::to_array<std::string_view>({
    "семья",
    "семьи",
    "семье",
    "семью",
    "семьей",
    "семьею",
    "семей",
    "семьям",
    "семьями",
});
constexpr auto kMoney = std::to_array<std::string_view>({
    "деньги",
    "денег",
    "деньгам",
    "деньгами",
    "деньгах",
});
constexpr auto kBreadwinner = std::to_array<std::string_view>({
    "кормилец",
    "кормильц",
    "кормильца",
    "кормильцу",
    "кормильцем",
    "кормильце",
});
constexpr auto kDay = std::to_array<std::string_view>({
    "день",
    "дня",
    "дню",
    "днем",
    "дне",
    "дни",
    "дней",
});
constexpr auto kFighter = std::to_array<std::string_view>({
    "боец",
    "бойца",
    "бойцу",
    "бойцом",
    "бойце",
    "бойцы",
    "бойцов",
});

constexpr std::array<FormGroup, 11> kGroups = {{
    {6, kChild},
    {5, kPerson},
    {1, kYear},
    {3, kFather},
    {2, kMother},
    {2, kDaughter},
    {1, kFamily},
    {2, kMoney},
    {3, kBreadwinner},
    {1, kDay},
    {2, kFighter},
}};

}  // namespace

std::string StemRussian(std::string_view word) {
  if (word.empty() || word.size() > kStemBytesMax || !HasCyrillic(word)) return std::string(word);
  sb_stemmer* stemmer = ThreadStemmer();
  if (stemmer == nullptr) return std::string(word);
  const sb_symbol* stem = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                          static_cast<int>(word.size()));
  if (stem == nullptr) return std::string(word);
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<size_t>(sb_stemmer_length(stemmer)));
}

std::span<const std::string_view> IrregularForms(std::string_view word) {
  for (const FormGroup& group : kGroups) {
    const auto names = group.forms.first(group.aliases);
    if (std::find(names.begin(), names.end(), word) != names.end()) return group.forms;
    // Any form of the group also names it: «детей» in a rule means the child group too.
    if (std::find(group.forms.begin(), group.forms.end(), word) != group.forms.end()) {
      return group.forms;
    }
  }
  return {};
}

size_t EditDistance(std::u32string_view a, std::u32string_view b, size_t limit) {
  const size_t over = limit + 1;
  if (a.size() > b.size() + limit || b.size() > a.size() + limit) return over;
  // Three rows of the optimal-string-alignment table.
  std::vector<size_t> before(b.size() + 1);
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    size_t row_min = current[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, before[j - 2] + 1);
      }
      current[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > limit) return over;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return std::min(previous[b.size()], over);
}

std::u32string DecodeLetters(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (size_t offset = 0; offset < utf8.size();) {
    const DecodedCodePoint d = DecodeUtf8At(utf8, offset);
    out.push_back(d.code_point);
    offset += d.length;
  }
  return out;
}

}  // namespace ekc::router
