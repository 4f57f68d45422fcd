#include "router/classifier.h"

namespace ekc::router {

const SituationInfo* RuleSet::FindSituation(std::string_view code) const {
  for (const SituationInfo& s : situations()) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

}  // namespace ekc::router
