#pragma once

// Request validation: every RPC's input is checked here before anything else sees it, and a bad
// field gets INVALID_ARGUMENT naming it ("text: ...", "login.operator_id: ..."). The limits are the
// API's (proto/ekc/v1/*.proto documents them).

#include <cstdint>

#include "absl/status/status.h"
#include "ekc/v1/admin.pb.h"
#include "ekc/v1/intake.pb.h"
#include "ekc/v1/operator_desk.pb.h"
#include "ekc/v1/supervision.pb.h"

namespace ekc::daemon {

inline constexpr size_t kIdempotencyKeyBytesMax = 128;
inline constexpr size_t kCitizenRefBytesMax = 128;
inline constexpr size_t kRegionBytesMax = 16;
inline constexpr size_t kTextBytesMax = 64 * 1024;
inline constexpr size_t kIvrChoiceBytesMax = 32;
inline constexpr size_t kAttributesMax = 32;
inline constexpr size_t kAttributeKeyBytesMax = 64;
inline constexpr size_t kAttributeValueBytesMax = 1024;
inline constexpr size_t kReasonBytesMax = 256;
inline constexpr size_t kOfficeBytesMax = 64;
inline constexpr size_t kCallbackRefBytesMax = 128;
inline constexpr uint32_t kListLimitDefault = 100;
inline constexpr uint32_t kListLimitMax = 1000;
// Queues named in one WatchDashboardRequest, at most.
inline constexpr size_t kDashboardQueuesMax = 256;
inline constexpr size_t kOperatorIdBytesMax = 64;
inline constexpr size_t kNameBytesMax = 128;
inline constexpr size_t kSkillsMax = 64;
inline constexpr size_t kSkillNameBytesMax = 64;
inline constexpr uint32_t kProficiencyMax = 10;
inline constexpr uint32_t kChannelCapacityMax = 100;
inline constexpr size_t kOutcomeCodeBytesMax = 64;
inline constexpr size_t kNotesBytesMax = 4096;
inline constexpr size_t kBreakReasonBytesMax = 64;
// The largest request ekcd reads; gRPC refuses bigger messages before they reach a handler.
inline constexpr int kRequestBytesMax = 256 * 1024;
static_assert(kTextBytesMax + kAttributesMax * (kAttributeKeyBytesMax + kAttributeValueBytesMax) +
                      4096 <
                  kRequestBytesMax,
              "a valid SubmitContact must fit in a request");

absl::Status ValidateSubmitContact(const ekc::v1::SubmitContactRequest& request);
absl::Status ValidateCancelContact(const ekc::v1::CancelContactRequest& request);
absl::Status ValidateRequestCallback(const ekc::v1::RequestCallbackRequest& request);
absl::Status ValidateWatchContact(const ekc::v1::WatchContactRequest& request);
absl::Status ValidateReassign(const ekc::v1::ReassignContactRequest& request);
absl::Status ValidateChangePriority(const ekc::v1::ChangePriorityRequest& request);
absl::Status ValidateForceOperatorState(const ekc::v1::ForceOperatorStateRequest& request);
absl::Status ValidateSetQueuePaused(const ekc::v1::SetQueuePausedRequest& request);
absl::Status ValidateListContacts(const ekc::v1::ListContactsRequest& request);
// Whether the named queues exist is the core's to check (it knows the config).
absl::Status ValidateWatchDashboard(const ekc::v1::WatchDashboardRequest& request);
absl::Status ValidateClassify(const ekc::v1::ClassifyRequest& request);
// A desk request other than Login must come after a Login; that is the desk service's to check.
absl::Status ValidateDeskRequest(const ekc::v1::DeskRequest& request);

// A stable hash of what a SubmitContact asks for, to tell a retry from a reuse of its idempotency
// key.
uint64_t SubmitFingerprint(const ekc::v1::SubmitContactRequest& request);

}  // namespace ekc::daemon
