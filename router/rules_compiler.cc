#include "router/rules_compiler.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/hash.h"
#include "router/text.h"

namespace ekc::router::rules {
namespace {

constexpr std::string_view kTopLevelKeys[] = {"version", "situations", "tie_break", "threshold"};
constexpr std::string_view kSituationKeys[] = {
    "code",    "title", "priority",     "weight",         "threshold",          "words",
    "phrases", "ivr",   "urgent_words", "urgent_phrases", "not_urgent_phrases", "exclude_phrases"};

// How the entries of one list key are read.
struct ListSpec {
  std::string_view key;        // e.g. "urgent_phrases"
  std::string_view entry_key;  // the key of an entry written as a map: "word", "phrase" or "ivr"
  std::string_view label;      // the matcher's prefix in results: "word", "urgent_phrase", …
  PatternRole role;
  size_t words_min;  // 1 for word lists; 2 for phrases (one word belongs under words:)
  size_t words_max;
};

constexpr ListSpec kListSpecs[] = {
    {"words", "word", "word", PatternRole::kEvidence, 1, 1},
    {"phrases", "phrase", "phrase", PatternRole::kEvidence, 2, kPhraseWordsMax},
    {"urgent_words", "word", "urgent_word", PatternRole::kUrgent, 1, 1},
    {"urgent_phrases", "phrase", "urgent_phrase", PatternRole::kUrgent, 2, kPhraseWordsMax},
    {"not_urgent_phrases", "phrase", "not_urgent_phrase", PatternRole::kCalm, 1, kPhraseWordsMax},
    {"exclude_phrases", "phrase", "exclude_phrase", PatternRole::kExclude, 1, kPhraseWordsMax},
};

template <size_t N>
bool Contains(const std::string_view (&keys)[N], std::string_view key) {
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

template <size_t N>
std::string JoinKeys(const std::string_view (&keys)[N]) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits on ASCII whitespace.
std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsAsciiSpace(text[i])) ++i;
    if (i > start) pieces.push_back(text.substr(start, i - start));
  }
  return pieces;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  for (std::string_view piece : SplitWhitespace(text)) {
    if (!out.empty()) out.push_back(' ');
    out += piece;
  }
  return out;
}

bool IsValidCode(std::string_view code) {
  if (code.empty() || code.size() > kCodeBytesMax || code[0] < 'a' || code[0] > 'z') return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsValidIvrChoice(std::string_view choice) {
  if (choice.empty() || choice.size() > kIvrChoiceBytesMax) return false;
  return std::all_of(choice.begin(), choice.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '*' || c == '#';
  });
}

// A field of a YAML map: its key node (for the error position) and its value.
struct Field {
  YAML::Node key;
  YAML::Node value;
};

class Compiler {
 public:
  Compiler(std::string_view yaml_text, std::string_view file_name)
      : text_(yaml_text), file_name_(file_name) {}

  absl::StatusOr<CompiledRules> Compile(const YAML::Node& root) {
    if (!root.IsMap()) {
      return Error(root, "a rules file is a map with `version: 1` and `situations:`");
    }
    std::map<std::string, Field, std::less<>> fields;
    if (absl::Status s = ReadFields(root, kTopLevelKeys, "at the top level", &fields); !s.ok()) {
      return s;
    }
    const auto version = fields.find("version");
    if (version == fields.end()) return Error(root, "missing `version: 1`");
    if (!version->second.value.IsScalar() || version->second.value.Scalar() != "1") {
      return Error(version->second.value, "unsupported version: this ekc reads `version: 1`");
    }
    if (const auto threshold = fields.find("threshold"); threshold != fields.end()) {
      absl::StatusOr<double> value = ReadPositive(threshold->second.value, "threshold");
      if (!value.ok()) return value.status();
      default_threshold_ = *value;
    }
    const auto situations = fields.find("situations");
    if (situations == fields.end()) return Error(root, "missing `situations:`");
    const YAML::Node& list = situations->second.value;
    if (!list.IsSequence() || list.size() == 0) {
      return Error(list.IsNull() ? situations->second.key : list,
                   "`situations:` is a non-empty list of situations");
    }
    if (list.size() > kSituationsMax) {
      return Error(list, fmt::format("more than {} situations", kSituationsMax));
    }
    for (const YAML::Node& situation : list) {
      if (absl::Status s = CompileSituation(situation); !s.ok()) return s;
    }
    if (const auto tie_break = fields.find("tie_break"); tie_break != fields.end()) {
      if (absl::Status s = ReadTieBreak(tie_break->second); !s.ok()) return s;
    }
    BuildIndex();
    return std::move(rules_);
  }

  absl::Status ErrorAt(const YAML::Mark& mark, std::string_view reason) const {
    // yaml-cpp's marks are 0-based; a null mark (no position) points at the file's start.
    const int line = mark.line >= 0 ? mark.line + 1 : 1;
    int column = mark.column >= 0 ? mark.column + 1 : 1;
    // yaml-cpp counts columns in bytes; editors count letters, and a line of Russian has two bytes
    // a letter. Recount from the byte position when it agrees with the mark.
    if (mark.pos >= 0 && static_cast<size_t>(mark.pos) <= text_.size()) {
      const size_t pos = static_cast<size_t>(mark.pos);
      const size_t newline = pos == 0 ? std::string_view::npos : text_.rfind('\n', pos - 1);
      const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
      if (static_cast<int>(pos - line_start) == mark.column) {
        column = static_cast<int>(CodePointCount(text_.substr(line_start, pos - line_start))) + 1;
      }
    }
    return absl::InvalidArgumentError(
        fmt::format("{}:{}:{}: {}", file_name_, line, column, reason));
  }

 private:
  absl::Status Error(const YAML::Node& node, std::string_view reason) const {
    return ErrorAt(node.Mark(), reason);
  }

  template <size_t N>
  absl::Status ReadFields(const YAML::Node& map, const std::string_view (&known)[N],
                          std::string_view where,
                          std::map<std::string, Field, std::less<>>* fields) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) return Error(key, "a key must be a plain word");
      const std::string& name = key.Scalar();
      if (!Contains(known, name)) {
        return Error(
            key, fmt::format("unknown key `{}` {}; known keys: {}", name, where, JoinKeys(known)));
      }
      if (!fields->emplace(name, Field{key, it->second}).second) {
        return Error(key, fmt::format("`{}` is given twice", name));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadText(const Field& field, std::string_view what) const {
    if (!field.value.IsScalar() || field.value.Scalar().empty()) {
      return Error(field.value.IsNull() ? field.key : field.value,
                   fmt::format("`{}` must be a non-empty text", what));
    }
    return field.value.Scalar();
  }

  absl::StatusOr<double> ReadPositive(const YAML::Node& node, std::string_view what) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !(value > 0) ||
        value > kWeightMax) {
      return Error(node,
                   fmt::format("`{}` must be a number above 0 and at most {}", what, kWeightMax));
    }
    return value;
  }

  absl::Status CompileSituation(const YAML::Node& node) {
    if (!node.IsMap()) {
      return Error(node, "a situation is a map with code, title, priority and matchers");
    }
    std::map<std::string, Field, std::less<>> fields;
    if (absl::Status s = ReadFields(node, kSituationKeys, "in a situation", &fields); !s.ok()) {
      return s;
    }
    const uint32_t index = static_cast<uint32_t>(rules_.infos.size());
    SituationInfo info;
    CompiledSituation compiled;
    compiled.threshold = default_threshold_;
    compiled.tie_rank = kUnranked;

    const auto code = fields.find("code");
    if (code == fields.end()) return Error(node, "a situation needs a `code`");
    absl::StatusOr<std::string> code_text = ReadText(code->second, "code");
    if (!code_text.ok()) return code_text.status();
    if (!IsValidCode(*code_text)) {
      return Error(code->second.value,
                   fmt::format("code `{}` must be lowercase Latin letters, digits and _, starting "
                               "with a letter, at most {} characters",
                               *code_text, kCodeBytesMax));
    }
    if (const auto seen = code_lines_.find(*code_text); seen != code_lines_.end()) {
      return Error(code->second.value, fmt::format("situation `{}` is already defined at line {}",
                                                   *code_text, seen->second));
    }
    code_lines_.emplace(*code_text, code->second.value.Mark().line + 1);
    info.code = *code_text;

    const auto title = fields.find("title");
    if (title == fields.end()) {
      return Error(node, fmt::format("situation `{}` needs a `title`", info.code));
    }
    absl::StatusOr<std::string> title_text = ReadText(title->second, "title");
    if (!title_text.ok()) return title_text.status();
    if (title_text->size() > kTitleBytesMax) {
      return Error(title->second.value, fmt::format("title longer than {} bytes", kTitleBytesMax));
    }
    info.title = *title_text;

    info.priority = ekc::v1::PRIORITY_NORMAL;
    if (const auto priority = fields.find("priority"); priority != fields.end()) {
      absl::StatusOr<std::string> text = ReadText(priority->second, "priority");
      if (!text.ok()) return text.status();
      if (*text == "low") {
        info.priority = ekc::v1::PRIORITY_LOW;
      } else if (*text == "normal") {
        info.priority = ekc::v1::PRIORITY_NORMAL;
      } else if (*text == "high") {
        info.priority = ekc::v1::PRIORITY_HIGH;
      } else if (*text == "urgent") {
        info.priority = ekc::v1::PRIORITY_URGENT;
      } else {
        return Error(priority->second.value,
                     fmt::format("unknown priority `{}`: use low, normal, high or urgent", *text));
      }
    }

    double weight = 1;
    if (const auto w = fields.find("weight"); w != fields.end()) {
      absl::StatusOr<double> value = ReadPositive(w->second.value, "weight");
      if (!value.ok()) return value.status();
      weight = *value;
    }
    if (const auto t = fields.find("threshold"); t != fields.end()) {
      absl::StatusOr<double> value = ReadPositive(t->second.value, "threshold");
      if (!value.ok()) return value.status();
      compiled.threshold = *value;
    }

    compiled.patterns_begin = static_cast<uint32_t>(rules_.patterns.size());
    size_t evidence = 0;
    size_t entries = 0;
    for (const ListSpec& spec : kListSpecs) {
      const auto list = fields.find(spec.key);
      if (list == fields.end()) continue;
      absl::Status s = CompileList(spec, list->second, index, weight, &entries);
      if (!s.ok()) return s;
      if (spec.role == PatternRole::kEvidence) evidence += list->second.value.size();
    }
    if (const auto ivr = fields.find("ivr"); ivr != fields.end()) {
      if (absl::Status s = CompileIvr(ivr->second, weight, &compiled, &entries); !s.ok()) return s;
      evidence += compiled.ivr.size();
    }
    compiled.patterns_end = static_cast<uint32_t>(rules_.patterns.size());
    if (evidence == 0) {
      return Error(node, fmt::format("situation `{}` has no matchers: add words, phrases or ivr",
                                     info.code));
    }
    rules_.infos.push_back(std::move(info));
    rules_.situations.push_back(std::move(compiled));
    return absl::OkStatus();
  }

  // Reads a list's entry: a plain text, or a map with the entry key and options (weight,
  // negatable).
  struct Entry {
    // Where to point errors. A mark, not a YAML::Node: assigning one Node to another rebinds
    // nothing in yaml-cpp — it overwrites the referenced node in the document.
    YAML::Mark mark;
    std::string text;
    double weight = 0;  // 0 = the situation's weight
    bool negatable = false;
  };

  absl::StatusOr<Entry> ReadEntry(const YAML::Node& item, const ListSpec& spec) const {
    Entry entry;
    entry.mark = item.Mark();
    if (item.IsScalar()) {
      entry.text = item.Scalar();
    } else if (item.IsMap()) {
      // Exclusions and calm phrases only switch other entries off: no weight, no negation.
      const bool options_allowed =
          spec.role != PatternRole::kExclude && spec.role != PatternRole::kCalm;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        const std::string name = key.IsScalar() ? key.Scalar() : std::string();
        if (name == spec.entry_key) {
          if (!value.IsScalar()) return Error(value, fmt::format("`{}` must be a text", name));
          entry.text = value.Scalar();
          entry.mark = value.Mark();
        } else if (name == "weight" && options_allowed && spec.role == PatternRole::kEvidence) {
          absl::StatusOr<double> weight = ReadPositive(value, "weight");
          if (!weight.ok()) return weight.status();
          entry.weight = *weight;
        } else if (name == "negatable" && options_allowed) {
          if (!value.IsScalar() || !YAML::convert<bool>::decode(value, entry.negatable)) {
            return Error(value, "`negatable` must be true or false");
          }
        } else {
          return Error(key,
                       fmt::format("unknown key `{}` in an entry of `{}`; known keys: {}{}", name,
                                   spec.key, spec.entry_key,
                                   !options_allowed                      ? ""
                                   : spec.role == PatternRole::kEvidence ? ", weight, negatable"
                                                                         : ", negatable"));
        }
      }
    } else {
      return Error(item, fmt::format("an entry of `{}` is a text, or a map with `{}`", spec.key,
                                     spec.entry_key));
    }
    if (CollapseWhitespace(entry.text).empty()) {
      return ErrorAt(entry.mark, fmt::format("empty entry in `{}`", spec.key));
    }
    return entry;
  }

  absl::Status CheckList(const Field& field) const {
    if (!field.value.IsSequence()) {
      return Error(field.value.IsNull() ? field.key : field.value,
                   fmt::format("`{}` must be a non-empty list", field.key.Scalar()));
    }
    if (field.value.size() == 0) {
      return Error(field.value,
                   fmt::format("`{}` is empty: remove it or add entries", field.key.Scalar()));
    }
    return absl::OkStatus();
  }

  absl::Status CountEntries(const Field& field, size_t* entries) const {
    *entries += field.value.size();
    if (*entries > kEntriesPerSituationMax) {
      return Error(field.value,
                   fmt::format("more than {} entries in one situation", kEntriesPerSituationMax));
    }
    return absl::OkStatus();
  }

  absl::Status CompileList(const ListSpec& spec, const Field& field, uint32_t situation,
                           double situation_weight, size_t* entries) {
    if (absl::Status s = CheckList(field); !s.ok()) return s;
    if (absl::Status s = CountEntries(field, entries); !s.ok()) return s;
    std::map<std::string, int, std::less<>> seen;  // normalised entry → line
    for (const YAML::Node& item : field.value) {
      absl::StatusOr<Entry> entry = ReadEntry(item, spec);
      if (!entry.ok()) return entry.status();
      absl::StatusOr<std::vector<WordMatcher>> words = ParseWords(*entry, spec);
      if (!words.ok()) return words.status();
      std::string key;
      for (const WordMatcher& w : *words) key += (w.exact ? "=" : "") + w.text + " ";
      const int line = entry->mark.line + 1;
      if (const auto [it, inserted] = seen.emplace(key, line); !inserted) {
        return ErrorAt(entry->mark,
                       fmt::format("«{}» is already listed in `{}` at line {}",
                                   CollapseWhitespace(entry->text), spec.key, it->second));
      }
      Pattern pattern;
      pattern.situation = situation;
      pattern.role = spec.role;
      pattern.words = std::move(*words);
      pattern.weight = spec.role == PatternRole::kEvidence
                           ? (entry->weight > 0 ? entry->weight : situation_weight)
                           : 0;
      pattern.negatable = entry->negatable;
      pattern.matcher = fmt::format("{}:{}", spec.label, CollapseWhitespace(entry->text));
      rules_.patterns.push_back(std::move(pattern));
    }
    return absl::OkStatus();
  }

  // Turns «=мать одиночк» into word matchers. Each whitespace-separated piece is tokenised like a
  // citizen's text (so «ребёнок-инвалид» is two words and ё is е); a leading «=» makes the piece's
  // words exact. A stem must have kStemLettersMin letters; inside a phrase a shorter word («не»,
  // «на», «в») is matched whole.
  absl::StatusOr<std::vector<WordMatcher>> ParseWords(const Entry& entry,
                                                      const ListSpec& spec) const {
    std::vector<WordMatcher> words;
    bool first_explicitly_exact = false;
    const std::string shown = CollapseWhitespace(entry.text);
    for (std::string_view piece : SplitWhitespace(entry.text)) {
      const bool exact = piece.front() == '=';
      if (exact) piece.remove_prefix(1);
      const std::vector<Token> tokens = Tokenize(piece, kPhraseWordsMax + 1);
      if (tokens.empty()) {
        return ErrorAt(entry.mark,
                       fmt::format("«{}» in «{}» has no letters or digits", piece, shown));
      }
      for (const Token& token : tokens) {
        if (words.size() == kPhraseWordsMax) {
          return ErrorAt(entry.mark,
                         fmt::format("«{}» has more than {} words", shown, kPhraseWordsMax));
        }
        const size_t letters = CodePointCount(token.normalized);
        WordMatcher word{token.normalized, exact || letters < kStemLettersMin};
        if (spec.words_max == 1 && !exact && letters < kStemLettersMin) {
          return ErrorAt(
              entry.mark,
              fmt::format("stem «{}» is shorter than {} letters and would match too many "
                          "words; write «={}» to match this whole word only",
                          token.normalized, kStemLettersMin, token.normalized));
        }
        if (spec.words_max == 1 && exact && letters < 2) {
          return ErrorAt(entry.mark, fmt::format("«{}» is too short to be a word", shown));
        }
        if (words.empty()) first_explicitly_exact = exact;
        words.push_back(std::move(word));
      }
    }
    if (words.size() < spec.words_min) {
      return ErrorAt(entry.mark, fmt::format("«{}» is one word: put it under `words:`", shown));
    }
    if (words.size() > spec.words_max) {
      return ErrorAt(entry.mark,
                     fmt::format("«{}» has {} words: put it under `phrases:` (a hyphen also "
                                 "separates words)",
                                 shown, words.size()));
    }
    // A one-word exclusion follows the rules of `words:`.
    if (spec.words_max > 1 && words.size() == 1 && !first_explicitly_exact &&
        CodePointCount(words[0].text) < kStemLettersMin) {
      return ErrorAt(entry.mark,
                     fmt::format("stem «{}» is shorter than {} letters; write «={}» to match this "
                                 "whole word only",
                                 words[0].text, kStemLettersMin, words[0].text));
    }
    return words;
  }

  absl::Status CompileIvr(const Field& field, double situation_weight, CompiledSituation* situation,
                          size_t* entries) {
    if (absl::Status s = CheckList(field); !s.ok()) return s;
    if (absl::Status s = CountEntries(field, entries); !s.ok()) return s;
    static constexpr ListSpec kIvrSpec{"ivr", "ivr", "ivr", PatternRole::kEvidence, 1, 1};
    for (const YAML::Node& item : field.value) {
      absl::StatusOr<Entry> entry = ReadEntry(item, kIvrSpec);
      if (!entry.ok()) return entry.status();
      if (entry->negatable) return ErrorAt(entry->mark, "an IVR choice cannot be negated");
      const std::string choice = CollapseWhitespace(entry->text);
      if (!IsValidIvrChoice(choice)) {
        return ErrorAt(
            entry->mark,
            fmt::format("IVR choice «{}» must be digits, dots, * and # (e.g. 3 or 3.1), at "
                        "most {} characters",
                        choice, kIvrChoiceBytesMax));
      }
      for (const IvrRule& other : situation->ivr) {
        if (other.choice == choice) {
          return ErrorAt(entry->mark, fmt::format("IVR choice «{}» is listed twice", choice));
        }
      }
      situation->ivr.push_back(
          IvrRule{choice, entry->weight > 0 ? entry->weight : situation_weight, "ivr:" + choice});
    }
    return absl::OkStatus();
  }

  absl::Status ReadTieBreak(const Field& field) {
    if (absl::Status s = CheckList(field); !s.ok()) return s;
    uint32_t rank = 0;
    for (const YAML::Node& item : field.value) {
      if (!item.IsScalar()) return Error(item, "`tie_break` lists situation codes");
      const std::string& code = item.Scalar();
      const auto it = std::find_if(rules_.infos.begin(), rules_.infos.end(),
                                   [&](const SituationInfo& info) { return info.code == code; });
      if (it == rules_.infos.end()) {
        return Error(item, fmt::format("`tie_break` names `{}`, which no situation defines", code));
      }
      CompiledSituation& situation = rules_.situations[it - rules_.infos.begin()];
      if (situation.tie_rank != kUnranked) {
        return Error(item, fmt::format("`{}` is listed twice in `tie_break`", code));
      }
      situation.tie_rank = rank++;
    }
    return absl::OkStatus();
  }

  void BuildIndex() {
    for (uint32_t i = 0; i < rules_.patterns.size(); ++i) {
      const WordMatcher& first = rules_.patterns[i].words.front();
      auto& index = first.exact ? rules_.by_exact_first_word : rules_.by_stem_first_word;
      index[first.text].push_back(i);
    }
  }

  std::string_view text_;
  std::string file_name_;
  double default_threshold_ = 1;
  std::map<std::string, int, std::less<>> code_lines_;
  CompiledRules rules_;
};

}  // namespace

absl::StatusOr<CompiledRules> CompileRules(std::string_view yaml_text, std::string_view file_name) {
  Compiler compiler(yaml_text, file_name);
  if (yaml_text.size() > kRulesTextBytesMax) {
    return compiler.ErrorAt(
        YAML::Mark(), fmt::format("the rules file is larger than {} bytes", kRulesTextBytesMax));
  }
  if (const size_t bad = FindInvalidUtf8(yaml_text); bad != std::string_view::npos) {
    // Titles and entries end up in protobuf strings, which must be valid UTF-8.
    const std::string_view before = yaml_text.substr(0, bad);
    YAML::Mark mark;
    mark.pos = static_cast<int>(bad);
    mark.line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const size_t newline = before.rfind('\n');
    mark.column = static_cast<int>(bad - (newline == std::string_view::npos ? 0 : newline + 1));
    return compiler.ErrorAt(mark, "the rules file is not valid UTF-8");
  }
  absl::StatusOr<CompiledRules> rules;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    rules = compiler.Compile(root);
  } catch (const YAML::Exception& e) {
    // Syntax errors, and any conversion yaml-cpp refuses while we walk the tree.
    return compiler.ErrorAt(e.mark, e.msg);
  } catch (const std::exception& e) {
    // yaml-cpp may also throw standard exceptions (e.g. bad_alloc on absurd input); keep them in.
    return compiler.ErrorAt(YAML::Mark(), fmt::format("cannot read the rules: {}", e.what()));
  }
  if (!rules.ok()) return rules.status();
  rules->version = fmt::format("fnv64:{:016x}", StableHash64(yaml_text));
  return rules;
}

}  // namespace ekc::router::rules
