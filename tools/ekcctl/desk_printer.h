#pragma once

// Text for the operator desk: what ekcd said on the stream and what ekcctl sent, as a person reads
// it.

#include <cstdint>
#include <string>
#include <vector>

#include "ekc/v1/operator_desk.pb.h"

namespace ekc::ctl {

// The lines that show `event`. `answered` is the request it answers (by request_id), or null for a
// push; `now_unix_ms` turns the offer's deadline into "in N s".
std::vector<std::string> DescribeDeskEvent(const ekc::v1::DeskEvent& event,
                                           const ekc::v1::DeskRequest* answered,
                                           int64_t now_unix_ms);

// "accept contact 3", "complete contact 3 (consulted)", "login as op1 (ready)".
std::string DescribeDeskRequest(const ekc::v1::DeskRequest& request);

}  // namespace ekc::ctl
