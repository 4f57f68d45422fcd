#pragma once

// What every ekcctl command shares: where ekcd is, how long a unary call may take, how the result
// is printed, and how a failure becomes one line on stderr and an exit code.

#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "tools/client/channel.h"

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
  client::ChannelOptions channel;  // target, token, TLS
  int timeout_s = kTimeoutSecondsDefault;
  OutputFormat output = OutputFormat::kText;
};

// The channel to ekcd (tools/client/channel.h).
std::shared_ptr<grpc::Channel> MakeChannel(const GlobalOptions& options);

// Every unary call gets a deadline: without one, a call to a hung server waits forever.
void SetDeadline(grpc::ClientContext& context, int timeout_s);

// "INVALID_ARGUMENT" for 3, and so on: the names integrators read in the API's documentation.
std::string StatusCodeName(int code);

// Prints "ekcctl: <CODE>: <message>" to stderr and returns kExitFailed.
int ReportError(const grpc::Status& status);
int ReportError(std::string_view code_name, std::string_view message);

// Prints "ekcctl: <message>" to stderr and returns kExitUsage.
int ReportUsage(std::string_view message);

}  // namespace ekc::ctl
