#pragma once

// How ekcctl prints: text for a person, or JSON for a script (-o json), one object per line. JSON
// is the proto3 JSON mapping of the API's messages, with the .proto field names and every field
// present, defaults included, so that a script never has to guess what a missing field means.
//
// The desk command prints from several threads (the stream reader, the timers, the terminal), so
// the Printer writes whole lines under a lock.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include "ekc/v1/common.pb.h"

#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

class Printer {
 public:
  explicit Printer(OutputFormat format) : format_(format) {}

  bool json() const { return format_ == OutputFormat::kJson; }

  // The command's output, on stdout, flushed line by line (a script may be reading a pipe).
  void Line(std::string_view text);
  void Lines(const std::vector<std::string>& lines);
  void Json(const google::protobuf::Message& message);
  void Json(const nlohmann::json& value);

  // For the person at the terminal, on stderr, so that stdout stays clean for scripts.
  void Note(std::string_view text);
  // A question on stderr without a line break; the answer is typed after it.
  void Prompt(std::string_view text);

 private:
  const OutputFormat format_;
  std::mutex mu_;
};

// One line of JSON (see above).
std::string MessageToJson(const google::protobuf::Message& message);
nlohmann::json MessageToJsonValue(const google::protobuf::Message& message);

// "14:03:27" in local time.
std::string ClockTime(int64_t unix_ms);
// "3.2 s".
std::string Seconds(int64_t ms);
// The current time as the API writes it.
int64_t NowUnixMs();

// The recognised situations, one per line with their matched words. `offsets` adds where each word
// is in the text and which matcher of the rule fired.
std::vector<std::string> ClassificationLines(const ekc::v1::Classification& classification,
                                             bool offsets);

}  // namespace ekc::ctl
