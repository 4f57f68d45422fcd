#pragma once

// ClientChannel: how ekc's command-line clients (ekcctl, ekc-load) reach ekcd — plain text or TLS
// (with a client certificate for mutual TLS), and the bearer token of their role sent with every
// call. One place, so that every client takes the same flags and environment.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

namespace ekc::client {

struct ChannelOptions {
  std::string target = "127.0.0.1:7070";
  std::string token;     // sent as "authorization: Bearer TOKEN"; empty: none (open mode)
  std::string tls_ca;    // PEM of the CA that signed ekcd's certificate; set: TLS
  std::string tls_cert;  // PEM of this client's certificate, for mutual TLS
  std::string tls_key;   // PEM of its key
};

// Adds --token (or EKC_TOKEN), --tls-ca, --tls-cert and --tls-key to `app`. --target is each
// tool's own (its default and environment differ).
void AddChannelFlags(CLI::App& app, ChannelOptions& options);

// The channel; a TLS file that cannot be read is reported on stderr and ends the program with
// exit status 2, as a bad command line does (the flags check the files exist).
std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options,
                                           const grpc::ChannelArguments& arguments = {});

}  // namespace ekc::client
