#pragma once

// YamlReader: reading ekcd's YAML files (the config, the token file) with an error that names
// "file:line:column: reason" for every wrong value, unknown key or wrong shape. Errors are thrown
// inside a parser only and become an absl::Status at its edge (ParseYaml), so that no exception
// crosses a library boundary.

#include <cstdint>
#include <functional>
#include <locale>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ekc::daemon {

// Raised inside a parser only, and turned into a Status at its edge: it carries the position.
struct YamlError {
  std::string message;
};

class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}

  std::string Where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    return fmt::format("{}:{}:{}", path_, mark.line + 1, mark.column + 1);
  }

  [[noreturn]] void Fail(const YAML::Node& node, std::string_view reason) const {
    throw YamlError{fmt::format("{}: {}", Where(node), reason)};
  }

  // Calls `handle` for each key of a mapping; an unknown key is an error naming it.
  void ForEachKey(const YAML::Node& map, std::string_view what, const std::set<std::string>& known,
                  const std::function<void(const std::string&, const YAML::Node&)>& handle) const {
    if (!map.IsMap()) Fail(map, fmt::format("{} must be a mapping of keys to values", what));
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (!known.contains(key)) {
        Fail(kv.first, fmt::format("unknown key \"{}\" in {} (known: {})", key, what,
                                   fmt::join(known, ", ")));
      }
      handle(key, kv.second);
    }
  }

  std::string String(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) Fail(node, fmt::format("{} must be a text value", key));
    return node.as<std::string>();
  }

  int64_t Integer(const YAML::Node& node, std::string_view key, int64_t min, int64_t max) const {
    if (!node.IsScalar()) Fail(node, fmt::format("{} must be a number", key));
    int64_t value = 0;
    std::istringstream in(node.Scalar());
    if (!(in >> value) || !in.eof())
      Fail(node, fmt::format("{} must be a whole number, not \"{}\"", key, node.Scalar()));
    if (value < min || value > max)
      Fail(node, fmt::format("{} must be between {} and {}", key, min, max));
    return value;
  }

  bool Bool(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      Fail(node, fmt::format("{} must be true or false", key));
    }
    return node.Scalar() == "true";
  }

  // A number in (0, 1], e.g. 0.8.
  double Fraction(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) Fail(node, fmt::format("{} must be a number", key));
    double value = 0;
    std::istringstream in(node.Scalar());
    in.imbue(std::locale::classic());
    if (!(in >> value) || !in.eof() || !(value > 0 && value <= 1)) {
      Fail(node, fmt::format("{} must be a fraction above 0 and at most 1, e.g. 0.8, not \"{}\"",
                             key, node.Scalar()));
    }
    return value;
  }

  std::vector<std::string> StringList(const YAML::Node& node, std::string_view key) const {
    if (!node.IsSequence()) Fail(node, fmt::format("{} must be a list", key));
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(String(item, key));
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Parses `text` (a YAML mapping, `what` in errors, e.g. "the config file") with
// `parse(reader, root)`; every error, the parser's or yaml-cpp's, comes back as INVALID_ARGUMENT
// with its position.
template <typename T>
absl::StatusOr<T> ParseYaml(std::string_view text, const std::string& path, std::string_view what,
                            const std::function<T(const YamlReader&, const YAML::Node&)>& parse) {
  YamlReader reader(path);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          fmt::format("{}:1:1: {} must be a YAML mapping", path, what));
    }
    return parse(reader, root);
  } catch (const YamlError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace ekc::daemon
