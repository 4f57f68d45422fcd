#include "daemon/validation.h"

#include <algorithm>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "base/hash.h"
#include "base/ids.h"
#include "base/status_macros.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

absl::Status Invalid(std::string_view field, std::string_view reason) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", field, reason));
}

absl::Status MaxBytes(std::string_view field, std::string_view value, size_t max) {
  if (value.size() > max) {
    return Invalid(field, fmt::format("{} bytes is too long (at most {})", value.size(), max));
  }
  return absl::OkStatus();
}

absl::Status Required(std::string_view field, std::string_view value, size_t max) {
  if (value.empty()) return Invalid(field, "required");
  return MaxBytes(field, value, max);
}

absl::Status Identifier(std::string_view field, std::string_view value, size_t max) {
  if (absl::Status s = Required(field, value, max); !s.ok()) return s;
  if (!std::all_of(value.begin(), value.end(), IsIdentifierChar)) {
    return Invalid(field, "may hold only letters A-Z a-z, digits and . _ : @ -");
  }
  return absl::OkStatus();
}

bool KnownChannel(v1::Channel channel) {
  return channel == v1::CHANNEL_VOICE || channel == v1::CHANNEL_CHAT ||
         channel == v1::CHANNEL_PORTAL || channel == v1::CHANNEL_MESSENGER;
}

absl::Status ContactId(std::string_view field, uint64_t id) {
  if (id == 0) return Invalid(field, "required (contact ids start at 1)");
  return absl::OkStatus();
}

absl::Status ValidateLogin(const v1::Login& login) {
  EKC_RETURN_IF_ERROR(Identifier("login.operator_id", login.operator_id(), kOperatorIdBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("login.name", login.name(), kNameBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("login.office", login.office(), kNameBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("login.region", login.region(), kRegionBytesMax));
  if (static_cast<size_t>(login.skills_size()) > kSkillsMax) {
    return Invalid("login.skills", fmt::format("at most {} skills", kSkillsMax));
  }
  for (const auto& skill : login.skills()) {
    EKC_RETURN_IF_ERROR(Identifier("login.skills.name", skill.name(), kSkillNameBytesMax));
    if (skill.proficiency() > kProficiencyMax) {
      return Invalid("login.skills.proficiency",
                     fmt::format("{} is out of 1..{}", skill.proficiency(), kProficiencyMax));
    }
  }
  for (const auto& ch : login.channels()) {
    if (!KnownChannel(ch.channel())) return Invalid("login.channels.channel", "unknown channel");
    if (ch.capacity() > kChannelCapacityMax) {
      return Invalid("login.channels.capacity", fmt::format("at most {}", kChannelCapacityMax));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSubmitContact(const v1::SubmitContactRequest& r) {
  EKC_RETURN_IF_ERROR(Required("idempotency_key", r.idempotency_key(), kIdempotencyKeyBytesMax));
  if (!KnownChannel(r.channel())) {
    return Invalid("channel",
                   "required: CHANNEL_VOICE, CHANNEL_CHAT, CHANNEL_PORTAL or CHANNEL_MESSENGER");
  }
  EKC_RETURN_IF_ERROR(MaxBytes("citizen_ref", r.citizen_ref(), kCitizenRefBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("region", r.region(), kRegionBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("office", r.office(), kOfficeBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("text", r.text(), kTextBytesMax));
  EKC_RETURN_IF_ERROR(MaxBytes("ivr_choice", r.ivr_choice(), kIvrChoiceBytesMax));
  const bool blank = std::all_of(r.text().begin(), r.text().end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (blank && r.ivr_choice().empty()) {
    return Invalid("text", "empty: give what the citizen said or wrote, or an ivr_choice");
  }
  if (static_cast<size_t>(r.attributes_size()) > kAttributesMax) {
    return Invalid("attributes",
                   fmt::format("{} entries, at most {}", r.attributes_size(), kAttributesMax));
  }
  for (const auto& [key, value] : r.attributes()) {
    EKC_RETURN_IF_ERROR(Required("attributes (key)", key, kAttributeKeyBytesMax));
    EKC_RETURN_IF_ERROR(
        MaxBytes(fmt::format("attributes[{}]", key), value, kAttributeValueBytesMax));
  }
  return absl::OkStatus();
}

absl::Status ValidateCancelContact(const v1::CancelContactRequest& r) {
  EKC_RETURN_IF_ERROR(ContactId("contact_id", r.contact_id()));
  return MaxBytes("reason", r.reason(), kReasonBytesMax);
}

absl::Status ValidateRequestCallback(const v1::RequestCallbackRequest& r) {
  EKC_RETURN_IF_ERROR(ContactId("contact_id", r.contact_id()));
  return MaxBytes("callback_ref", r.callback_ref(), kCallbackRefBytesMax);
}

absl::Status ValidateWatchContact(const v1::WatchContactRequest& r) {
  return ContactId("contact_id", r.contact_id());
}

absl::Status ValidateClassify(const v1::ClassifyRequest& r) {
  EKC_RETURN_IF_ERROR(MaxBytes("text", r.text(), kTextBytesMax));
  if (r.channel() != v1::CHANNEL_UNSPECIFIED && !KnownChannel(r.channel())) {
    return Invalid("channel", "unknown channel");
  }
  return MaxBytes("ivr_choice", r.ivr_choice(), kIvrChoiceBytesMax);
}

absl::Status ValidateDeskRequest(const v1::DeskRequest& r) {
  switch (r.kind_case()) {
    case v1::DeskRequest::kLogin:
      return ValidateLogin(r.login());
    case v1::DeskRequest::kChangeState:
      if (r.change_state().state() != v1::OPERATOR_STATE_AVAILABLE &&
          r.change_state().state() != v1::OPERATOR_STATE_BREAK) {
        return Invalid("change_state.state",
                       "must be OPERATOR_STATE_AVAILABLE or OPERATOR_STATE_BREAK");
      }
      return MaxBytes("change_state.break_reason", r.change_state().break_reason(),
                      kBreakReasonBytesMax);
    case v1::DeskRequest::kAccept:
      return ContactId("accept.contact_id", r.accept().contact_id());
    case v1::DeskRequest::kDecline:
      EKC_RETURN_IF_ERROR(ContactId("decline.contact_id", r.decline().contact_id()));
      return MaxBytes("decline.reason", r.decline().reason(), kReasonBytesMax);
    case v1::DeskRequest::kComplete:
      EKC_RETURN_IF_ERROR(ContactId("complete.contact_id", r.complete().contact_id()));
      EKC_RETURN_IF_ERROR(
          Identifier("complete.outcome_code", r.complete().outcome_code(), kOutcomeCodeBytesMax));
      return MaxBytes("complete.notes", r.complete().notes(), kNotesBytesMax);
    case v1::DeskRequest::kTransfer:
      EKC_RETURN_IF_ERROR(ContactId("transfer.contact_id", r.transfer().contact_id()));
      if (r.transfer().target_case() == v1::Transfer::TARGET_NOT_SET) {
        return Invalid("transfer.target", "name a queue or an operator_id");
      }
      if (r.transfer().has_operator_id()) {
        EKC_RETURN_IF_ERROR(
            Identifier("transfer.operator_id", r.transfer().operator_id(), kOperatorIdBytesMax));
      } else {
        EKC_RETURN_IF_ERROR(Required("transfer.queue", r.transfer().queue(), kSkillNameBytesMax));
      }
      return MaxBytes("transfer.note", r.transfer().note(), kReasonBytesMax);
    case v1::DeskRequest::kHeartbeat:
      return absl::OkStatus();
    case v1::DeskRequest::kLogout:
      return MaxBytes("logout.reason", r.logout().reason(), kReasonBytesMax);
    case v1::DeskRequest::KIND_NOT_SET:
      return Invalid("kind",
                     "empty request: set one of login, change_state, accept, decline, complete, "
                     "transfer, heartbeat, logout");
  }
  return Invalid("kind", "unknown request");
}

absl::Status ValidateReassign(const v1::ReassignContactRequest& r) {
  EKC_RETURN_IF_ERROR(ContactId("contact_id", r.contact_id()));
  EKC_RETURN_IF_ERROR(Identifier("operator_id", r.operator_id(), kOperatorIdBytesMax));
  return MaxBytes("note", r.note(), kReasonBytesMax);
}

absl::Status ValidateChangePriority(const v1::ChangePriorityRequest& r) {
  EKC_RETURN_IF_ERROR(ContactId("contact_id", r.contact_id()));
  if (r.priority() < v1::PRIORITY_LOW || r.priority() > v1::PRIORITY_URGENT) {
    return Invalid("priority",
                   "must be PRIORITY_LOW, PRIORITY_NORMAL, PRIORITY_HIGH or PRIORITY_URGENT");
  }
  return MaxBytes("note", r.note(), kReasonBytesMax);
}

absl::Status ValidateForceOperatorState(const v1::ForceOperatorStateRequest& r) {
  EKC_RETURN_IF_ERROR(Identifier("operator_id", r.operator_id(), kOperatorIdBytesMax));
  if (r.state() != v1::OPERATOR_STATE_AVAILABLE && r.state() != v1::OPERATOR_STATE_BREAK &&
      r.state() != v1::OPERATOR_STATE_OFFLINE) {
    return Invalid(
        "state",
        "must be OPERATOR_STATE_AVAILABLE, OPERATOR_STATE_BREAK or OPERATOR_STATE_OFFLINE");
  }
  EKC_RETURN_IF_ERROR(MaxBytes("break_reason", r.break_reason(), kBreakReasonBytesMax));
  return MaxBytes("note", r.note(), kReasonBytesMax);
}

absl::Status ValidateSetQueuePaused(const v1::SetQueuePausedRequest& r) {
  EKC_RETURN_IF_ERROR(Required("queue", r.queue(), kSkillNameBytesMax));
  return MaxBytes("note", r.note(), kReasonBytesMax);
}

absl::Status ValidateListContacts(const v1::ListContactsRequest& r) {
  if (r.limit() > kListLimitMax) return Invalid("limit", fmt::format("at most {}", kListLimitMax));
  if (r.situation().size() > kSkillNameBytesMax) {
    return Invalid("situation", fmt::format("longer than {} bytes", kSkillNameBytesMax));
  }
  return absl::OkStatus();
}

absl::Status ValidateWatchDashboard(const v1::WatchDashboardRequest& r) {
  if (r.max_waiting() > kListLimitMax) {
    return Invalid("max_waiting", fmt::format("at most {}", kListLimitMax));
  }
  if (static_cast<size_t>(r.queues_size()) > kDashboardQueuesMax) {
    return Invalid("queues", fmt::format("at most {} queues", kDashboardQueuesMax));
  }
  return absl::OkStatus();
}

uint64_t SubmitFingerprint(const v1::SubmitContactRequest& r) {
  StableHash h;
  h.AddInt(static_cast<uint64_t>(r.channel()));
  h.AddField(r.citizen_ref()).AddField(r.region()).AddField(r.text()).AddField(r.ivr_choice());
  // Fields added later count only when set, so that a request's fingerprint does not change with an
  // upgrade (a retry across it is still a retry).
  if (!r.office().empty()) h.AddField(r.office());
  const std::map<std::string, std::string> sorted(r.attributes().begin(), r.attributes().end());
  for (const auto& [key, value] : sorted) h.AddField(key).AddField(value);
  return h.value();
}

}  // namespace ekc::daemon
