// Tests of the rule engine's language beyond the basics of classifier_test.cc: normalisation of
// transcripts (fillers, spelled abbreviations, numbers in words), Snowball stems, irregular forms
// and typos, phrases with gaps, regexes, negation through copulas and hedges, who is affected,
// urgency entries, channels, skills and queues, and explanations.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "router/classifier.h"
#include "router/morphology.h"
#include "router/normalize.h"

namespace ekc::router {
namespace {

using Strings = std::vector<std::string>;

std::shared_ptr<const RuleSet> MustCompile(std::string_view yaml) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RuleSet::Compile(yaml, "test.yaml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : nullptr;
}

std::string CompileError(std::string_view yaml) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RuleSet::Compile(yaml, "rules.yaml");
  if (rules.ok()) return "compiled";
  return std::string(rules.status().message());
}

Strings Codes(const RuleSet& rules, std::string_view text,
              ekc::v1::Channel channel = ekc::v1::CHANNEL_CHAT) {
  Strings codes;
  const ekc::v1::Classification result = rules.Classify(ClassifyInput{text, channel, ""});
  for (const auto& s : result.situations()) codes.push_back(s.code());
  return codes;
}

Strings Words(std::string_view text) {
  Strings words;
  for (const Token& t : NormalizeText(text, 1000).words) {
    words.push_back(t.number.empty() || !t.is_number ? t.normalized : "#" + t.number);
  }
  return words;
}

// ── Normalisation ──────────────────────────────────────────────────────────────────────────────

TEST(Normalize, DropsFillersOfTranscripts) {
  EXPECT_EQ(Words("алло девушка ну у меня э-э короче муж"), (Strings{"у", "меня", "муж"}));
  // «девушка» in the story stays.
  EXPECT_EQ(Words("моя девушка беременна"), (Strings{"моя", "девушка", "беременна"}));
}

TEST(Normalize, MergesSpelledAbbreviations) {
  EXPECT_EQ(Words("эм эс э отказала"), (Strings{"мсэ", "отказала"}));
  EXPECT_EQ(Words("муж на эс вэ о"), (Strings{"муж", "на", "сво"}));
  EXPECT_EQ(Words("и пэ эр а"), (Strings{"ипра"}));
  EXPECT_EQ(Words("а у нас"), (Strings{"а", "у", "нас"}));  // letters that spell nothing known
}

TEST(Normalize, ReadsNumbersInDigitsAndWords) {
  EXPECT_EQ(Words("до 1,5 лет"), (Strings{"до", "#1.5", "лет"}));
  EXPECT_EQ(Words("10 000 рублей"), (Strings{"#10000", "рублей"}));
  EXPECT_EQ(Words("двадцать пять лет"), (Strings{"#25", "лет"}));
  EXPECT_EQ(Words("сорок пять тысяч"), (Strings{"#45000"}));
  const std::vector<Token> two = NormalizeText("два три дня", 10).words;  // two numbers, not five
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[0].number, "2");
  EXPECT_EQ(two[1].number, "3");
  // A single number word keeps its word, with its value beside it.
  const std::vector<Token> words = NormalizeText("трое детей, полтора года", 10).words;
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0].normalized, "трое");
  EXPECT_EQ(words[0].number, "3");
  EXPECT_EQ(words[2].number, "1.5");
}

TEST(Normalize, JoinsWordsForRegexesOneClauseALine) {
  std::vector<uint32_t> starts;
  const std::string joined =
      JoinForRegex(NormalizeText("У нас трое детей. Мы в ПВР", 10).words, &starts);
  EXPECT_EQ(joined, " у нас 3 детей \n мы в пвр ");
  ASSERT_EQ(starts.size(), 7u);
  EXPECT_EQ(joined.substr(starts[2], 1), "3");
}

TEST(Normalize, ReusedOutputGivesTheSameWordsAsAFreshOne) {
  // The classifier keeps one NormalizedText a thread: what an earlier text left must not matter.
  NormalizedText reused;
  NormalizeText("Алло, девушка, эм эс э, двадцать пять тысяч, 10 000 рублей, многодетная", 100,
                &reused);
  for (std::string_view text : {"ну трое детей", "", "и пэ эр а", "девушка у нас 1,5 года"}) {
    NormalizeText(text, 100, &reused);
    const NormalizedText fresh = NormalizeText(text, 100);
    std::vector<uint32_t> starts;
    std::string joined;
    JoinForRegex(reused.words, &joined, &starts);
    EXPECT_EQ(joined, JoinForRegex(fresh.words, &starts)) << text;
    ASSERT_EQ(reused.words.size(), fresh.words.size()) << text;
    ASSERT_EQ(reused.fillers.size(), fresh.fillers.size()) << text;
    for (size_t i = 0; i < fresh.words.size(); ++i) {
      EXPECT_EQ(reused.words[i].normalized, fresh.words[i].normalized) << text;
      EXPECT_EQ(reused.words[i].number, fresh.words[i].number) << text;
      EXPECT_EQ(reused.words[i].offset, fresh.words[i].offset) << text;
      EXPECT_EQ(reused.words[i].length, fresh.words[i].length) << text;
    }
  }
}

// ── Morphology ─────────────────────────────────────────────────────────────────────────────────

TEST(Morphology, StemsRussianAndLeavesOtherWords) {
  EXPECT_EQ(StemRussian("беременности"), "беремен");
  EXPECT_EQ(StemRussian("многодетные"), "многодетн");
  EXPECT_EQ(StemRussian("whatsapp"), "whatsapp");
}

TEST(Morphology, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(EditDistance(U"инвалид", U"инвалид", 1), 0u);
  EXPECT_EQ(EditDistance(U"инвалид", U"инавлид", 1), 1u);  // swap
  EXPECT_EQ(EditDistance(U"инвалид", U"инвлид", 1), 1u);   // missing letter
  EXPECT_EQ(EditDistance(U"инвалид", U"онвалуд", 1), 2u);  // capped at limit + 1
}

// ── Words ──────────────────────────────────────────────────────────────────────────────────────

constexpr std::string_view kWordRules = R"yaml(
version: 1
situations:
  - code: benefit
    title: Пособие
    words: [пособие]
  - code: child
    title: Ребёнок
    words: [ребенок]
  - code: large
    title: Многодетные
    words: [многодет]
    phrases: [3 ребенок]
  - code: eviction
    title: Выселение
    words: [{word: выселя, fuzzy: false}]
  - code: disaster
    title: ЧС
    words: [=чс]
)yaml";

TEST(ClassifierWords, WholeWordFindsItsFormsBySnowballStem) {
  const auto rules = MustCompile(kWordRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "пособия не пришли"), Strings{"benefit"});
  EXPECT_EQ(Codes(*rules, "пособию"), Strings{"benefit"});
}

TEST(ClassifierWords, IrregularFormsAndNumbersInWords) {
  const auto rules = MustCompile(kWordRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "у детей"), Strings{"child"});
  EXPECT_EQ(Codes(*rules, "у нас трое детей"), (Strings{"child", "large"}));
  EXPECT_EQ(Codes(*rules, "три ребёнка"), (Strings{"child", "large"}));
}

TEST(ClassifierWords, OneTypoIsForgivenInLongStemsOnly) {
  const auto rules = MustCompile(kWordRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "мы многодеиные"), Strings{"large"});
  EXPECT_EQ(Codes(*rules, "мы мнгодетные"), Strings{"large"});
  EXPECT_EQ(Codes(*rules, "мы нногодетные"), Strings{});  // never the first letter
  EXPECT_EQ(Codes(*rules, "мы многоде"), Strings{});      // cut short, not mistyped
  EXPECT_EQ(Codes(*rules, "веселятся"), Strings{});       // fuzzy: false
  EXPECT_EQ(Codes(*rules, "чп"), Strings{});              // short words: never
  const auto result = rules->Classify(ClassifyInput{"многодеиные", ekc::v1::CHANNEL_CHAT, ""});
  ASSERT_EQ(result.situations_size(), 1);
  EXPECT_EQ(result.situations(0).terms(0).matcher(), "word:многодет (typo)");
}

// ── Phrases and regexes ────────────────────────────────────────────────────────────────────────

constexpr std::string_view kPhraseRules = R"yaml(
version: 1
gap: 1
situations:
  - code: loss
    title: Потеря кормильца
    phrases: [умер муж]
  - code: disabled
    title: Ребёнок-инвалид
    phrases:
      - ребенок инвалид
      - {phrase: инвалид ребенок, gap: 3}
  - code: elderly
    title: Пожилые
    regexes: [' (маме|папе) ([89][0-9]) (лет|год) ']
)yaml";

TEST(ClassifierPhrases, AllowTheirGapButNotANegation) {
  const auto rules = MustCompile(kPhraseRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "умер муж"), Strings{"loss"});
  EXPECT_EQ(Codes(*rules, "умер мой муж"), Strings{"loss"});
  EXPECT_EQ(Codes(*rules, "умер вчера мой муж"), Strings{});  // two words between: past the gap
  EXPECT_EQ(Codes(*rules, "умер. Муж"), Strings{});           // another clause
  EXPECT_EQ(Codes(*rules, "инвалидность оформляем на ребёнка"), Strings{"disabled"});
  EXPECT_EQ(Codes(*rules, "ребёнок не инвалид"), Strings{});
}

TEST(ClassifierRegexes, MatchNumberRangesAndPointAtTheWords) {
  const auto rules = MustCompile(kPhraseRules);
  ASSERT_NE(rules, nullptr);
  const std::string text = "Маме девяносто лет, живёт одна";
  const auto result = rules->Classify(ClassifyInput{text, ekc::v1::CHANNEL_CHAT, ""});
  ASSERT_EQ(result.situations_size(), 1);
  const auto& term = result.situations(0).terms(0);
  EXPECT_EQ(term.text(), "Маме девяносто лет");
  EXPECT_EQ(term.offset(), 0u);
  EXPECT_EQ(Codes(*rules, "маме 85 лет"), Strings{"elderly"});
  EXPECT_EQ(Codes(*rules, "маме 45 лет"), Strings{});
}

TEST(ClassifierRegexes, BadOrEmptyMatchingRegexIsRefusedWithItsPosition) {
  const std::string bad =
      CompileError("version: 1\nsituations:\n  - code: a\n    title: А\n    regexes: ['(детей']\n");
  EXPECT_EQ(bad.rfind("rules.yaml:5:15: regex «(детей»: missing )", 0), 0u) << bad;
  const std::string empty =
      CompileError("version: 1\nsituations:\n  - code: a\n    title: А\n    regexes: ['a*']\n");
  EXPECT_NE(empty.find("matches an empty text"), std::string::npos) << empty;
}

// ── Negation ───────────────────────────────────────────────────────────────────────────────────

constexpr std::string_view kNegationRules = R"yaml(
version: 1
situations:
  - code: large
    title: Многодетные
    words: [{word: многодет, negatable: true}]
  - code: low_income
    title: Малоимущие
    words: [{word: малоимущ, negatable: true}]
  - code: disability
    title: Инвалидность
    words: [{word: инвалид, negatable: true}]
  - code: suicide
    title: Суицид
    words: [{word: суицид, negatable: true}]
)yaml";

TEST(ClassifierNegation, ReachesTheStatusWordThroughCopulasOnly) {
  const auto rules = MustCompile(kNegationRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "мы не являемся многодетной семьёй"), Strings{});
  EXPECT_EQ(Codes(*rules, "у ребёнка нет инвалидности"), Strings{});
  EXPECT_EQ(Codes(*rules, "не дали инвалидность"), Strings{"disability"});  // the verb takes it
  EXPECT_EQ(Codes(*rules, "суицидальных мыслей не было"), Strings{});
  EXPECT_EQ(Codes(*rules, "не знаю, многодетные мы или нет"), Strings{"large"});
}

TEST(ClassifierNegation, HedgeKeepsTheTopic) {
  const auto rules = MustCompile(kNegationRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "я не малоимущая вроде, но денег нет"), Strings{"low_income"});
  EXPECT_EQ(Codes(*rules, "официально мы не многодетные"), Strings{"large"});
  EXPECT_EQ(Codes(*rules, "мы не многодетные"), Strings{});
}

// ── Who is affected ────────────────────────────────────────────────────────────────────────────

constexpr std::string_view kWhoRules = R"yaml(
version: 1
kinship:
  child: [ребенок, сын, доч]
  spouse: [=муж, =мужу, =мужа]
  elder: [свекр, бабушк]
situations:
  - code: disabled_child
    title: Ребёнок-инвалид
    words: [{word: инвалид, who: [child]}]
  - code: disability_adult
    title: Инвалидность взрослого
    words: [{word: инвалид, who: [spouse, elder, none]}]
  - code: child_at_risk
    title: Угроза ребёнку
    words: [{word: синяк, near: [child]}]
)yaml";

TEST(ClassifierWho, TheNearestKinshipWordDecidesWhomTheWordIsAbout) {
  const auto rules = MustCompile(kWhoRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "сыну дали инвалидность"), Strings{"disabled_child"});
  EXPECT_EQ(Codes(*rules, "мужу дали инвалидность"), Strings{"disability_adult"});
  EXPECT_EQ(Codes(*rules, "инвалидность у свекрови"), Strings{"disability_adult"});
  EXPECT_EQ(Codes(*rules, "оформляем инвалидность"), Strings{"disability_adult"});  // none
  // The same clause first: «а» starts another one.
  EXPECT_EQ(Codes(*rules, "сын здоров, а у мужа инвалидность"), Strings{"disability_adult"});
  EXPECT_EQ(Codes(*rules, "у дочки синяки"), Strings{"child_at_risk"});
  EXPECT_EQ(Codes(*rules, "у мужа синяки"), Strings{});
}

// ── Urgency, channels, skills and queues ───────────────────────────────────────────────────────

constexpr std::string_view kRoutingRules = R"yaml(
version: 1
situations:
  - code: low_income
    title: Нужда
    skills: [social_support, crisis]
    queue: social_support
    phrases:
      - {phrase: нечего есть, urgent: true}
      - нет денег
  - code: voice_only
    title: Только звонки
    channels: [voice]
    words: [звонок]
)yaml";

TEST(ClassifierRouting, UrgentEntryRecognisesAndMarksUrgent) {
  const auto rules = MustCompile(kRoutingRules);
  ASSERT_NE(rules, nullptr);
  auto c = rules->Classify(ClassifyInput{"дома нечего есть", ekc::v1::CHANNEL_CHAT, ""});
  ASSERT_EQ(c.situations_size(), 1);
  EXPECT_TRUE(c.situations(0).urgent());
  EXPECT_EQ(c.priority(), ekc::v1::PRIORITY_URGENT);
  c = rules->Classify(ClassifyInput{"нет денег", ekc::v1::CHANNEL_CHAT, ""});
  ASSERT_EQ(c.situations_size(), 1);
  EXPECT_FALSE(c.situations(0).urgent());
}

TEST(ClassifierRouting, SkillsAndQueueGoWithTheSituation) {
  const auto rules = MustCompile(kRoutingRules);
  ASSERT_NE(rules, nullptr);
  const SituationInfo* info = rules->FindSituation("low_income");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->skills, (Strings{"social_support", "crisis"}));
  EXPECT_EQ(info->queue, "social_support");
  const auto c = rules->Classify(ClassifyInput{"нет денег", ekc::v1::CHANNEL_CHAT, ""});
  ASSERT_EQ(c.situations_size(), 1);
  ASSERT_EQ(c.situations(0).skills_size(), 2);
  EXPECT_EQ(c.situations(0).skills(1), "crisis");
  EXPECT_EQ(c.situations(0).queue(), "social_support");
  EXPECT_EQ(rules->FindSituation("voice_only")->queue, "");
}

TEST(ClassifierRouting, ChannelsLimitWhereTheWordsCount) {
  const auto rules = MustCompile(kRoutingRules);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Codes(*rules, "звонок", ekc::v1::CHANNEL_VOICE), Strings{"voice_only"});
  EXPECT_EQ(Codes(*rules, "звонок", ekc::v1::CHANNEL_CHAT), Strings{});
}

TEST(ClassifierRouting, BadSkillsQueueAndChannelsAreRefused) {
  EXPECT_EQ(CompileError("version: 1\nsituations:\n  - {code: a, title: А, words: [слово], "
                         "channels: [fax]}\n")
                .rfind("rules.yaml:3:52: unknown channel `fax`", 0),
            0u);
  EXPECT_NE(CompileError("version: 1\nsituations:\n  - {code: a, title: А, words: [слово], "
                         "queue: \"две очереди\"}\n")
                .find("a queue name is Latin letters"),
            std::string::npos);
  EXPECT_NE(CompileError("version: 1\nsituations:\n  - {code: a, title: А, words: [{word: слово, "
                         "who: [child]}]}\n")
                .find("`who` names `child`, which `kinship:` does not define"),
            std::string::npos);
}

// ── Explanations ───────────────────────────────────────────────────────────────────────────────

TEST(ClassifierRouting, ShownTermsAreTheIvrChoiceThenTheFirstWordsInReadingOrder) {
  // Entries written in the opposite order to the text: the 15 shown after the IVR choice are the
  // first 15 of the text, whatever the order of the rules.
  const std::string_view letters = "абвгдежзиклмнопрстуф";  // 20 letters, two bytes each
  std::string yaml =
      "version: 1\nsituations:\n  - code: many\n    title: Много\n    ivr: [\"3\"]\n"
      "    words:\n";
  std::string text;
  for (size_t i = 0; i < 20; ++i) {
    const std::string word = "слово" + std::string(letters.substr(2 * i, 2));
    yaml.insert(yaml.find("    words:\n") + 11, "      - =" + word + "\n");
    text += word + " ";
  }
  const auto rules = MustCompile(yaml);
  ASSERT_NE(rules, nullptr);
  for (int run = 0; run < 2; ++run) {  // the second run reuses the thread's buffers
    const ekc::v1::Classification result =
        rules->Classify(ClassifyInput{text, ekc::v1::CHANNEL_CHAT, "3.1"});
    ASSERT_EQ(result.situations_size(), 1);
    const ekc::v1::SituationMatch& match = result.situations(0);
    ASSERT_EQ(match.terms_size(), 16);
    EXPECT_EQ(match.terms(0).matcher(), "ivr:3");
    for (int t = 1; t < 16; ++t) {
      EXPECT_EQ(match.terms(t).offset(), (t - 1) * 13u) << t;  // «слово» + letter + space
      EXPECT_EQ(match.terms(t).text(), "слово" + std::string(letters.substr(2 * (t - 1), 2)));
    }
  }
}

TEST(ClassifierExplain, ShowsWordsStemsAndWhyMatchesDidNotCount) {
  const auto rules = MustCompile(kWhoRules);
  ASSERT_NE(rules, nullptr);
  const Explanation e =
      rules->Explain(ClassifyInput{"алло ну мужу дали инвалидность", ekc::v1::CHANNEL_CHAT, ""});
  EXPECT_EQ(e.fillers, (Strings{"алло", "ну"}));
  ASSERT_EQ(e.words.size(), 3u);
  EXPECT_EQ(e.words[2].text, "инвалидность");
  EXPECT_EQ(e.words[2].stem, "инвалидн");
  EXPECT_EQ(e.words[2].terms, Strings{"инвалид"});
  ASSERT_EQ(e.rejected.size(), 1u);
  EXPECT_EQ(e.rejected[0].code, "disabled_child");
  EXPECT_EQ(e.rejected[0].reason, "about «мужу» (spouse), not whom the entry is for");
  EXPECT_EQ(
      e.classification.SerializeAsString(),
      rules->Classify(ClassifyInput{"алло ну мужу дали инвалидность", ekc::v1::CHANNEL_CHAT, ""})
          .SerializeAsString());
}

}  // namespace
}  // namespace ekc::router
