#include "tools/client/channel.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include <grpcpp/support/client_interceptor.h>

namespace ekc::client {

namespace {

// Adds the bearer token to the initial metadata of every call. An interceptor rather than call
// credentials: gRPC sends call credentials only over TLS, and open mode on loopback is plain text.
class BearerInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(const std::string& header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  const std::string& header_;
};

class BearerInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::string token) : header_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(header_);
  }

 private:
  const std::string header_;  // outlives the channel's interceptors: the channel owns the factory
};

std::string ReadOrExit(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read the TLS " << what << " " << path << "\n";
    std::exit(2);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void AddChannelFlags(CLI::App& app, ChannelOptions& options) {
  app.add_option("--token", options.token,
                 "bearer token of your role (ekcutl token new makes one); not needed when ekcd "
                 "runs without a token file")
      ->envname("EKC_TOKEN");
  app.add_option("--tls-ca", options.tls_ca, "connect over TLS, trusting this CA (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", options.tls_cert, "this client's certificate (PEM), for mutual TLS")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key, "this client's key (PEM), for mutual TLS")
      ->check(CLI::ExistingFile);
}

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options,
                                           const grpc::ChannelArguments& arguments) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadOrExit(options.tls_ca, "CA");
    if (!options.tls_cert.empty()) ssl.pem_cert_chain = ReadOrExit(options.tls_cert, "certificate");
    if (!options.tls_key.empty()) ssl.pem_private_key = ReadOrExit(options.tls_key, "key");
    credentials = grpc::SslCredentials(ssl);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (!options.token.empty()) {
    interceptors.push_back(std::make_unique<BearerInterceptorFactory>(options.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, credentials, arguments, std::move(interceptors));
}

}  // namespace ekc::client
