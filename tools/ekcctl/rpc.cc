#include "tools/ekcctl/rpc.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "absl/status/status.h"

namespace ekc::ctl {

std::shared_ptr<grpc::Channel> MakeChannel(const GlobalOptions& options) {
  return grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext& context, int timeout_s) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
}

void SetAuthorization(grpc::ClientContext& context, const GlobalOptions& options) {
  if (!options.token.empty()) context.AddMetadata("authorization", "Bearer " + options.token);
}

std::string StatusCodeName(int code) {
  // gRPC and absl share the canonical code numbers, and absl knows their names.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? fmt::format("CODE_{}", code) : name;
}

int ReportError(const grpc::Status& status) {
  return ReportError(StatusCodeName(status.error_code()), status.error_message());
}

int ReportError(std::string_view code_name, std::string_view message) {
  fmt::print(stderr, "ekcctl: {}: {}\n", code_name, message);
  return kExitFailed;
}

int ReportUsage(std::string_view message) {
  fmt::print(stderr, "ekcctl: {}\n", message);
  return kExitUsage;
}

}  // namespace ekc::ctl
