// Any bytes as a rules file: RuleSet::Compile either compiles them or refuses them with
// INVALID_ARGUMENT "fuzz.yaml:LINE:COLUMN: reason" — never a crash, a leak or an exception. A file
// that compiles classifies a few texts without trouble.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "router/classifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto rules = ekc::router::RuleSet::Compile(yaml, "fuzz.yaml");
  if (!rules.ok()) {
    if (rules.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    if (rules.status().message().substr(0, 9) != "fuzz.yaml") std::abort();
    return 0;
  }
  for (std::string_view text : {"", "ребёнок не инвалид", "алло эм эс э 3 детей", "\xFF\xFE"}) {
    const auto c =
        (*rules)->Classify(ekc::router::ClassifyInput{text, ekc::v1::CHANNEL_VOICE, "1"});
    if (c.rules_version() != (*rules)->version()) std::abort();
  }
  return 0;
}
