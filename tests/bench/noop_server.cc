// noop_server: the baseline of ekc-load. A gRPC server built like ekcd — the same library, the
// callback API, the same channel arguments (keepalive, message size) — that implements
// ContactIntake.SubmitContact with a trivial answer (an increasing contact id, queue "general",
// QUEUED): no classification, no router, no disk. What ekc-load measures against it is the cost of
// gRPC and of the client itself, so that "durable SubmitContact / no-op" isolates what ekcd adds.
//
//   noop_server [--listen 127.0.0.1:0]
// prints "noop_server: listening on HOST:PORT" when ready and serves until SIGINT or SIGTERM.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include "ekc/v1/intake.grpc.pb.h"

#include "daemon/validation.h"

namespace {

namespace v1 = ekc::v1;

// As ekcd (daemon/server.cc).
constexpr int kKeepaliveTimeMs = 20'000;
constexpr int kKeepaliveTimeoutMs = 10'000;

class NoopIntake final : public v1::ContactIntake::CallbackService {
 public:
  grpc::ServerUnaryReactor* SubmitContact(grpc::CallbackServerContext* context,
                                          const v1::SubmitContactRequest* request,
                                          v1::SubmitContactResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->idempotency_key().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key: empty"));
      return reactor;
    }
    response->set_contact_id(next_id_.fetch_add(1) + 1);
    response->set_queue("general");
    response->set_position(1);
    response->set_state(v1::CONTACT_STATE_QUEUED);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::atomic<uint64_t> next_id_{0};
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else {
      std::fprintf(stderr, "usage: noop_server [--listen HOST:PORT]\n");
      return 2;
    }
  }
  NoopIntake intake;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(ekc::daemon::kRequestBytesMax);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.RegisterService(&intake);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "noop_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("noop_server: listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  while (g_stop == 0) ::usleep(100'000);
  server->Shutdown();
  return 0;
}
