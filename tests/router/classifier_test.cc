// Tests of RuleSet (router/classifier.h) on small rules written for each behaviour: matching,
// negation, false friends, urgency, ranking, bounds, and compile errors. The default rules file has
// its own tests in default_rules_test.cc.

#include "router/classifier.h"

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/hash.h"
#include "router/text.h"

namespace ekc::router {
namespace {

constexpr std::string_view kRules = R"yaml(
version: 1
tie_break: [svo, disability]
situations:
  - code: disability
    title: Инвалидность
    priority: normal
    ivr: ["3"]
    words:
      - {word: инвалид, negatable: true}
      - мсэ
    phrases:
      - вторую группу
  - code: birth
    title: Рождение ребёнка
    words: [рожден, новорожд]
    exclude_phrases: [день рожден, год рожден]
  - code: violence
    title: Домашнее насилие
    priority: urgent
    words:
      - {word: =бьет, negatable: true}
      - избива
  - code: fire
    title: Пожар
    priority: high
    words: [пожар, сгорел]
    urgent_words: [сгорел, ивл]
  - code: svo
    title: Семья участника СВО
    words: [=сво]
    phrases:
      - {phrase: участник сво, negatable: true}
  - code: suicide
    title: Суицидальный риск
    priority: urgent
    words:
      - {word: суицид, negatable: true}
    phrases:
      - не хоч жить
      - не хоч жить в этом мир
    exclude_phrases: [жить в]
)yaml";

std::shared_ptr<const RuleSet> MustCompile(std::string_view yaml) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RuleSet::Compile(yaml, "test.yaml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : nullptr;
}

const RuleSet& Rules() {
  static const std::shared_ptr<const RuleSet> rules = MustCompile(kRules);
  return *rules;
}

ekc::v1::Classification Classify(std::string_view text, std::string_view ivr = "",
                                 const RuleSet& rules = Rules()) {
  return rules.Classify(ClassifyInput{text, ekc::v1::CHANNEL_CHAT, ivr});
}

std::vector<std::string> Codes(const ekc::v1::Classification& c) {
  std::vector<std::string> codes;
  for (const auto& s : c.situations()) codes.push_back(s.code());
  return codes;
}

using Strings = std::vector<std::string>;

std::string CompileError(std::string_view yaml) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RuleSet::Compile(yaml, "rules.yaml");
  if (rules.ok()) return "compiled";
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument) << rules.status();
  return std::string(rules.status().message());
}

// ── Classify ───────────────────────────────────────────────────────────────────────────────────

TEST(Classifier, Classify_InflectedFormsMatchTheirStem) {
  for (std::string_view text :
       {"инвалид", "инвалидность", "Инвалидом", "ИНВАЛИДНОСТИ", "оформить инвалидность мужу"}) {
    EXPECT_EQ(Codes(Classify(text)), Strings{"disability"}) << text;
  }
  EXPECT_EQ(Codes(Classify("инвали")), Strings{});  // shorter than the stem
}

TEST(Classifier, Classify_YoAndYeAreTheSame) {
  EXPECT_EQ(Codes(Classify("он меня бьёт")), Strings{"violence"});
  EXPECT_EQ(Codes(Classify("он меня бьет")), Strings{"violence"});
  EXPECT_EQ(Codes(Classify("ОН МЕНЯ БЬЁТ")), Strings{"violence"});
}

TEST(Classifier, Classify_LatinLookAlikesAndAbbreviationsMatch) {
  EXPECT_EQ(Codes(Classify("рeбёнок-инвaлид")), Strings{"disability"});  // Latin e and a
  EXPECT_EQ(Codes(Classify("MCЭ")), Strings{"disability"});              // Latin M and C
  EXPECT_EQ(Codes(Classify("муж на CBO")), Strings{"svo"});              // all-Latin CBO
}

TEST(Classifier, Classify_ExactWordDoesNotMatchLongerWords) {
  EXPECT_EQ(Codes(Classify("СВО")), Strings{"svo"});
  EXPECT_EQ(Codes(Classify("свой вопрос, свободный график")), Strings{});
  EXPECT_EQ(Codes(Classify("бьется сердце")), Strings{});
}

TEST(Classifier, Classify_ReturnsEverySituationInOneMessage) {
  const auto result = Classify("Муж участник СВО, у сына инвалидность, а вчера у нас был пожар");
  EXPECT_EQ(Codes(result), (Strings{"svo", "disability", "fire"}));
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_HIGH);
}

TEST(Classifier, Classify_IvrChoiceImpliesSituation) {
  auto result = Classify("", "3");
  ASSERT_EQ(Codes(result), Strings{"disability"});
  ASSERT_EQ(result.situations(0).terms_size(), 1);
  EXPECT_EQ(result.situations(0).terms(0).matcher(), "ivr:3");
  EXPECT_EQ(result.situations(0).terms(0).text(), "3");
  EXPECT_EQ(result.situations(0).terms(0).length(), 0u);
  EXPECT_EQ(Codes(Classify("", "3.1")), Strings{"disability"});  // a sub-menu of 3
  EXPECT_EQ(Codes(Classify("", " 3.2.1 ")), Strings{"disability"});
  EXPECT_EQ(Codes(Classify("", "30")), Strings{});
  EXPECT_EQ(Codes(Classify("", "4")), Strings{});
  // The IVR choice and a word of the same situation both count.
  EXPECT_DOUBLE_EQ(Classify("МСЭ", "3").situations(0).score(), 2.0);
}

TEST(Classifier, Classify_DomesticViolenceIsUrgent) {
  const auto result = Classify("Соседку муж избивает каждый вечер");
  ASSERT_EQ(Codes(result), Strings{"violence"});
  EXPECT_TRUE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_URGENT);
}

TEST(Classifier, Classify_UrgentWordMakesAMatchedSituationUrgent) {
  auto result = Classify("у нас сгорел дом");
  ASSERT_EQ(Codes(result), Strings{"fire"});
  EXPECT_TRUE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_URGENT);
  EXPECT_DOUBLE_EQ(result.situations(0).score(), 1.0);  // urgent words add no score

  result = Classify("выплаты после пожара, ребёнок на ИВЛ");
  ASSERT_EQ(Codes(result), Strings{"fire"});
  EXPECT_TRUE(result.situations(0).urgent());

  // A calm phrase in the same clause switches the marker off; in another clause it does not.
  const auto calm = MustCompile(R"yaml(
version: 1
situations:
  - code: fire
    title: Пожар
    words: [пожар, сгорел]
    urgent_words: [сгорел]
    not_urgent_phrases: [прошл год]
)yaml");
  ASSERT_NE(calm, nullptr);
  EXPECT_FALSE(Classify("сгорел дом в прошлом году", "", *calm).situations(0).urgent());
  EXPECT_TRUE(
      Classify("в прошлом году пожар. Сегодня сгорел сарай", "", *calm).situations(0).urgent());
  EXPECT_TRUE(
      Classify("в прошлом году пожар, а сегодня сгорел сарай", "", *calm).situations(0).urgent());

  result = Classify("выплаты после пожара в прошлом году");
  ASSERT_EQ(Codes(result), Strings{"fire"});
  EXPECT_FALSE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_HIGH);
}

TEST(Classifier, Classify_UrgentWordAloneDoesNotMatch) {
  const auto result = Classify("ребёнку нужен аппарат ИВЛ");
  EXPECT_EQ(Codes(result), Strings{});
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_NORMAL);
}

TEST(Classifier, Classify_EmptyTextHasNoSituation) {
  for (std::string_view text : {"", "   ", "алло алло вы меня слышите", "!!! ??? 😀"}) {
    const auto result = Classify(text);
    EXPECT_EQ(result.situations_size(), 0) << text;
    EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_NORMAL);
    EXPECT_EQ(result.rules_version(), Rules().version());
  }
}

TEST(Classifier, Classify_MalformedUtf8DoesNotCrash) {
  const std::string text = "\xFF\xFEинвал\xD0ид инвалид\xE2\x82 \xC0\xAF\xED\xA0\x80 МСЭ\xF0\x9F";
  const auto result = Classify(text);
  ASSERT_EQ(Codes(result), Strings{"disability"});
  for (const auto& term : result.situations(0).terms()) {
    ASSERT_LE(term.offset() + term.length(), text.size());
    EXPECT_EQ(text.substr(term.offset(), term.length()), term.text());
  }
  // A phrase across a malformed byte: the term's text stays valid UTF-8 for protobuf, and its
  // offset and length still locate the original bytes.
  const std::string across = "вторую\xFFгруппу";
  const auto phrase = Classify(across);
  ASSERT_EQ(Codes(phrase), Strings{"disability"});
  const auto& term = phrase.situations(0).terms(0);
  EXPECT_EQ(term.text(), "вторую\uFFFDгруппу");
  EXPECT_EQ(term.offset(), 0u);
  EXPECT_EQ(term.length(), across.size());
  const auto ivr = Classify("", "3.\xFF");  // under menu 3, with a malformed byte
  ASSERT_EQ(Codes(ivr), Strings{"disability"});
  EXPECT_EQ(FindInvalidUtf8(ivr.situations(0).terms(0).text()), std::string_view::npos);
  // Every prefix of a text with multi-byte letters: no cut can make it read out of bounds.
  const std::string russian = "Ребёнок-инвалид, МСЭ — вторую группу";
  for (size_t cut = 0; cut <= russian.size(); ++cut) Classify(russian.substr(0, cut));
}

TEST(Classifier, Classify_TermsCarryTheOriginalTextAndByteOffsets) {
  const std::string text = "Добрый день! Мужу дали ВТОРУЮ группу, нужна МСЭ";
  const auto result = Classify(text);
  ASSERT_EQ(Codes(result), Strings{"disability"});
  const auto& terms = result.situations(0).terms();
  ASSERT_EQ(terms.size(), 2);
  EXPECT_EQ(terms[0].text(), "ВТОРУЮ группу");
  EXPECT_EQ(terms[0].matcher(), "phrase:вторую группу");
  EXPECT_EQ(terms[0].offset(), text.find("ВТОРУЮ"));
  EXPECT_EQ(terms[0].length(), std::string("ВТОРУЮ группу").size());
  EXPECT_EQ(terms[1].text(), "МСЭ");
  EXPECT_EQ(terms[1].matcher(), "word:мсэ");
  EXPECT_EQ(terms[1].offset(), text.find("МСЭ"));
}

TEST(Classifier, Classify_PhraseNeedsConsecutiveWordsInOneClause) {
  EXPECT_EQ(Codes(Classify("дали вторую группу")), Strings{"disability"});
  EXPECT_EQ(Codes(Classify("вторую неделю ищу группу")), Strings{});
  EXPECT_EQ(Codes(Classify("вторую. Группу")), Strings{});
  EXPECT_EQ(Codes(Classify("вторую-группу")), Strings{"disability"});  // a hyphen is not a break
}

TEST(Classifier, Classify_ExcludePhraseCancelsTheMatchItCovers) {
  EXPECT_EQ(Codes(Classify("у мамы день рождения")), Strings{});
  EXPECT_EQ(Codes(Classify("2015 года рождения")), Strings{});
  EXPECT_EQ(Codes(Classify("пособие при рождении ребёнка")), Strings{"birth"});
  // A false friend cancels only what it covers: the newborn still counts.
  EXPECT_EQ(Codes(Classify("с днём рождения! у нас новорождённый")), Strings{"birth"});
}

TEST(Classifier, Classify_LongerPhraseContainingAFalseFriendStillCounts) {
  EXPECT_EQ(Codes(Classify("не хочу жить в этой квартире")), Strings{});
  EXPECT_EQ(Codes(Classify("не хочу жить в этом мире")), Strings{"suicide"});
  EXPECT_EQ(Codes(Classify("не хочу жить")), Strings{"suicide"});
}

TEST(Classifier, Classify_NegationDirectlyBeforeAStatusWordCancelsIt) {
  EXPECT_EQ(Codes(Classify("ребёнок не инвалид")), Strings{});
  EXPECT_EQ(Codes(Classify("меня никто не бьёт")), Strings{});
  // The negated phrase also cancels the situation's words inside it («СВО»).
  EXPECT_EQ(Codes(Classify("муж не участник СВО")), Strings{});
  // A new clause after a comma or «а» is not negated.
  EXPECT_EQ(Codes(Classify("меня не бьёт, а соседку бьёт")), Strings{"violence"});
  EXPECT_EQ(Codes(Classify("ребёнок не инвалид, а у мужа инвалидность")), Strings{"disability"});
}

TEST(Classifier, Classify_NegatedVerbDoesNotCancelTheTopic) {
  EXPECT_EQ(Codes(Classify("инвалидность не дали")), Strings{"disability"});
  EXPECT_EQ(Codes(Classify("не дали инвалидность")), Strings{"disability"});
}

TEST(Classifier, Classify_NetClosingTheClauseCancelsAStatusWord) {
  EXPECT_EQ(Codes(Classify("суицидальных мыслей нет")), Strings{});
  EXPECT_EQ(Codes(Classify("суицидальных мыслей нет, но тяжело")), Strings{});
  EXPECT_EQ(Codes(Classify("суицидальные мысли")), Strings{"suicide"});
  // «нет» that does not close the clause is about something else.
  EXPECT_EQ(Codes(Classify("суицидальные мысли нет сил")), Strings{"suicide"});
}

TEST(Classifier, Classify_ScoreCountsEachDistinctEntryOnce) {
  auto result = Classify("инвалид инвалид инвалидность");
  ASSERT_EQ(result.situations_size(), 1);
  EXPECT_DOUBLE_EQ(result.situations(0).score(), 1.0);
  EXPECT_EQ(result.situations(0).terms_size(), 1);
  EXPECT_EQ(result.situations(0).terms(0).offset(), 0u);  // the first occurrence is shown
  result = Classify("инвалид, МСЭ, вторую группу");
  EXPECT_DOUBLE_EQ(result.situations(0).score(), 3.0);
}

TEST(Classifier, Classify_WeightsAndThresholdDecideTheMatch) {
  const auto rules = MustCompile(R"yaml(
version: 1
threshold: 1
situations:
  - code: guardianship
    title: Опека
    words:
      - опекун
      - {word: опек, weight: 0.5}
      - {word: попечит, weight: 0.5}
  - code: weak
    title: Слабая
    weight: 0.4
    threshold: 0.8
    words: [альфа, бета]
)yaml");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(Classify("органы опеки", "", *rules)), Strings{});
  EXPECT_EQ(Codes(Classify("опека и попечительство", "", *rules)), Strings{"guardianship"});
  EXPECT_DOUBLE_EQ(Classify("я опекун", "", *rules).situations(0).score(), 1.5);
  EXPECT_EQ(Codes(Classify("альфа", "", *rules)), Strings{});
  EXPECT_EQ(Codes(Classify("альфа бета", "", *rules)), Strings{"weak"});
}

TEST(Classifier, Classify_OrdersUrgentFirstThenScoreThenTieBreakThenFileOrder) {
  // disability (score 2) and svo (score 1, but first in tie_break) and violence (urgent).
  auto result = Classify("СВО; инвалидность, МСЭ; бьёт");
  EXPECT_EQ(Codes(result), (Strings{"violence", "disability", "svo"}));
  // Equal scores: tie_break puts svo before disability, though disability comes first in the file.
  result = Classify("инвалидность и СВО");
  EXPECT_EQ(Codes(result), (Strings{"svo", "disability"}));
  // Equal scores, neither in tie_break: file order (birth before fire).
  result = Classify("пожар, новорождённый");
  EXPECT_EQ(Codes(result), (Strings{"birth", "fire"}));
}

TEST(Classifier, Classify_PriorityIsTheHighestOfTheMatchedSituations) {
  EXPECT_EQ(Classify("МСЭ").priority(), ekc::v1::PRIORITY_NORMAL);
  EXPECT_EQ(Classify("МСЭ после пожара").priority(), ekc::v1::PRIORITY_HIGH);
  EXPECT_EQ(Classify("МСЭ после пожара, бьёт").priority(), ekc::v1::PRIORITY_URGENT);
  const auto rules = MustCompile(R"yaml(
version: 1
situations:
  - {code: info, title: Справка, priority: low, words: [справк]}
)yaml");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Classify("нужна справка", "", *rules).priority(), ekc::v1::PRIORITY_LOW);
  EXPECT_EQ(Classify("ничего", "", *rules).priority(), ekc::v1::PRIORITY_NORMAL);
}

TEST(Classifier, Classify_TermsPerSituationAreCapped) {
  // 36 distinct exact words «словабаб», «словабвг», … all present in one text.
  const std::string_view pairs = "абвгдежзиклм";
  std::string yaml = "version: 1\nsituations:\n  - code: many\n    title: Много\n    words:\n";
  std::string text;
  for (size_t a = 0; a < 6; ++a) {
    for (size_t b = 0; b < 6; ++b) {
      // Each Cyrillic letter is two bytes: a pair of letters is four.
      const std::string word =
          "слов" + std::string(pairs.substr(4 * a, 4)) + std::string(pairs.substr(4 * b, 4));
      yaml += "      - =" + word + "\n";
      text += word + " ";
    }
  }
  const auto rules = MustCompile(yaml);
  ASSERT_NE(rules, nullptr);
  const auto result = Classify(text, "", *rules);
  ASSERT_EQ(result.situations_size(), 1);
  EXPECT_DOUBLE_EQ(result.situations(0).score(), 36.0);   // the score counts every entry
  EXPECT_EQ(result.situations(0).terms_size(), 16);       // the evidence shown is capped
  EXPECT_EQ(result.situations(0).terms(0).offset(), 0u);  // in reading order
}

TEST(Classifier, Classify_HugeInputIsBounded) {
  std::string text;
  while (text.size() < (1u << 20)) text += "инвалид МСЭ бьёт не хочу жить ";
  text += "сгорел";  // past the 64 KiB the classifier reads
  const auto result = Classify(text);
  EXPECT_EQ(Codes(result), (Strings{"violence", "suicide", "disability"}));
  EXPECT_FALSE(result.situations(2).urgent());
  for (const auto& situation : result.situations()) {
    for (const auto& term : situation.terms()) EXPECT_LT(term.offset(), 64u * 1024);
  }
}

TEST(Classifier, Classify_IsSafeToCallFromManyThreads) {
  const std::vector<std::string> texts = {
      "инвалидность МСЭ", "бьёт", "не хочу жить", "СВО", "пожар сгорел", "день рождения", ""};
  std::vector<std::string> expected;
  for (const std::string& text : texts) expected.push_back(Classify(text).SerializeAsString());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (Classify(texts[i]).SerializeAsString() != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(Classifier, Situations_ListsEveryCodeInFileOrder) {
  const auto& situations = Rules().situations();
  ASSERT_EQ(situations.size(), 6u);
  EXPECT_EQ(situations[0].code, "disability");
  EXPECT_EQ(situations[2].code, "violence");
  EXPECT_EQ(situations[2].priority, ekc::v1::PRIORITY_URGENT);
  EXPECT_EQ(situations[3].priority, ekc::v1::PRIORITY_HIGH);
  ASSERT_NE(Rules().FindSituation("svo"), nullptr);
  EXPECT_EQ(Rules().FindSituation("svo")->title, "Семья участника СВО");
  EXPECT_EQ(Rules().FindSituation("nope"), nullptr);
}

// ── Compile ────────────────────────────────────────────────────────────────────────────────────

TEST(Classifier, Compile_VersionIsFnv64OfTheText) {
  char expected[64];
  std::snprintf(expected, sizeof expected, "fnv64:%016llx",
                static_cast<unsigned long long>(StableHash64(kRules)));
  EXPECT_EQ(Rules().version(), expected);
  EXPECT_EQ(Rules().version().size(), 6u + 16u);
  const auto other = MustCompile(std::string(kRules) + "\n# a comment changes the version\n");
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->version(), Rules().version());
}

TEST(Classifier, Compile_ErrorNamesFileLineAndColumn) {
  // A YAML syntax error: an unclosed flow sequence.
  const std::string syntax =
      CompileError("version: 1\nsituations:\n  - code: a\n    words: [x, y\n");
  EXPECT_EQ(syntax.rfind("rules.yaml:", 0), 0u) << syntax;
  // An unknown key on line 6, column 5.
  const std::string unknown = CompileError(R"yaml(version: 1
situations:
  - code: a
    title: А
    words: [инвалид]
    wrods: [опека]
)yaml");
  EXPECT_EQ(unknown.rfind("rules.yaml:6:5: unknown key `wrods`", 0), 0u) << unknown;
}

struct CompileErrorCase {
  std::string_view name;
  std::string_view yaml;
  std::string_view expected_prefix;  // "rules.yaml:LINE:COLUMN: reason…"
};

TEST(Classifier, Compile_RefusesBadRulesWithTheirPosition) {
  const CompileErrorCase cases[] = {
      {"empty file", "", "rules.yaml:1:1: a rules file is a map"},
      {"no version", "situations: []\n", "rules.yaml:1:1: missing `version: 1`"},
      {"wrong version", "version: 2\nsituations: []\n", "rules.yaml:1:10: unsupported version"},
      {"unknown top-level key", "version: 1\nrules: []\n", "rules.yaml:2:1: unknown key `rules`"},
      {"no situations", "version: 1\nsituations: []\n", "rules.yaml:2:13: `situations:` is a"},
      {"missing code", "version: 1\nsituations:\n  - title: А\n    words: [инвалид]\n",
       "rules.yaml:3:5: a situation needs a `code`"},
      {"bad code", "version: 1\nsituations:\n  - code: Бе\n    title: А\n    words: [инвалид]\n",
       "rules.yaml:3:11: code `Бе` must be"},
      {"missing title", "version: 1\nsituations:\n  - code: a\n    words: [инвалид]\n",
       "rules.yaml:3:5: situation `a` needs a `title`"},
      {"unknown priority",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    priority: asap\n    words: "
       "[инвалид]\n",
       "rules.yaml:5:15: unknown priority `asap`"},
      {"duplicate code",
       "version: 1\nsituations:\n  - {code: a, title: А, words: [инвалид]}\n"
       "  - {code: a, title: Б, words: [опека]}\n",
       "rules.yaml:4:12: situation `a` is already defined at line 3"},
      {"short stem",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [инвалид, чс]\n",
       "rules.yaml:5:22: stem «чс» is shorter than 3 letters"},
      {"short stem in a one-word exclusion",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [инвалид]\n"
       "    exclude_phrases: [во]\n",
       "rules.yaml:6:23: stem «во» is shorter than 3 letters"},
      {"no matchers", "version: 1\nsituations:\n  - code: a\n    title: А\n    priority: high\n",
       "rules.yaml:3:5: situation `a` has no matchers"},
      {"only urgent words",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    urgent_words: [сгорел]\n",
       "rules.yaml:3:5: situation `a` has no matchers"},
      {"empty list", "version: 1\nsituations:\n  - code: a\n    title: А\n    words: []\n",
       "rules.yaml:5:12: `words` is empty"},
      {"empty entry",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [инвалид, \"\"]\n",
       "rules.yaml:5:22: empty entry in `words`"},
      {"punctuation only",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [\"!!!\"]\n",
       "rules.yaml:5:13: «!!!» in «!!!» has no letters or digits"},
      {"phrase under words",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [вторая группа]\n",
       "rules.yaml:5:13: «вторая группа» has 2 words: put it under `phrases:`"},
      {"one-word phrase",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    phrases: [инвалид]\n",
       "rules.yaml:5:15: «инвалид» is one word: put it under `words:`"},
      {"duplicate entry",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words:\n      - ребёнок\n"
       "      - ребенок\n",
       "rules.yaml:7:9: «ребенок» is already listed in `words` at line 6"},
      {"bad weight",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [{word: опек, weight: "
       "-1}]\n",
       "rules.yaml:5:34: `weight` must be a number above 0"},
      {"unknown entry key",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    words: [{word: опек, wieght: 1}]\n",
       "rules.yaml:5:26: unknown key `wieght` in an entry of `words`"},
      {"bad ivr", "version: 1\nsituations:\n  - code: a\n    title: А\n    ivr: [один]\n",
       "rules.yaml:5:11: IVR choice «один» must be digits"},
      {"unknown tie-break code",
       "version: 1\ntie_break: [b]\nsituations:\n  - {code: a, title: А, words: [инвалид]}\n",
       "rules.yaml:2:13: `tie_break` names `b`"},
      {"invalid UTF-8", "version: 1\nsituations:\n  - code: a\n    title: Ж\xFF\n",
       "rules.yaml:4:13: the rules file is not valid UTF-8"},
      {"situation is not a map", "version: 1\nsituations:\n  - инвалид\n",
       "rules.yaml:3:5: a situation is a map"},
      {"duplicate key",
       "version: 1\nsituations:\n  - code: a\n    title: А\n    title: Б\n    words: [инвалид]\n",
       "rules.yaml:5:5: `title` is given twice"},
  };
  for (const CompileErrorCase& c : cases) {
    const std::string error = CompileError(c.yaml);
    EXPECT_EQ(error.rfind(c.expected_prefix, 0), 0u) << c.name << ": " << error;
  }
}

TEST(Classifier, Compile_AcceptsExactShortWordsAndShortWordsInsidePhrases) {
  const auto rules = MustCompile(R"yaml(
version: 1
situations:
  - code: disaster
    title: ЧС
    words: [=чс]
    phrases: [мы в пвр, нет еды]
)yaml");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(Classify("режим ЧС", "", *rules)), Strings{"disaster"});
  EXPECT_EQ(Codes(Classify("чсв", "", *rules)), Strings{});
  EXPECT_EQ(Codes(Classify("мы в ПВР", "", *rules)), Strings{"disaster"});
  EXPECT_EQ(Codes(Classify("мы во ПВР", "", *rules)), Strings{});  // «в» is matched whole
  EXPECT_EQ(Codes(Classify("дома нет еды", "", *rules)), Strings{"disaster"});
}

TEST(Classifier, Compile_NeverThrowsOnGarbage) {
  const std::string deep(10000, '[');
  const std::string_view inputs[] = {
      "[",
      "{a: [",
      "\t- x",
      "version: 1\nsituations: {a: 1}",
      "!!binary x",
      "&a [*a]",
      "? [a]\n: b",
      "version: 1\nsituations:\n  - [1, 2]",
      "\xFF\xFE",
      "version: [1]",
      "version: 1\nthreshold: many\nsituations: [a]",
      deep,
  };
  for (std::string_view input : inputs) {
    absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RuleSet::Compile(input, "x.yaml");
    ASSERT_FALSE(rules.ok()) << input.substr(0, 40);
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(rules.status().message().rfind("x.yaml:", 0), 0u) << rules.status();
  }
}

}  // namespace
}  // namespace ekc::router
