#include "tools/ekcutl/staffing_file.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "daemon/yaml_reader.h"

namespace ekc::utl::log {

namespace v1 = ekc::v1;

namespace {

using daemon::YamlReader;

constexpr int64_t kShiftOffsetSecondsMax = 366LL * 24 * 3600;
constexpr int64_t kOperatorsPerEntryMax = 10'000;
constexpr int64_t kAcceptDelayMsMax = 3'600'000;

std::vector<v1::Skill> ParseSkills(const YamlReader& r, const YAML::Node& v) {
  std::vector<v1::Skill> skills;
  if (v.IsSequence()) {
    for (const std::string& name : r.StringList(v, "skills")) {
      v1::Skill s;
      s.set_name(name);
      skills.push_back(std::move(s));
    }
    return skills;
  }
  if (!v.IsMap()) r.Fail(v, "skills must be a list of skills or a mapping of skill to proficiency");
  for (const auto& kv : v) {
    v1::Skill s;
    s.set_name(r.String(kv.first, "a skill"));
    s.set_proficiency(static_cast<uint32_t>(r.Integer(kv.second, "a proficiency", 1, 10)));
    skills.push_back(std::move(s));
  }
  return skills;
}

std::vector<v1::ChannelCapacity> ParseChannels(const YamlReader& r, const YAML::Node& v) {
  static const std::map<std::string, v1::Channel> kChannels = {
      {"voice", v1::CHANNEL_VOICE},
      {"chat", v1::CHANNEL_CHAT},
      {"portal", v1::CHANNEL_PORTAL},
      {"messenger", v1::CHANNEL_MESSENGER}};
  if (!v.IsMap()) r.Fail(v, "channels must be a mapping of channel to capacity, e.g. {chat: 2}");
  std::vector<v1::ChannelCapacity> channels;
  for (const auto& kv : v) {
    const std::string name = r.String(kv.first, "a channel");
    auto it = kChannels.find(name);
    if (it == kChannels.end())
      r.Fail(kv.first,
             fmt::format("channel must be voice, chat, portal or messenger, not \"{}\"", name));
    v1::ChannelCapacity c;
    c.set_channel(it->second);
    c.set_capacity(static_cast<uint32_t>(r.Integer(kv.second, name, 1, 100)));
    channels.push_back(std::move(c));
  }
  return channels;
}

// One entry of the list: `count` operators alike.
void ParseEntry(const YamlReader& r, const YAML::Node& node, int64_t first_unix_ms,
                std::vector<RecordedOperator>& out) {
  router::command::Login login{.ready = true};
  int64_t count = 1, start_s = 0, end_s = -1, accept_delay_ms = 0;
  r.ForEachKey(node, "an operator",
               {"id", "name", "count", "skills", "channels", "office", "region", "start_s", "end_s",
                "accept_delay_ms"},
               [&](const std::string& k, const YAML::Node& x) {
                 if (k == "id") login.operator_id = OperatorId(r.String(x, k));
                 if (k == "name") login.name = r.String(x, k);
                 if (k == "count") count = r.Integer(x, k, 1, kOperatorsPerEntryMax);
                 if (k == "skills") login.skills = ParseSkills(r, x);
                 if (k == "channels") login.channels = ParseChannels(r, x);
                 if (k == "office") login.office = r.String(x, k);
                 if (k == "region") login.region = r.String(x, k);
                 if (k == "start_s") start_s = r.Integer(x, k, 0, kShiftOffsetSecondsMax);
                 if (k == "end_s") end_s = r.Integer(x, k, 0, kShiftOffsetSecondsMax);
                 if (k == "accept_delay_ms")
                   accept_delay_ms = r.Integer(x, k, 0, kAcceptDelayMsMax);
               });
  if (login.operator_id.value().empty()) r.Fail(node, "an operator needs an id");
  if (end_s >= 0 && end_s <= start_s) r.Fail(node, "end_s must come after start_s");
  for (int64_t i = 1; i <= count; ++i) {
    RecordedOperator op;
    op.id = count == 1 ? login.operator_id
                       : OperatorId(fmt::format("{}.{}", login.operator_id.value(), i));
    op.accept_delay_ms = accept_delay_ms;
    OperatorStep in{.at_unix_ms = first_unix_ms + 1000 * start_s, .login = login};
    in.login.operator_id = op.id;
    op.steps.push_back(std::move(in));
    if (end_s >= 0) {
      op.steps.push_back(OperatorStep{.at_unix_ms = first_unix_ms + 1000 * end_s,
                                      .kind = OperatorStep::Kind::kLogout});
    }
    out.push_back(std::move(op));
  }
}

}  // namespace

absl::StatusOr<std::vector<RecordedOperator>> ParseStaffing(const std::string& yaml_text,
                                                            const std::string& path,
                                                            int64_t first_unix_ms) {
  using Operators = std::vector<RecordedOperator>;
  absl::StatusOr<Operators> parsed = daemon::ParseYaml<Operators>(
      yaml_text, path, "the staffing file", [&](const YamlReader& r, const YAML::Node& root) {
        Operators out;
        r.ForEachKey(root, "the staffing file", {"operators"},
                     [&](const std::string&, const YAML::Node& list) {
                       if (!list.IsSequence() || list.size() == 0)
                         r.Fail(list, "operators must be a list of at least one operator");
                       for (const YAML::Node& entry : list)
                         ParseEntry(r, entry, first_unix_ms, out);
                     });
        if (out.empty()) r.Fail(root, "operators: the list of operators is required");
        std::set<OperatorId> ids;
        for (const RecordedOperator& op : out) {
          if (!ids.insert(op.id).second)
            r.Fail(root, fmt::format("operator {} is listed twice", op.id));
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return out;
      });
  return parsed;
}

absl::StatusOr<std::vector<RecordedOperator>> LoadStaffingFile(const std::string& path,
                                                               int64_t first_unix_ms) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the staffing file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseStaffing(text.str(), path, first_unix_ms);
}

}  // namespace ekc::utl::log
