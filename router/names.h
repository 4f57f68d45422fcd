#pragma once

// Short lowercase names for the API's enums, as people read them in messages, logs and JSON:
// "queued", "wrap_up", "voice", "urgent". The inverse parsers accept exactly these names.

#include <optional>
#include <string_view>

#include "ekc/v1/common.pb.h"
#include "ekc/v1/events.pb.h"

namespace ekc::router {

std::string_view ContactStateName(ekc::v1::ContactState state);
std::string_view OperatorStateName(ekc::v1::OperatorState state);
std::string_view ChannelName(ekc::v1::Channel channel);
std::string_view PriorityName(ekc::v1::Priority priority);
std::string_view RevokeReasonName(ekc::v1::RevokeReason reason);

std::optional<ekc::v1::Channel> ParseChannel(std::string_view name);
std::optional<ekc::v1::Priority> ParsePriority(std::string_view name);

}  // namespace ekc::router
