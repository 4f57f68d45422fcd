#include "tools/ekcctl/operator_options.h"

#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "router/names.h"

namespace ekc::ctl {

namespace v1 = ekc::v1;

namespace {

// A list item "name" or "name:number".
struct Item {
  std::string_view name;
  std::optional<uint32_t> number;
};

std::vector<std::string_view> SplitList(std::string_view list) {
  std::vector<std::string_view> items;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return items;
}

absl::StatusOr<Item> ParseItem(std::string_view option, std::string_view text) {
  const size_t colon = text.find(':');
  Item item{.name = text.substr(0, colon)};
  if (item.name.empty()) {
    return absl::InvalidArgumentError(fmt::format("{} {}: a name is missing", option, text));
  }
  if (colon == std::string_view::npos) return item;
  const std::string_view digits = text.substr(colon + 1);
  uint32_t number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    return absl::InvalidArgumentError(
        fmt::format("{} {}: \"{}\" is not a whole number", option, text, digits));
  }
  item.number = number;
  return item;
}

}  // namespace

absl::StatusOr<std::vector<v1::Skill>> ParseSkills(std::string_view list) {
  std::vector<v1::Skill> skills;
  for (std::string_view text : SplitList(list)) {
    absl::StatusOr<Item> item = ParseItem("--skills", text);
    if (!item.ok()) return item.status();
    v1::Skill& skill = skills.emplace_back();
    skill.set_name(std::string(item->name));
    skill.set_proficiency(item->number.value_or(0));  // 0: ekcd's default proficiency
  }
  return skills;
}

absl::StatusOr<std::vector<v1::ChannelCapacity>> ParseChannels(std::string_view list) {
  std::vector<v1::ChannelCapacity> channels;
  for (std::string_view text : SplitList(list)) {
    absl::StatusOr<Item> item = ParseItem("--channels", text);
    if (!item.ok()) return item.status();
    const std::optional<v1::Channel> channel = router::ParseChannel(item->name);
    if (!channel) {
      return absl::InvalidArgumentError(
          fmt::format("--channels {}: unknown channel (voice, chat, portal or messenger)", text));
    }
    v1::ChannelCapacity& capacity = channels.emplace_back();
    capacity.set_channel(*channel);
    capacity.set_capacity(item->number.value_or(1));
  }
  return channels;
}

absl::StatusOr<v1::Login> MakeLogin(const OperatorOptions& options) {
  absl::StatusOr<std::vector<v1::Skill>> skills = ParseSkills(options.skills);
  if (!skills.ok()) return skills.status();
  absl::StatusOr<std::vector<v1::ChannelCapacity>> channels = ParseChannels(options.channels);
  if (!channels.ok()) return channels.status();
  v1::Login login;
  login.set_operator_id(options.operator_id);
  login.set_name(options.name);
  login.set_office(options.office);
  login.set_region(options.region);
  for (v1::Skill& skill : *skills) *login.add_skills() = std::move(skill);
  for (v1::ChannelCapacity& channel : *channels) *login.add_channels() = std::move(channel);
  login.set_ready(!options.break_after_login);
  return login;
}

}  // namespace ekc::ctl
