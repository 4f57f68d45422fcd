#include "tools/ekcctl/output.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

namespace ekc::ctl {

namespace v1 = ekc::v1;

void Printer::Line(std::string_view text) {
  std::lock_guard lock(mu_);
  fmt::print(stdout, "{}\n", text);
  std::fflush(stdout);
}

void Printer::Lines(const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  for (const std::string& line : lines) fmt::print(stdout, "{}\n", line);
  std::fflush(stdout);
}

void Printer::Json(const google::protobuf::Message& message) { Line(MessageToJson(message)); }

void Printer::Json(const nlohmann::json& value) { Line(value.dump()); }

void Printer::Note(std::string_view text) {
  std::lock_guard lock(mu_);
  fmt::print(stderr, "{}\n", text);
}

void Printer::Prompt(std::string_view text) {
  std::lock_guard lock(mu_);
  fmt::print(stderr, "{}", text);
  std::fflush(stderr);
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  // Printing a valid message cannot fail; an error here would be a bug in protobuf, not bad input.
  if (auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
      !status.ok()) {
    return nlohmann::json{{"error", std::string(status.message())}}.dump();
  }
  return out;
}

nlohmann::json MessageToJsonValue(const google::protobuf::Message& message) {
  return nlohmann::json::parse(MessageToJson(message));
}

std::string ClockTime(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[16];
  std::strftime(text, sizeof(text), "%H:%M:%S", &local);
  return text;
}

std::string Seconds(int64_t ms) {
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string TermText(const v1::MatchedTerm& term, bool offsets) {
  if (!offsets) return fmt::format("«{}»", term.text());
  return fmt::format("«{}» at byte {} (+{}) by {}", term.text(), term.offset(), term.length(),
                     term.matcher());
}

std::vector<std::string> SituationLines(const v1::SituationMatch& s, bool offsets) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("  {} «{}» score {:.2f}{}", s.code(), s.title(), s.score(),
                              s.urgent() ? " URGENT" : ""));
  if (offsets) {
    for (const auto& term : s.terms()) lines.push_back("      " + TermText(term, true));
    return lines;
  }
  std::vector<std::string> words;
  for (const auto& term : s.terms()) words.push_back(TermText(term, false));
  if (!words.empty()) lines.back() += fmt::format(": {}", fmt::join(words, ", "));
  return lines;
}

}  // namespace

std::vector<std::string> ClassificationLines(const v1::Classification& classification,
                                             bool offsets) {
  std::vector<std::string> lines;
  if (classification.situations().empty()) {
    lines.push_back("situations: none recognised");
  } else {
    lines.push_back("situations:");
  }
  for (const auto& s : classification.situations()) {
    for (std::string& line : SituationLines(s, offsets)) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace ekc::ctl
