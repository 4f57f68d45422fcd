// Request validation: each bad field is named.

#include "daemon/validation.h"

#include <gtest/gtest.h>

namespace ekc::daemon {
namespace {

namespace v1 = ekc::v1;

v1::SubmitContactRequest Good() {
  v1::SubmitContactRequest r;
  r.set_idempotency_key("k");
  r.set_channel(v1::CHANNEL_CHAT);
  r.set_text("текст");
  return r;
}

void ExpectNames(const absl::Status& s, const std::string& field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(s.message()).rfind(field + ":", 0), 0u) << s;
}

TEST(ValidateSubmitContact, AcceptsAGoodRequest) {
  EXPECT_TRUE(ValidateSubmitContact(Good()).ok());
}

TEST(ValidateSubmitContact, NamesEachBadField) {
  auto r = Good();
  r.clear_idempotency_key();
  ExpectNames(ValidateSubmitContact(r), "idempotency_key");
  r = Good();
  r.set_idempotency_key(std::string(129, 'k'));
  ExpectNames(ValidateSubmitContact(r), "idempotency_key");
  r = Good();
  r.set_channel(v1::CHANNEL_UNSPECIFIED);
  ExpectNames(ValidateSubmitContact(r), "channel");
  r = Good();
  r.set_text(std::string(64 * 1024 + 1, 'a'));
  ExpectNames(ValidateSubmitContact(r), "text");
  r = Good();
  r.set_text(" \n");
  ExpectNames(ValidateSubmitContact(r), "text");
  r.set_ivr_choice("2");
  EXPECT_TRUE(ValidateSubmitContact(r).ok());
  r = Good();
  (*r.mutable_attributes())["k"] = std::string(2000, 'v');
  ExpectNames(ValidateSubmitContact(r), "attributes[k]");
}

TEST(ValidateDeskRequest, NamesEachBadField) {
  v1::DeskRequest r;
  ExpectNames(ValidateDeskRequest(r), "kind");
  r.mutable_login()->set_operator_id("bad id with spaces");
  ExpectNames(ValidateDeskRequest(r), "login.operator_id");
  r.mutable_login()->set_operator_id("op-1");
  r.mutable_login()->add_skills()->set_name("family");
  r.mutable_login()->mutable_skills(0)->set_proficiency(11);
  ExpectNames(ValidateDeskRequest(r), "login.skills.proficiency");
  r.mutable_accept()->set_contact_id(0);
  ExpectNames(ValidateDeskRequest(r), "accept.contact_id");
  r.mutable_complete()->set_contact_id(3);
  ExpectNames(ValidateDeskRequest(r), "complete.outcome_code");
  r.mutable_change_state()->set_state(v1::OPERATOR_STATE_BUSY);
  ExpectNames(ValidateDeskRequest(r), "change_state.state");
}

TEST(SubmitFingerprint, SameRequestSameFingerprintAndAnyChangeDiffers) {
  auto a = Good();
  auto b = Good();
  (*a.mutable_attributes())["x"] = "1";
  (*a.mutable_attributes())["y"] = "2";
  (*b.mutable_attributes())["y"] = "2";
  (*b.mutable_attributes())["x"] = "1";
  EXPECT_EQ(SubmitFingerprint(a), SubmitFingerprint(b));
  b.set_region("77");
  EXPECT_NE(SubmitFingerprint(a), SubmitFingerprint(b));
  b = a;
  b.set_idempotency_key("another key");  // the key itself is not part of what is asked
  EXPECT_EQ(SubmitFingerprint(a), SubmitFingerprint(b));
}

}  // namespace
}  // namespace ekc::daemon
