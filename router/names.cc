#include "router/names.h"

namespace ekc::router {

namespace v1 = ekc::v1;

std::string_view ContactStateName(v1::ContactState state) {
  switch (state) {
    case v1::CONTACT_STATE_QUEUED:
      return "queued";
    case v1::CONTACT_STATE_OFFERED:
      return "offered";
    case v1::CONTACT_STATE_CONNECTED:
      return "connected";
    case v1::CONTACT_STATE_WRAP_UP:
      return "wrap_up";
    case v1::CONTACT_STATE_COMPLETED:
      return "completed";
    case v1::CONTACT_STATE_ABANDONED:
      return "abandoned";
    case v1::CONTACT_STATE_CALLBACK:
      return "callback";
    default:
      return "unspecified";
  }
}

std::string_view OperatorStateName(v1::OperatorState state) {
  switch (state) {
    case v1::OPERATOR_STATE_OFFLINE:
      return "offline";
    case v1::OPERATOR_STATE_AVAILABLE:
      return "available";
    case v1::OPERATOR_STATE_BREAK:
      return "break";
    case v1::OPERATOR_STATE_BUSY:
      return "busy";
    case v1::OPERATOR_STATE_WRAP_UP:
      return "wrap_up";
    case v1::OPERATOR_STATE_NOT_RESPONDING:
      return "not_responding";
    default:
      return "unspecified";
  }
}

std::string_view ChannelName(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_VOICE:
      return "voice";
    case v1::CHANNEL_CHAT:
      return "chat";
    case v1::CHANNEL_PORTAL:
      return "portal";
    case v1::CHANNEL_MESSENGER:
      return "messenger";
    default:
      return "unspecified";
  }
}

std::string_view PriorityName(v1::Priority priority) {
  switch (priority) {
    case v1::PRIORITY_LOW:
      return "low";
    case v1::PRIORITY_NORMAL:
      return "normal";
    case v1::PRIORITY_HIGH:
      return "high";
    case v1::PRIORITY_URGENT:
      return "urgent";
    default:
      return "unspecified";
  }
}

std::string_view RevokeReasonName(v1::RevokeReason reason) {
  switch (reason) {
    case v1::REVOKE_REASON_TIMEOUT:
      return "timeout";
    case v1::REVOKE_REASON_DECLINED:
      return "declined";
    case v1::REVOKE_REASON_OPERATOR_UNAVAILABLE:
      return "operator_unavailable";
    case v1::REVOKE_REASON_CONNECTION_LOST:
      return "connection_lost";
    case v1::REVOKE_REASON_CONTACT_CANCELLED:
      return "cancelled";
    default:
      return "unspecified";
  }
}

std::optional<v1::Channel> ParseChannel(std::string_view name) {
  for (v1::Channel c :
       {v1::CHANNEL_VOICE, v1::CHANNEL_CHAT, v1::CHANNEL_PORTAL, v1::CHANNEL_MESSENGER}) {
    if (ChannelName(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<v1::Priority> ParsePriority(std::string_view name) {
  for (v1::Priority p :
       {v1::PRIORITY_LOW, v1::PRIORITY_NORMAL, v1::PRIORITY_HIGH, v1::PRIORITY_URGENT}) {
    if (PriorityName(p) == name) return p;
  }
  return std::nullopt;
}

}  // namespace ekc::router
