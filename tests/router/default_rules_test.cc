// Tests of the default rules (deploy/rules/default.yaml) against the taxonomy in
// shared/life-situations.md and against realistic citizen messages: chat, portal and speech-to-text
// style, with negation, several situations, false friends and messages that carry no situation.

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "router/classifier.h"

namespace ekc::router {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const RuleSet& DefaultRules() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    const std::string path = std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml";
    absl::StatusOr<std::shared_ptr<const RuleSet>> compiled =
        RuleSet::Compile(ReadFile(path), path);
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    return compiled.ok() ? *compiled : nullptr;
  }();
  if (rules == nullptr) std::abort();  // reported above; nothing below can run without the rules
  return *rules;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '`')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '`')) text.remove_suffix(1);
  return std::string(text);
}

// The taxonomy table of life-situations.md: code → Russian title, in table order.
std::vector<std::pair<std::string, std::string>> TaxonomyTable() {
  std::istringstream in(ReadFile(std::string(EKC_SHARED_DIR) + "/life-situations.md"));
  std::vector<std::pair<std::string, std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    // | # | `code` | Русское название | …
    if (line.size() < 3 || line[0] != '|' || line[2] < '0' || line[2] > '9') continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(Trim(cell));
    if (cells.size() >= 3) rows.emplace_back(cells[1], cells[2]);
  }
  return rows;
}

ekc::v1::Classification Classify(std::string_view text, std::string_view ivr = "") {
  return DefaultRules().Classify(ClassifyInput{text, ekc::v1::CHANNEL_CHAT, ivr});
}

std::vector<std::string> Codes(const ekc::v1::Classification& c) {
  std::vector<std::string> codes;
  for (const auto& s : c.situations()) codes.push_back(s.code());
  return codes;
}

TEST(DefaultRules, DefineExactlyTheTwentyFiveCodes) {
  const auto table = TaxonomyTable();
  ASSERT_EQ(table.size(), 25u) << "the taxonomy table of life-situations.md changed shape";
  const auto& situations = DefaultRules().situations();
  ASSERT_EQ(situations.size(), 25u);
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& [code, title] = table[i];
    const SituationInfo* info = DefaultRules().FindSituation(code);
    ASSERT_NE(info, nullptr) << "no situation for " << code;
    EXPECT_EQ(info->title, title) << code;
    EXPECT_EQ(situations[i].code, code) << "the rules follow the table's order";
  }
}

TEST(DefaultRules, AlwaysUrgentCodesHaveUrgentPriority) {
  const std::set<std::string> urgent = {"domestic_violence", "child_at_risk", "suicide_risk",
                                        "homelessness"};
  for (const SituationInfo& info : DefaultRules().situations()) {
    EXPECT_EQ(info.priority == ekc::v1::PRIORITY_URGENT, urgent.count(info.code) == 1) << info.code;
  }
}

TEST(DefaultRules, EveryIvrChoiceLeadsToItsSituation) {
  const std::map<std::string, std::string> menu = {
      {"1.1", "pregnancy"},         {"1.2", "child_birth"},           {"1.3", "maternity_capital"},
      {"2.1", "low_income"},        {"2.2", "large_family"},          {"2.3", "single_parent"},
      {"2.4", "young_family"},      {"3.1", "disabled_child"},        {"3.2", "disability_adult"},
      {"4", "svo_family"},          {"5.1", "guardianship_adoption"}, {"5.2", "orphan_care_leaver"},
      {"6.1", "breadwinner_loss"},  {"6.2", "bereavement_funeral"},   {"7", "child_services"},
      {"8", "family_crisis_psych"},
  };
  for (const auto& [choice, code] : menu) {
    EXPECT_EQ(Codes(Classify("", choice)), std::vector<std::string>{code}) << choice;
  }
}

TEST(DefaultRules, Classify_DomesticViolenceIsUrgent) {
  const auto result = Classify("Муж бьёт меня при детях, мне страшно возвращаться домой");
  ASSERT_FALSE(result.situations().empty());
  EXPECT_EQ(result.situations(0).code(), "domestic_violence");
  EXPECT_TRUE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_URGENT);
}

struct Example {
  std::string_view text;
  std::vector<std::string> want;     // every one of these, and…
  std::vector<std::string> also_ok;  // …at most these besides (known limits of the skeleton)
  bool urgent;
};

// Realistic messages and what an experienced operator would route them as.
const std::vector<Example>& Examples() {
  static const std::vector<Example> examples = {
      // Single situations, chat style.
      {"Здравствуйте, я беременна, срок 10 недель, куда обратиться за пособием?",
       {"pregnancy"},
       {},
       false},
      {"Родила две недели назад, как оформить единовременное пособие при рождении",
       {"child_birth"},
       {},
       false},
      {"хочу направить маткапитал на ипотеку, как это сделать", {"maternity_capital"}, {}, false},
      {"Нам отказали в едином пособии, доход вроде ниже прожиточного минимума",
       {"low_income"},
       {},
       false},
      {"Мы многодетная семья, как получить 450 тысяч на погашение ипотеки",
       {"large_family"},
       {},
       false},
      {"Мужу дали вторую группу инвалидности после инсульта, положено ли ЕДВ?",
       {"disability_adult"},
       {},
       false},
      {"Мать-одиночка, бывший муж не платит алименты уже год", {"single_parent"}, {}, false},
      {"Мы молодая семья, хотим участвовать в программе, нам по 27 лет",
       {"young_family"},
       {},
       false},
      {"Меня сократили с работы, встала на учёт в центр занятости", {"job_loss"}, {}, false},
      {"как встать в очередь в детский сад и вернуть часть родительской платы",
       {"child_services"},
       {},
       false},
      {"Маме 85 лет, лежачая, нужна сиделка или соцработник на дом", {"elderly_care"}, {}, false},
      {"Муж пьёт каждый день, пропивает зарплату", {"addiction"}, {}, false},
      {"Сын играет в казино и проиграл все деньги", {"addiction"}, {}, false},
      {"подросток не слушается, постоянные истерики, нужна консультация",
       {"family_crisis_psych"},
       {},
       false},
      {"Умерла свекровь, как получить пособие на погребение", {"bereavement_funeral"}, {}, false},
      {"Я выпускница детского дома, мне 19 лет, когда дадут квартиру как сироте",
       {"orphan_care_leaver"},
       {},
       false},
      {"Хотим взять ребёнка из детского дома. Нужна ли школа приёмных родителей?",
       {"guardianship_adoption"},
       {},
       false},
      {"наш дом признали аварийным, когда расселят", {"housing_utilities"}, {}, false},
      {"После паводка прошлого года так и не получили выплату", {"emergency_disaster"}, {}, false},
      // Urgent.
      {"Соседка кричит по ночам, муж её избивает, я слышу через стену",
       {"domestic_violence"},
       {},
       true},
      {"Муж угрожает убить меня и детей", {"domestic_violence"}, {}, true},
      {"Соседи оставили детей одних дома уже второй день, они плачут", {"child_at_risk"}, {}, true},
      {"я больше не хочу жить, всё бессмысленно", {"suicide_risk"}, {}, true},
      {"Нас выселяют из квартиры, идти некуда", {"homelessness"}, {}, true},
      {"Вчера сгорел дом, мы с детьми сейчас в ПВР", {"emergency_disaster"}, {}, true},
      {"отключили газ за долги, а у нас маленький ребёнок, на улице минус 20",
       {"housing_utilities"},
       {},
       true},
      {"дети голодные, нечего есть, денег нет совсем", {"low_income", "child_at_risk"}, {}, true},
      {"в роддоме хочу отказаться от ребёнка, не смогу его вырастить",
       {"child_birth", "child_at_risk"},
       {},
       true},
      // Several situations in one message.
      {"многодетная семья участника СВО, младший — ребёнок-инвалид",
       {"svo_family", "disabled_child", "large_family"},
       {},
       false},
      {"у меня муж погиб на СВО, остались с тремя детьми, какие выплаты положены",
       {"svo_family", "breadwinner_loss", "large_family"},
       {},
       false},
      {"у нас трое детей, третий на подходе", {"large_family", "pregnancy"}, {}, false},
      {"подскажите, можно ли потратить материнский (семейный) капитал на детский сад?",
       {"maternity_capital", "child_services"},
       {},
       false},
      {"Умер муж, остались с двумя детьми без кормильца",
       {"breadwinner_loss"},
       {"bereavement_funeral"},
       false},
      // Shared words (МСЭ, ИПРА) also raise the adult situation until the engine knows who is
      // affected (hard case 9).
      {"у сына ДЦП, оформляем инвалидность, какие документы нужны на МСЭ",
       {"disabled_child"},
       {"disability_adult"},
       false},
      {"Ребёнку-инвалиду не продлили ИПРА, нужна коляска",
       {"disabled_child"},
       {"disability_adult"},
       false},
      // Negation.
      {"мы не многодетные, у нас двое детей, положена ли компенсация за детский сад",
       {"child_services"},
       {},
       false},
      {"муж не участник СВО, просто спрашиваю про детский сад", {"child_services"}, {}, false},
      {"меня никто не бьёт, хочу к психологу: проблемы в отношениях с подростком",
       {"family_crisis_psych"},
       {},
       false},
      {"суицидальных мыслей нет, но очень тяжело, не справляюсь с ребёнком",
       {"family_crisis_psych"},
       {},
       false},
      {"муж не пьёт, но мы постоянно ссоримся из-за денег", {"family_crisis_psych"}, {}, false},
      {"ребёнок не инвалид, но у него ОВЗ, нужна ПМПК", {"child_services"}, {}, false},
      {"инвалидность не дали на МСЭ, хочу обжаловать", {"disability_adult"}, {}, false},
      {"я не малоимущая вроде, но денег не хватает на лекарства", {"low_income"}, {}, false},
      // False friends.
      {"Поздравляю с днём рождения! Как поменять номер телефона в личном кабинете", {}, {}, false},
      {"У дочки день рождения, а пособие на ребёнка до сих пор не пришло",
       {"low_income"},
       {},
       false},
      {"Ребёнок 2015 года рождения, нужна справка для школы", {"child_services"}, {}, false},
      {"позвоните мне в 15:00 по мск, вопрос по индексации пенсии", {}, {}, false},
      {"не хочу жить в этой квартире с плесенью, куда жаловаться", {}, {}, false},
      {"нас затопили соседи сверху, управляющая компания ничего не делает", {}, {}, false},
      {"готова убить этот соцфонд, третий месяц не могу получить справку", {}, {}, false},
      {"ЖК Солнечный, у нас во дворе нет заезда для инвалидов", {}, {}, false},
      // No situation at all.
      {"не могу войти в госуслуги, пишет ошибка", {}, {}, false},
      {"алло алло девушка вы меня слышите", {}, {}, false},
      {"спасибо большое, всё получилось", {}, {}, false},
      // Speech-to-text and homoglyphs.
      {"алло здравствуйте девушка у меня короче муж на сво мобилизовали в прошлом году а выплату "
       "так и не дали",
       {"svo_family"},
       {},
       false},
      {"муж вернулся оттуда раненый, CBO, нужна реабилитация", {"svo_family"}, {}, false},
      {"Рeбёнок-инвaлид, нужна путёвка в санаторий", {"disabled_child"}, {"child_services"}, false},
  };
  return examples;
}

TEST(DefaultRules, Classify_RealisticMessages) {
  for (const Example& example : Examples()) {
    const auto result = Classify(example.text);
    const std::vector<std::string> got = Codes(result);
    std::string explain;
    for (const auto& s : result.situations()) {
      explain +=
          "\n  " + s.code() + " score=" + std::to_string(s.score()) + (s.urgent() ? " urgent" : "");
      for (const auto& t : s.terms()) explain += " [" + t.matcher() + " «" + t.text() + "»]";
    }
    for (const std::string& code : example.want) {
      EXPECT_NE(std::find(got.begin(), got.end(), code), got.end())
          << example.text << "\n  missing " << code << explain;
    }
    for (const std::string& code : got) {
      const bool wanted =
          std::find(example.want.begin(), example.want.end(), code) != example.want.end();
      const bool tolerated =
          std::find(example.also_ok.begin(), example.also_ok.end(), code) != example.also_ok.end();
      EXPECT_TRUE(wanted || tolerated) << example.text << "\n  unexpected " << code << explain;
    }
    EXPECT_EQ(result.priority() == ekc::v1::PRIORITY_URGENT, example.urgent)
        << example.text << explain;
  }
}

TEST(DefaultRules, Classify_RanksTheMostSpecificFamilySituationFirst) {
  const auto result = Classify("многодетная семья участника СВО, младший — ребёнок-инвалид");
  EXPECT_EQ(Codes(result),
            (std::vector<std::string>{"svo_family", "disabled_child", "large_family"}));
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_HIGH);
}

TEST(DefaultRules, Classify_UrgentSituationComesFirst) {
  const auto result = Classify("многодетная семья, муж пьёт и бьёт детей");
  ASSERT_GE(result.situations_size(), 2);
  EXPECT_TRUE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_URGENT);
}

TEST(DefaultRules, Classify_DisasterIsUrgentOnlyWithAnAcuteMarker) {
  auto result = Classify("у нас затопило дом, вода в доме");
  ASSERT_EQ(Codes(result), std::vector<std::string>{"emergency_disaster"});
  EXPECT_TRUE(result.situations(0).urgent());
  // A past event calms the acute marker of its own clause only.
  result = Classify("дом сгорел в прошлом году, выплату так и не дали");
  ASSERT_EQ(Codes(result), std::vector<std::string>{"emergency_disaster"});
  EXPECT_FALSE(result.situations(0).urgent());
  result = Classify("в прошлом году сгорел сарай, а сейчас затопило дом");
  ASSERT_EQ(Codes(result), std::vector<std::string>{"emergency_disaster"});
  EXPECT_TRUE(result.situations(0).urgent());
  result = Classify("компенсация пострадавшим от паводка, подали документы в мае");
  ASSERT_EQ(Codes(result), std::vector<std::string>{"emergency_disaster"});
  EXPECT_FALSE(result.situations(0).urgent());
  EXPECT_EQ(result.priority(), ekc::v1::PRIORITY_HIGH);
}

}  // namespace
}  // namespace ekc::router
