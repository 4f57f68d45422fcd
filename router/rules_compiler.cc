#include "router/rules_compiler.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/hash.h"
#include "router/normalize.h"
#include "router/text.h"

namespace ekc::router::rules {
namespace {

constexpr std::string_view kTopLevelKeys[] = {"version",   "situations", "tie_break",
                                              "threshold", "gap",        "kinship"};
constexpr std::string_view kSituationKeys[] = {"code",
                                               "title",
                                               "priority",
                                               "weight",
                                               "threshold",
                                               "skills",
                                               "queue",
                                               "channels",
                                               "gap",
                                               "words",
                                               "phrases",
                                               "regexes",
                                               "ivr",
                                               "urgent_words",
                                               "urgent_phrases",
                                               "urgent_regexes",
                                               "not_urgent_phrases",
                                               "exclude_phrases",
                                               "exclude_regexes"};

constexpr std::pair<std::string_view, ekc::v1::Channel> kChannels[] = {
    {"voice", ekc::v1::CHANNEL_VOICE},
    {"chat", ekc::v1::CHANNEL_CHAT},
    {"portal", ekc::v1::CHANNEL_PORTAL},
    {"messenger", ekc::v1::CHANNEL_MESSENGER},
};

// How the entries of one list key are read.
struct ListSpec {
  std::string_view key;        // e.g. "urgent_phrases"
  std::string_view entry_key;  // the key of an entry written as a map: "word", "phrase" or "ivr"
  std::string_view label;      // the matcher's prefix in results: "word", "urgent_phrase", …
  PatternRole role;
  size_t words_min;  // 1 for word lists; 2 for phrases (one word belongs under words:)
  size_t words_max;  // 0 for regexes
  // The options an entry written as a map may have besides `entry_key`.
  std::initializer_list<std::string_view> options;
};

constexpr bool IsRegexSpec(const ListSpec& spec) { return spec.words_max == 0; }

const ListSpec kListSpecs[] = {
    {"words",
     "word",
     "word",
     PatternRole::kEvidence,
     1,
     1,
     {"weight", "negatable", "who", "near", "fuzzy", "urgent"}},
    {"phrases",
     "phrase",
     "phrase",
     PatternRole::kEvidence,
     2,
     kPhraseWordsMax,
     {"weight", "negatable", "who", "near", "fuzzy", "urgent", "gap"}},
    {"regexes",
     "regex",
     "regex",
     PatternRole::kEvidence,
     0,
     0,
     {"weight", "negatable", "who", "near", "urgent"}},
    {"urgent_words",
     "word",
     "urgent_word",
     PatternRole::kUrgent,
     1,
     1,
     {"negatable", "who", "near", "fuzzy"}},
    {"urgent_phrases",
     "phrase",
     "urgent_phrase",
     PatternRole::kUrgent,
     2,
     kPhraseWordsMax,
     {"negatable", "who", "near", "fuzzy", "gap"}},
    {"urgent_regexes",
     "regex",
     "urgent_regex",
     PatternRole::kUrgent,
     0,
     0,
     {"negatable", "who", "near"}},
    {"not_urgent_phrases",
     "phrase",
     "not_urgent_phrase",
     PatternRole::kCalm,
     1,
     kPhraseWordsMax,
     {"gap", "fuzzy"}},
    {"exclude_phrases",
     "phrase",
     "exclude_phrase",
     PatternRole::kExclude,
     1,
     kPhraseWordsMax,
     {"gap", "fuzzy"}},
    {"exclude_regexes", "regex", "exclude_regex", PatternRole::kExclude, 0, 0, {}},
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

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kNameBytesMax) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
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
    if (const auto gap = fields.find("gap"); gap != fields.end()) {
      absl::StatusOr<uint32_t> value = ReadGap(gap->second.value);
      if (!value.ok()) return value.status();
      default_gap_ = *value;
    }
    if (const auto kinship = fields.find("kinship"); kinship != fields.end()) {
      if (absl::Status s = ReadKinship(kinship->second); !s.ok()) return s;
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
    if (absl::Status s = BuildIndex(situations->second.key); !s.ok()) return s;
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

  absl::StatusOr<uint32_t> ReadGap(const YAML::Node& node) const {
    int value = -1;
    if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value < 0 ||
        value > static_cast<int>(kGapMax)) {
      return Error(node, fmt::format("`gap` must be a whole number from 0 to {}", kGapMax));
    }
    return static_cast<uint32_t>(value);
  }

  // A list of short ASCII names (skills); `what` names the key in errors.
  absl::StatusOr<std::vector<std::string>> ReadNames(const Field& field,
                                                     std::string_view what) const {
    if (!field.value.IsSequence()) {
      return Error(field.value.IsNull() ? field.key : field.value,
                   fmt::format("`{}` is a list of names", what));
    }
    if (field.value.size() > kSkillsMax) {
      return Error(field.value, fmt::format("more than {} {}", kSkillsMax, what));
    }
    std::vector<std::string> names;
    for (const YAML::Node& item : field.value) {
      if (!item.IsScalar() || !IsValidName(item.Scalar())) {
        return Error(item, fmt::format("a name in `{}` is Latin letters, digits, _ . and -, at "
                                       "most {} characters",
                                       what, kNameBytesMax));
      }
      if (std::find(names.begin(), names.end(), item.Scalar()) != names.end()) {
        return Error(item, fmt::format("`{}` is listed twice in `{}`", item.Scalar(), what));
      }
      names.push_back(item.Scalar());
    }
    return names;
  }

  absl::StatusOr<uint32_t> ReadChannels(const Field& field) const {
    if (!field.value.IsSequence() || field.value.size() == 0) {
      return Error(field.value.IsNull() ? field.key : field.value,
                   "`channels` is a non-empty list of voice, chat, portal, messenger");
    }
    uint32_t mask = 0;
    for (const YAML::Node& item : field.value) {
      const std::string name = item.IsScalar() ? item.Scalar() : std::string();
      const auto* channel = std::find_if(std::begin(kChannels), std::end(kChannels),
                                         [&](const auto& c) { return c.first == name; });
      if (channel == std::end(kChannels)) {
        return Error(
            item, fmt::format("unknown channel `{}`: use voice, chat, portal or messenger", name));
      }
      mask |= 1u << channel->second;
    }
    return mask;
  }

  absl::Status ReadKinship(const Field& field) {
    if (!field.value.IsMap() || field.value.size() == 0) {
      return Error(field.value.IsNull() ? field.key : field.value,
                   "`kinship` maps group names (child, spouse, …) to lists of words");
    }
    if (field.value.size() > kKinGroupsMax) {
      return Error(field.value, fmt::format("more than {} kinship groups", kKinGroupsMax));
    }
    static const ListSpec kKinSpec{"kinship", "word", "kin", PatternRole::kEvidence, 1, 1, {}};
    for (auto it = field.value.begin(); it != field.value.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar() || !IsValidCode(key.Scalar()) || key.Scalar() == "none") {
        return Error(key, "a kinship group is named in lowercase Latin letters (not `none`)");
      }
      if (std::find(rules_.kin_groups.begin(), rules_.kin_groups.end(), key.Scalar()) !=
          rules_.kin_groups.end()) {
        return Error(key, fmt::format("kinship group `{}` is given twice", key.Scalar()));
      }
      rules_.kin_groups.push_back(key.Scalar());
      const Field list{key, it->second};
      if (absl::Status s = CheckList(list); !s.ok()) return s;
      for (const YAML::Node& item : list.value) {
        absl::StatusOr<Entry> entry = ReadEntry(item, kKinSpec);
        if (!entry.ok()) return entry.status();
        absl::StatusOr<std::vector<uint32_t>> words = ParseWords(*entry, kKinSpec);
        if (!words.ok()) return words.status();
        kin_terms_.emplace_back(words->front(), static_cast<uint8_t>(rules_.kin_groups.size()));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<WhoMask> ReadWho(const YAML::Node& node, std::string_view key) const {
    const auto names = node.IsSequence() ? node : YAML::Node();
    if (!node.IsSequence() || node.size() == 0) {
      return Error(node,
                   fmt::format("`{}` is a list of kinship groups (see `kinship:`) or `none`", key));
    }
    WhoMask mask = 0;
    for (const YAML::Node& item : names) {
      const std::string name = item.IsScalar() ? item.Scalar() : std::string();
      if (name == "none") {
        mask |= kWhoNobody;
        continue;
      }
      const auto it = std::find(rules_.kin_groups.begin(), rules_.kin_groups.end(), name);
      if (it == rules_.kin_groups.end()) {
        return Error(item,
                     fmt::format("`{}` names `{}`, which `kinship:` does not define", key, name));
      }
      mask |= 1u << (it - rules_.kin_groups.begin() + 1);
    }
    return mask;
  }

  absl::Status ReadPriority(const Field& field, ekc::v1::Priority* priority) const {
    absl::StatusOr<std::string> text = ReadText(field, "priority");
    if (!text.ok()) return text.status();
    static constexpr std::pair<std::string_view, ekc::v1::Priority> kPriorities[] = {
        {"low", ekc::v1::PRIORITY_LOW},
        {"normal", ekc::v1::PRIORITY_NORMAL},
        {"high", ekc::v1::PRIORITY_HIGH},
        {"urgent", ekc::v1::PRIORITY_URGENT},
    };
    for (const auto& [name, value] : kPriorities) {
      if (*text == name) {
        *priority = value;
        return absl::OkStatus();
      }
    }
    return Error(field.value,
                 fmt::format("unknown priority `{}`: use low, normal, high or urgent", *text));
  }

  absl::Status ReadCode(const YAML::Node& node,
                        const std::map<std::string, Field, std::less<>>& fields,
                        SituationInfo* info) {
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
    info->code = *code_text;

    const auto title = fields.find("title");
    if (title == fields.end()) {
      return Error(node, fmt::format("situation `{}` needs a `title`", info->code));
    }
    absl::StatusOr<std::string> title_text = ReadText(title->second, "title");
    if (!title_text.ok()) return title_text.status();
    if (title_text->size() > kTitleBytesMax) {
      return Error(title->second.value, fmt::format("title longer than {} bytes", kTitleBytesMax));
    }
    info->title = *title_text;
    return absl::OkStatus();
  }

  // priority, skills, queue, channels, weight, threshold, gap.
  absl::Status ReadSituationSettings(const std::map<std::string, Field, std::less<>>& fields,
                                     SituationInfo* info, CompiledSituation* compiled) {
    info->priority = ekc::v1::PRIORITY_NORMAL;
    if (const auto it = fields.find("priority"); it != fields.end()) {
      if (absl::Status s = ReadPriority(it->second, &info->priority); !s.ok()) return s;
    }
    if (const auto it = fields.find("skills"); it != fields.end()) {
      absl::StatusOr<std::vector<std::string>> skills = ReadNames(it->second, "skills");
      if (!skills.ok()) return skills.status();
      info->skills = std::move(*skills);
    }
    if (const auto it = fields.find("queue"); it != fields.end()) {
      absl::StatusOr<std::string> queue = ReadText(it->second, "queue");
      if (!queue.ok()) return queue.status();
      if (!IsValidName(*queue)) {
        return Error(it->second.value,
                     fmt::format("a queue name is Latin letters, digits, _ . and -, at most {} "
                                 "characters",
                                 kNameBytesMax));
      }
      info->queue = *queue;
    }
    if (const auto it = fields.find("channels"); it != fields.end()) {
      absl::StatusOr<uint32_t> channels = ReadChannels(it->second);
      if (!channels.ok()) return channels.status();
      compiled->channels = *channels;
    }
    situation_weight_ = 1;
    if (const auto it = fields.find("weight"); it != fields.end()) {
      absl::StatusOr<double> value = ReadPositive(it->second.value, "weight");
      if (!value.ok()) return value.status();
      situation_weight_ = *value;
    }
    compiled->threshold = default_threshold_;
    if (const auto it = fields.find("threshold"); it != fields.end()) {
      absl::StatusOr<double> value = ReadPositive(it->second.value, "threshold");
      if (!value.ok()) return value.status();
      compiled->threshold = *value;
    }
    situation_gap_ = default_gap_;
    if (const auto it = fields.find("gap"); it != fields.end()) {
      absl::StatusOr<uint32_t> value = ReadGap(it->second.value);
      if (!value.ok()) return value.status();
      situation_gap_ = *value;
    }
    return absl::OkStatus();
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
    compiled.tie_rank = kUnranked;
    if (absl::Status s = ReadCode(node, fields, &info); !s.ok()) return s;
    if (absl::Status s = ReadSituationSettings(fields, &info, &compiled); !s.ok()) return s;

    compiled.patterns_begin = static_cast<uint32_t>(rules_.patterns.size());
    size_t evidence = 0;
    size_t entries = 0;
    for (const ListSpec& spec : kListSpecs) {
      const auto list = fields.find(spec.key);
      if (list == fields.end()) continue;
      absl::Status s = CompileList(spec, list->second, index, &entries);
      if (!s.ok()) return s;
      if (spec.role == PatternRole::kEvidence) evidence += list->second.value.size();
    }
    if (const auto ivr = fields.find("ivr"); ivr != fields.end()) {
      if (absl::Status s = CompileIvr(ivr->second, &compiled, &entries); !s.ok()) return s;
      evidence += compiled.ivr.size();
    }
    compiled.patterns_end = static_cast<uint32_t>(rules_.patterns.size());
    if (evidence == 0) {
      return Error(node,
                   fmt::format("situation `{}` has no matchers: add words, phrases, regexes or ivr",
                               info.code));
    }
    rules_.infos.push_back(std::move(info));
    rules_.situations.push_back(std::move(compiled));
    return absl::OkStatus();
  }

  // A list's entry: a plain text, or a map with the entry key and options.
  struct Entry {
    // Where to point errors. A mark, not a YAML::Node: assigning one Node to another rebinds
    // nothing in yaml-cpp — it overwrites the referenced node in the document.
    YAML::Mark mark;
    std::string text;
    double weight = 0;  // 0 = the situation's weight
    bool negatable = false;
    bool fuzzy = true;
    bool urgent = false;
    int gap = -1;  // -1 = the situation's gap
    WhoMask who = 0;
    WhoMask near = 0;
  };

  absl::StatusOr<bool> ReadBool(const YAML::Node& value, std::string_view name) const {
    bool result = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
      return Error(value, fmt::format("`{}` must be true or false", name));
    }
    return result;
  }

  absl::Status ReadOption(const std::string& name, const YAML::Node& value, Entry* entry) const {
    if (name == "weight") {
      absl::StatusOr<double> weight = ReadPositive(value, "weight");
      if (!weight.ok()) return weight.status();
      entry->weight = *weight;
    } else if (name == "gap") {
      absl::StatusOr<uint32_t> gap = ReadGap(value);
      if (!gap.ok()) return gap.status();
      entry->gap = static_cast<int>(*gap);
    } else if (name == "who" || name == "near") {
      absl::StatusOr<WhoMask> who = ReadWho(value, name);
      if (!who.ok()) return who.status();
      (name == "who" ? entry->who : entry->near) = *who;
    } else {
      absl::StatusOr<bool> flag = ReadBool(value, name);
      if (!flag.ok()) return flag.status();
      (name == "negatable" ? entry->negatable
       : name == "fuzzy"   ? entry->fuzzy
                           : entry->urgent) = *flag;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Entry> ReadEntry(const YAML::Node& item, const ListSpec& spec) const {
    Entry entry;
    entry.mark = item.Mark();
    if (item.IsScalar()) {
      entry.text = item.Scalar();
    } else if (item.IsMap()) {
      for (auto it = item.begin(); it != item.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        const std::string name = key.IsScalar() ? key.Scalar() : std::string();
        if (name == spec.entry_key) {
          if (!value.IsScalar()) return Error(value, fmt::format("`{}` must be a text", name));
          entry.text = value.Scalar();
          entry.mark = value.Mark();
        } else if (std::find(spec.options.begin(), spec.options.end(), name) !=
                   spec.options.end()) {
          if (absl::Status s = ReadOption(name, value, &entry); !s.ok()) return s;
        } else {
          std::string known(spec.entry_key);
          for (std::string_view option : spec.options) known += fmt::format(", {}", option);
          return Error(key, fmt::format("unknown key `{}` in an entry of `{}`; known keys: {}",
                                        name, spec.key, known));
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
                           size_t* entries) {
    if (absl::Status s = CheckList(field); !s.ok()) return s;
    if (absl::Status s = CountEntries(field, entries); !s.ok()) return s;
    std::map<std::string, int, std::less<>> seen;  // normalised entry → line
    for (const YAML::Node& item : field.value) {
      absl::StatusOr<Entry> entry = ReadEntry(item, spec);
      if (!entry.ok()) return entry.status();
      Pattern pattern;
      std::string key;
      if (IsRegexSpec(spec)) {
        absl::StatusOr<int32_t> regex = CompileRegex(*entry, rules_.patterns.size());
        if (!regex.ok()) return regex.status();
        pattern.regex = *regex;
        key = entry->text;
      } else {
        absl::StatusOr<std::vector<uint32_t>> words = ParseWords(*entry, spec);
        if (!words.ok()) return words.status();
        for (uint32_t id : *words) key += fmt::format("{} ", id);
        pattern.words = std::move(*words);
      }
      const int line = entry->mark.line + 1;
      if (const auto [it, inserted] = seen.emplace(key, line); !inserted) {
        return ErrorAt(entry->mark,
                       fmt::format("«{}» is already listed in `{}` at line {}",
                                   CollapseWhitespace(entry->text), spec.key, it->second));
      }
      pattern.situation = situation;
      pattern.role = spec.role;
      pattern.weight = spec.role == PatternRole::kEvidence
                           ? (entry->weight > 0 ? entry->weight : situation_weight_)
                           : 0;
      pattern.gap = entry->gap >= 0 ? static_cast<uint32_t>(entry->gap) : situation_gap_;
      pattern.negatable = entry->negatable;
      pattern.urgent = entry->urgent;
      pattern.who = entry->who;
      pattern.near = entry->near & ~kWhoNobody;
      pattern.matcher = fmt::format("{}:{}", spec.label, CollapseWhitespace(entry->text));
      rules_.patterns.push_back(std::move(pattern));
    }
    return absl::OkStatus();
  }

  // Compiles one regular expression; returns its index in rules_.regexes.
  absl::StatusOr<int32_t> CompileRegex(const Entry& entry, size_t pattern) {
    if (entry.text.size() > kRegexBytesMax) {
      return ErrorAt(entry.mark, fmt::format("a regex is longer than {} bytes", kRegexBytesMax));
    }
    if (rules_.regexes.size() == kRegexesMax) {
      return ErrorAt(entry.mark, fmt::format("more than {} regexes", kRegexesMax));
    }
    // The text it runs on has ё folded to е; fold the pattern the same way.
    std::string source = entry.text;
    for (const std::string_view yo : {"ё", "Ё"}) {
      for (size_t at = source.find(yo); at != std::string::npos; at = source.find(yo, at)) {
        source.replace(at, yo.size(), "е");
      }
    }
    auto regex = std::make_unique<RE2>(source, RegexOptions());
    if (!regex->ok()) {
      return ErrorAt(entry.mark, fmt::format("regex «{}»: {}", entry.text, regex->error()));
    }
    if (RE2::PartialMatch("", *regex)) {
      return ErrorAt(entry.mark,
                     fmt::format("regex «{}» matches an empty text, so it would match every "
                                 "message",
                                 entry.text));
    }
    regex_sources_.push_back(source);
    rules_.regexes.push_back(std::move(regex));
    rules_.regex_patterns.push_back(static_cast<uint32_t>(pattern));
    return static_cast<int32_t>(rules_.regexes.size() - 1);
  }

  static RE2::Options RegexOptions() {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(false);
    options.set_max_mem(kRegexMemoryBytesMax);
    return options;
  }

  // Turns «=мать одиночк» into terms. The entry is normalised like a citizen's text (so
  // «ребёнок-инвалид» is two words, ё is е, «1,5» is one number and «эм эс э» is «мсэ»); a piece
  // written with a leading «=» gives whole words. A stem must have kStemLettersMin letters; inside
  // a phrase a shorter word («не», «на», «в») is matched whole.
  absl::StatusOr<std::vector<uint32_t>> ParseWords(const Entry& entry, const ListSpec& spec) {
    const std::string shown = CollapseWhitespace(entry.text);
    std::string clean;  // the entry without its «=» marks
    std::vector<std::pair<size_t, size_t>> exact_ranges;
    for (std::string_view piece : SplitWhitespace(entry.text)) {
      const bool exact = piece.front() == '=';
      if (exact) piece.remove_prefix(1);
      if (!clean.empty()) clean.push_back(' ');
      if (exact) exact_ranges.emplace_back(clean.size(), clean.size() + piece.size());
      clean += piece;
      if (Tokenize(piece, 1).empty()) {
        return ErrorAt(entry.mark,
                       fmt::format("«{}» in «{}» has no letters or digits", piece, shown));
      }
    }
    const std::vector<Token> tokens = NormalizeText(clean, kPhraseWordsMax + 1).words;
    if (tokens.empty()) {
      return ErrorAt(entry.mark, fmt::format("«{}» has only filler words", shown));
    }
    if (tokens.size() > kPhraseWordsMax) {
      return ErrorAt(entry.mark,
                     fmt::format("«{}» has more than {} words", shown, kPhraseWordsMax));
    }
    if (tokens.size() < spec.words_min) {
      return ErrorAt(entry.mark, fmt::format("«{}» is one word: put it under `words:`", shown));
    }
    if (tokens.size() > spec.words_max) {
      return ErrorAt(entry.mark,
                     fmt::format("«{}» has {} words: put it under `phrases:` (a hyphen also "
                                 "separates words)",
                                 shown, tokens.size()));
    }
    std::vector<uint32_t> terms;
    for (const Token& token : tokens) {
      const bool exact = std::any_of(exact_ranges.begin(), exact_ranges.end(), [&](auto range) {
        return token.offset >= range.first && token.offset < range.second;
      });
      absl::StatusOr<Term> term = MakeTerm(token, exact, tokens.size(), entry, spec);
      if (!term.ok()) return term.status();
      terms.push_back(rules_.lexicon.Add(*term));
    }
    return terms;
  }

  absl::StatusOr<Term> MakeTerm(const Token& token, bool exact, size_t words, const Entry& entry,
                                const ListSpec& spec) const {
    if (token.is_number) return Term{token.number, TermKind::kNumber, false};
    const size_t letters = CodePointCount(token.normalized);
    const bool single = spec.words_max == 1 || words == 1;
    if (single && !exact && letters < kStemLettersMin) {
      return ErrorAt(entry.mark,
                     fmt::format("stem «{}» is shorter than {} letters and would match too many "
                                 "words; write «={}» to match this whole word only",
                                 token.normalized, kStemLettersMin, token.normalized));
    }
    if (single && exact && letters < 2 && spec.key != "kinship") {
      return ErrorAt(entry.mark,
                     fmt::format("«{}» is too short to be a word", CollapseWhitespace(entry.text)));
    }
    const bool whole = exact || letters < kStemLettersMin;
    return Term{token.normalized, whole ? TermKind::kExact : TermKind::kPrefix, entry.fuzzy};
  }

  absl::Status CompileIvr(const Field& field, CompiledSituation* situation, size_t* entries) {
    if (absl::Status s = CheckList(field); !s.ok()) return s;
    if (absl::Status s = CountEntries(field, entries); !s.ok()) return s;
    static const ListSpec kIvrSpec{"ivr", "ivr", "ivr", PatternRole::kEvidence, 1, 1, {"weight"}};
    for (const YAML::Node& item : field.value) {
      absl::StatusOr<Entry> entry = ReadEntry(item, kIvrSpec);
      if (!entry.ok()) return entry.status();
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
          IvrRule{choice, entry->weight > 0 ? entry->weight : situation_weight_, "ivr:" + choice});
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

  absl::Status BuildIndex(const YAML::Node& situations_key) {
    rules_.lexicon.Build();
    rules_.patterns_by_first_term.assign(rules_.lexicon.size(), {});
    for (uint32_t i = 0; i < rules_.patterns.size(); ++i) {
      const Pattern& pattern = rules_.patterns[i];
      if (!pattern.words.empty()) rules_.patterns_by_first_term[pattern.words.front()].push_back(i);
    }
    rules_.term_kin.assign(rules_.lexicon.size(), 0);
    for (const auto& [term, group] : kin_terms_) {
      if (rules_.term_kin[term] == 0) rules_.term_kin[term] = group;
    }
    if (rules_.regexes.empty()) return absl::OkStatus();
    auto set = std::make_unique<RE2::Set>(RegexOptions(), RE2::UNANCHORED);
    for (const std::string& source : regex_sources_) {
      std::string error;
      if (set->Add(source, &error) < 0) {
        return Error(situations_key, fmt::format("regex «{}»: {}", source, error));
      }
    }
    if (!set->Compile()) {
      return Error(situations_key,
                   fmt::format("the regexes together need more than {} MiB; simplify them",
                               kRegexMemoryBytesMax >> 20));
    }
    rules_.regex_set = std::move(set);
    return absl::OkStatus();
  }

  std::string_view text_;
  std::string file_name_;
  double default_threshold_ = 1;
  uint32_t default_gap_ = 0;
  double situation_weight_ = 1;
  uint32_t situation_gap_ = 0;
  std::map<std::string, int, std::less<>> code_lines_;
  std::vector<std::pair<uint32_t, uint8_t>> kin_terms_;  // term → kinship group + 1
  std::vector<std::string> regex_sources_;
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
