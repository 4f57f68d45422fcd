#pragma once

// Strong identity types shared by every folder: a ContactId is not an OperatorId is not a Sequence,
// even where both are integers underneath.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ekc {

// The characters of a name people and programs type: an operator id, a token's name.
constexpr bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '-';
}

template <typename Tag, typename T>
class StrongId {
 public:
  using ValueType = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T value) : value_(std::move(value)) {}
  constexpr const T& value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  T value_{};
};

// A contact, numbered by the core from 1 upward; 0 means "no contact".
using ContactId = StrongId<struct ContactIdTag, uint64_t>;
// An operator, named by the centre ("op-1042").
using OperatorId = StrongId<struct OperatorIdTag, std::string>;
// A position in the event log, from 1 upward without gaps; 0 means "before the first event".
using Sequence = StrongId<struct SequenceTag, uint64_t>;

inline Sequence Next(Sequence s) { return Sequence(s.value() + 1); }

// For test failure messages and logs.
template <typename Tag, typename T>
std::ostream& operator<<(std::ostream& out, const StrongId<Tag, T>& id) {
  return out << id.value();
}

}  // namespace ekc

template <typename Tag, typename T>
struct std::hash<ekc::StrongId<Tag, T>> {
  size_t operator()(const ekc::StrongId<Tag, T>& id) const noexcept {
    return std::hash<T>{}(id.value());
  }
};

template <typename Tag, typename T>
struct fmt::formatter<ekc::StrongId<Tag, T>> : fmt::formatter<T> {
  auto format(const ekc::StrongId<Tag, T>& id, fmt::format_context& ctx) const {
    return fmt::formatter<T>::format(id.value(), ctx);
  }
};
