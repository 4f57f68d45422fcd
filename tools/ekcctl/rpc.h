#pragma once

// What every ekcctl command shares: where ekcd is, how long a unary call may take, how the result
// is printed, and how a failure becomes one line on stderr and an exit code.

#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

namespace ekc::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // ekcd refused the request, or could not be reached
inline constexpr int kExitUsage = 2;   // the command line is wrong

// The deadline of a unary call: long enough for a group commit on a slow disk, short enough that a
// script does not hang on a server that stopped answering.
inline constexpr int kTimeoutSecondsDefault = 10;
inline constexpr int kTimeoutSecondsMax = 3600;

enum class OutputFormat { kText, kJson };

struct GlobalOptions {
  std::string target = "127.0.0.1:7070";
  std::string token;  // sent as `authorization: Bearer <token>` when set (--token, EKC_TOKEN)
  int timeout_s = kTimeoutSecondsDefault;
  OutputFormat output = OutputFormat::kText;
};

// A plaintext channel to the target (ekcd serves without TLS in this version).
std::shared_ptr<grpc::Channel> MakeChannel(const GlobalOptions& options);

// Every unary call gets a deadline: without one, a call to a hung server waits forever.
void SetDeadline(grpc::ClientContext& context, int timeout_s);

// Adds the bearer token, when there is one, to the call's metadata.
void SetAuthorization(grpc::ClientContext& context, const GlobalOptions& options);

// "INVALID_ARGUMENT" for 3, and so on: the names integrators read in the API's documentation.
std::string StatusCodeName(int code);

// Prints "ekcctl: <CODE>: <message>" to stderr and returns kExitFailed.
int ReportError(const grpc::Status& status);
int ReportError(std::string_view code_name, std::string_view message);

// Prints "ekcctl: <message>" to stderr and returns kExitUsage.
int ReportUsage(std::string_view message);

}  // namespace ekc::ctl
