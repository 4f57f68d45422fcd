// Any bytes as a citizen's text (malformed UTF-8, empty, huge) classified with the default rules:
// a result every time, whose terms point inside the text and hold valid UTF-8 (they go into
// protobuf strings), and whose explanation agrees with the classification.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "router/classifier.h"
#include "router/text.h"

namespace {

const ekc::router::RuleSet& DefaultRules() {
  static const std::shared_ptr<const ekc::router::RuleSet> rules = [] {
    std::ifstream in(std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    auto compiled = ekc::router::RuleSet::Compile(text.str(), "default.yaml");
    if (!compiled.ok()) std::abort();
    return *compiled;
  }();
  return *rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks the channel and an IVR choice; the rest is the text.
  const auto channel = static_cast<ekc::v1::Channel>(size > 0 ? data[0] % 5 : 0);
  const std::string_view ivr = size > 0 && (data[0] & 0x80) ? "3.1" : "";
  const std::string_view text = size > 0 ? input.substr(1) : input;
  const ekc::router::ClassifyInput request{text, channel, ivr};
  const ekc::v1::Classification c = DefaultRules().Classify(request);
  for (const auto& situation : c.situations()) {
    for (const auto& term : situation.terms()) {
      if (uint64_t{term.offset()} + term.length() > text.size()) std::abort();
      if (ekc::router::FindInvalidUtf8(term.text()) != std::string_view::npos) std::abort();
    }
  }
  if (c.priority() == ekc::v1::PRIORITY_UNSPECIFIED) std::abort();
  if (size < 4096) {
    const ekc::router::Explanation e = DefaultRules().Explain(request);
    if (e.classification.SerializeAsString() != c.SerializeAsString()) std::abort();
  }
  return 0;
}
