// Who may call what, on the real ekcd with a token file: every role against every RPC, a missing
// or unknown token, an operator token that tries to act as another operator, the rate limit of
// Supervision and Admin, the supervisor's identity in the log, token reload by SIGHUP, and open
// mode kept to loopback.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"
#include "ekc/v1/operator_desk.grpc.pb.h"
#include "ekc/v1/supervision.grpc.pb.h"

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tokens.h"
#include "tools/client/channel.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;
using Code = grpc::StatusCode;

constexpr auto kCallTimeout = std::chrono::seconds(5);
// A stream the caller may open stays open; the test reads one message or waits this long.
constexpr auto kStreamTimeout = std::chrono::seconds(2);
constexpr int kReloadPollsMax = 100;
constexpr auto kReloadPollInterval = std::chrono::milliseconds(100);

std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout = kCallTimeout) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + timeout);
  return c;
}

// Each RPC called once with a request that is harmless whoever makes it; returns the status code.
using Call = std::function<Code(const std::shared_ptr<grpc::Channel>&)>;

template <typename Stub, typename Request, typename Response>
Code Unary(const std::shared_ptr<grpc::Channel>& channel,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           Request request = {}) {
  using Service = typename std::remove_pointer_t<decltype(channel.get())>;
  (void)sizeof(Service);
  Stub stub(channel);
  Response response;
  return (stub.*method)(Context().get(), request, &response).error_code();
}

const std::map<std::string, Call>& Calls() {
  using I = v1::ContactIntake::Stub;
  using S = v1::Supervision::Stub;
  using A = v1::Admin::Stub;
  static const auto* calls = new std::map<std::string, Call>{
      {"ContactIntake.SubmitContact",
       [](auto ch) {
         v1::SubmitContactRequest r;
         r.set_idempotency_key("access-test");
         r.set_channel(v1::CHANNEL_CHAT);
         r.set_text("Здравствуйте, нужна консультация по пособию на ребенка");
         return Unary(ch, &I::SubmitContact, r);
       }},
      {"ContactIntake.WatchContact",
       [](auto ch) {
         I stub(ch);
         v1::WatchContactRequest r;  // contact 0: refused as invalid once the caller may ask
         auto context = Context(kStreamTimeout);
         auto reader = stub.WatchContact(context.get(), r);
         v1::ContactUpdate update;
         while (reader->Read(&update)) {
         }
         return reader->Finish().error_code();
       }},
      {"ContactIntake.CancelContact", [](auto ch) { return Unary(ch, &I::CancelContact); }},
      {"ContactIntake.RequestCallback", [](auto ch) { return Unary(ch, &I::RequestCallback); }},
      {"OperatorDesk.Connect",
       [](auto ch) {
         v1::OperatorDesk::Stub stub(ch);
         auto context = Context(kStreamTimeout);
         auto stream = stub.Connect(context.get());
         v1::DeskRequest heartbeat;
         heartbeat.set_request_id(1);
         heartbeat.mutable_heartbeat();
         stream->Write(heartbeat);
         v1::DeskEvent event;
         if (stream->Read(&event) && event.has_heartbeat_ack()) {
           context->TryCancel();
           stream->Finish().IgnoreError();
           return Code::OK;
         }
         return stream->Finish().error_code();
       }},
      {"Supervision.WatchDashboard",
       [](auto ch) {
         S stub(ch);
         auto context = Context(kStreamTimeout);
         auto reader = stub.WatchDashboard(context.get(), v1::WatchDashboardRequest());
         v1::DashboardSnapshot snapshot;
         if (reader->Read(&snapshot)) {
           context->TryCancel();
           reader->Finish().IgnoreError();
           return Code::OK;
         }
         return reader->Finish().error_code();
       }},
      {"Supervision.ListContacts", [](auto ch) { return Unary(ch, &S::ListContacts); }},
      {"Supervision.ListOperators", [](auto ch) { return Unary(ch, &S::ListOperators); }},
      {"Supervision.ReassignContact", [](auto ch) { return Unary(ch, &S::ReassignContact); }},
      {"Supervision.ChangePriority", [](auto ch) { return Unary(ch, &S::ChangePriority); }},
      {"Supervision.ForceOperatorState", [](auto ch) { return Unary(ch, &S::ForceOperatorState); }},
      {"Supervision.SetQueuePaused", [](auto ch) { return Unary(ch, &S::SetQueuePaused); }},
      {"Admin.ReloadRules", [](auto ch) { return Unary(ch, &A::ReloadRules); }},
      {"Admin.TakeSnapshot", [](auto ch) { return Unary(ch, &A::TakeSnapshot); }},
      {"Admin.Backup", [](auto ch) { return Unary(ch, &A::Backup); }},
      {"Admin.Classify", [](auto ch) { return Unary(ch, &A::Classify); }},
      {"Admin.ServerInfo", [](auto ch) { return Unary(ch, &A::ServerInfo); }},
  };
  return *calls;
}

// The access matrix of docs/operations.md: the roles that may call each RPC.
const std::map<std::string, std::set<std::string>>& Matrix() {
  static const auto* matrix = new std::map<std::string, std::set<std::string>>{
      {"ContactIntake.SubmitContact", {"intake"}},
      {"ContactIntake.WatchContact", {"intake"}},
      {"ContactIntake.CancelContact", {"intake"}},
      {"ContactIntake.RequestCallback", {"intake"}},
      {"OperatorDesk.Connect", {"operator"}},
      {"Supervision.WatchDashboard", {"supervisor"}},
      {"Supervision.ListContacts", {"supervisor"}},
      {"Supervision.ListOperators", {"supervisor"}},
      {"Supervision.ReassignContact", {"supervisor"}},
      {"Supervision.ChangePriority", {"supervisor"}},
      {"Supervision.ForceOperatorState", {"supervisor"}},
      {"Supervision.SetQueuePaused", {"supervisor"}},
      {"Admin.ReloadRules", {"admin"}},
      {"Admin.TakeSnapshot", {"admin"}},
      {"Admin.Backup", {"admin"}},
      {"Admin.Classify", {"supervisor", "admin"}},
      {"Admin.ServerInfo", {"intake", "operator", "supervisor", "admin"}},
  };
  return *matrix;
}

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_path_ = (dir_.path() / "tokens.yaml").string();
    for (const char* role : {"intake", "supervisor", "admin"}) tokens_[role] = NewToken(role, "");
    tokens_["operator"] = NewToken("operator", "op-17");
  }

  std::string NewToken(const std::string& role, const std::string& operator_id,
                       const std::string& name = "") {
    return testing::NewToken({.ekcutl = EKCUTL_PATH,
                              .file = tokens_path_,
                              .role = role,
                              .name = name,
                              .operator_id = operator_id});
  }

  void StartEkcd() {
    ekcd_ = std::make_unique<EkcdProcess>(EkcdProcess::Options{
        .data_dir = (dir_.path() / "data").string(), .extra_args = {"--tokens", tokens_path_}});
    ASSERT_TRUE(ekcd_->Start()) << ekcd_->error();
  }

  std::shared_ptr<grpc::Channel> ChannelWith(const std::string& token) {
    return client::MakeChannel({.target = ekcd_->address(), .token = token});
  }

  TempDir dir_;
  std::string tokens_path_;
  std::map<std::string, std::string> tokens_;  // by role
  std::unique_ptr<EkcdProcess> ekcd_;
};

TEST_F(AccessTest, EveryRoleAgainstEveryRpc_FollowsTheMatrix) {
  StartEkcd();
  for (const auto& [method, allowed] : Matrix()) {
    ASSERT_TRUE(Calls().contains(method)) << method;
    for (const auto& [role, token] : tokens_) {
      const Code code = Calls().at(method)(ChannelWith(token));
      if (allowed.contains(role)) {
        EXPECT_NE(code, Code::PERMISSION_DENIED) << role << " may call " << method;
        EXPECT_NE(code, Code::UNAUTHENTICATED) << role << " may call " << method;
      } else {
        EXPECT_EQ(code, Code::PERMISSION_DENIED) << role << " may not call " << method;
      }
    }
  }
  EXPECT_EQ(Calls().size(), Matrix().size());
}

TEST_F(AccessTest, NoTokenOrAnUnknownOne_IsUnauthenticatedEverywhere) {
  StartEkcd();
  for (const auto& [method, call] : Calls()) {
    EXPECT_EQ(call(ChannelWith("")), Code::UNAUTHENTICATED) << method;
    EXPECT_EQ(call(ChannelWith("ekc_not-a-real-token")), Code::UNAUTHENTICATED) << method;
  }
}

TEST_F(AccessTest, OperatorToken_LogsInOnlyAsItsOwnOperator) {
  StartEkcd();
  v1::OperatorDesk::Stub stub(ChannelWith(tokens_["operator"]));
  auto Login = [&](const std::string& id) {
    auto context = Context();
    auto stream = stub.Connect(context.get());
    v1::DeskRequest login;
    login.set_request_id(1);
    login.mutable_login()->set_operator_id(id);
    login.mutable_login()->set_ready(true);
    stream->Write(login);
    v1::DeskEvent event;
    const bool answered = stream->Read(&event);
    if (answered && event.has_logged_in()) {
      context->TryCancel();
      stream->Finish().IgnoreError();
      return Code::OK;
    }
    return stream->Finish().error_code();
  };
  EXPECT_EQ(Login("op-17"), Code::OK);
  EXPECT_EQ(Login("op-18"), Code::PERMISSION_DENIED);
}

TEST_F(AccessTest, SupervisionBeyondItsRate_IsResourceExhausted) {
  StartEkcd();
  v1::Supervision::Stub stub(ChannelWith(tokens_["supervisor"]));
  std::map<Code, int> codes;
  constexpr int kCalls = 200;  // well past the burst of 60, faster than 20 a second refill
  for (int i = 0; i < kCalls; ++i) {
    v1::ListOperatorsResponse response;
    ++codes[stub.ListOperators(Context().get(), v1::ListOperatorsRequest(), &response)
                .error_code()];
  }
  EXPECT_GE(codes[Code::OK], 60);
  EXPECT_GT(codes[Code::RESOURCE_EXHAUSTED], 0);
  // Intake is not rate limited by token: its pace is the citizens'.
  v1::ContactIntake::Stub intake(ChannelWith(tokens_["intake"]));
  for (int i = 0; i < kCalls; ++i) {
    v1::CancelContactRequest r;
    r.set_contact_id(1'000'000);
    v1::CancelContactResponse response;
    EXPECT_NE(intake.CancelContact(Context().get(), r, &response).error_code(),
              Code::RESOURCE_EXHAUSTED);
  }
}

TEST_F(AccessTest, SupervisorAction_RecordsTheTokensNameAsActor) {
  StartEkcd();
  v1::Supervision::Stub stub(ChannelWith(tokens_["supervisor"]));
  v1::SetQueuePausedRequest pause;
  pause.set_queue("family");
  pause.set_paused(true);
  v1::SupervisorActionResponse response;
  ASSERT_TRUE(stub.SetQueuePaused(Context().get(), pause, &response).ok());
  ASSERT_EQ(ekcd_->Stop(), 0);
  RunResult dump = RunProgram({EKCUTL_PATH, "log", "dump", "--data-dir",
                               (dir_.path() / "data").string(), "--type", "queue_pause_changed"});
  ASSERT_EQ(dump.exit_status, 0) << dump.output;
  EXPECT_NE(dump.output.find("\"supervisor\""), std::string::npos) << dump.output;
}

TEST_F(AccessTest, Sighup_PutsANewTokenInForceAndABadFileKeepsTheRunningOnes) {
  StartEkcd();
  const std::string late = NewToken("supervisor", "", "late");
  auto ServerInfo = [&](const std::string& token) {
    v1::Admin::Stub stub(ChannelWith(token));
    v1::ServerInfoResponse response;
    return stub.ServerInfo(Context().get(), v1::ServerInfoRequest(), &response).error_code();
  };
  EXPECT_EQ(ServerInfo(late), Code::UNAUTHENTICATED) << "not before the reload";
  ASSERT_EQ(::kill(ekcd_->pid(), SIGHUP), 0);
  Code code = Code::UNAUTHENTICATED;
  for (int i = 0; i < kReloadPollsMax && code != Code::OK; ++i) {
    std::this_thread::sleep_for(kReloadPollInterval);
    code = ServerInfo(late);
  }
  EXPECT_EQ(code, Code::OK);

  std::ofstream(tokens_path_, std::ios::app) << "  - name: broken\n    role: boss\n";
  ASSERT_EQ(::kill(ekcd_->pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ServerInfo(late), Code::OK) << "a bad file keeps the running tokens";
  EXPECT_EQ(ServerInfo(tokens_["admin"]), Code::OK);
}

TEST(OpenMode, WithoutATokenFile_ServesEveryRoleOnLoopback) {
  TempDir dir;
  EkcdProcess ekcd({.data_dir = (dir.path() / "data").string()});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  for (const char* method : {"Supervision.ListOperators", "Admin.ServerInfo",
                             "ContactIntake.SubmitContact", "OperatorDesk.Connect"}) {
    const Code code = Calls().at(method)(ekcd.Channel());
    EXPECT_NE(code, Code::PERMISSION_DENIED) << method;
    EXPECT_NE(code, Code::UNAUTHENTICATED) << method;
  }
}

TEST(OpenMode, WithoutATokenFile_RefusesToListenBeyondLoopback) {
  TempDir dir;
  RunResult r = RunEkcd({"--config", std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml",
                         "--data-dir", (dir.path() / "data").string(), "--listen", "0.0.0.0:0"});
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.output.find("no token file is configured"), std::string::npos) << r.output;
  RunResult check = RunEkcd({"--config", std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml",
                             "--listen", "0.0.0.0:7070", "--check-config"});
  EXPECT_EQ(check.exit_status, 2) << check.output;
  EXPECT_NE(check.output.find("tokens: FILE is required"), std::string::npos) << check.output;
}

TEST(CheckConfig, NamesTheLineOfABadTokenFile) {
  TempDir dir;
  const std::string tokens = (dir.path() / "tokens.yaml").string();
  std::ofstream(tokens) << "tokens:\n  - name: a\n    role: boss\n";
  RunResult r = RunEkcd({"--config", std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml", "--tokens",
                         tokens, "--check-config"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.output.find(tokens + ":3:11: role must be"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ekc::testing
