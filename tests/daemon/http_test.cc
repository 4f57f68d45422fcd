// ekcd's HTTP listener through the real daemon: the page, the JSON API, the event stream, the
// supervisor actions (recorded with the supervisor as actor), and the listener's bounds.

#include <chrono>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ekc/v1/intake.grpc.pb.h"

#include "tests/daemon/desk_client.h"
#include "tests/daemon/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tokens.h"
#include "tools/client/channel.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;
using nlohmann::json;
using std::chrono::seconds;

using Headers = std::vector<std::pair<std::string, std::string>>;

// The real daemon with a token file: a supervisor named "supervisor", an intake client and the
// operator op-2, each with a token of their role.
class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tokens = dir_.Sub("tokens.yaml");
    supervisor_token_ = NewToken(tokens, "supervisor", "supervisor");
    intake_token_ = NewToken(tokens, "intake", "portal");
    operator_token_ = NewToken(tokens, "operator:op-2", "op-2");
    kAuth = {{"Authorization", "Bearer " + supervisor_token_}};
    kJsonAuth = {kAuth[0], {"Content-Type", "application/json"}};
    daemon_ = std::make_unique<EkcdProcess>(
        EkcdProcess::Options{.data_dir = dir_.Sub("data"), .extra_args = {"--tokens", tokens}});
    ASSERT_TRUE(daemon_->Start()) << daemon_->error();
    ASSERT_FALSE(daemon_->http_address().empty()) << daemon_->ready_line();
    http_ = daemon_->http_address();
    intake_ = v1::ContactIntake::NewStub(
        client::MakeChannel({.target = daemon_->address(), .token = intake_token_}));
  }

  static std::string NewToken(const std::string& file, const std::string& role,
                              const std::string& name) {
    return testing::NewToken({.ekcutl = EKCUTL_PATH, .file = file, .role = role, .name = name});
  }

  std::shared_ptr<grpc::Channel> OperatorChannel() {
    return client::MakeChannel({.target = daemon_->address(), .token = operator_token_});
  }

  std::string supervisor_token_, intake_token_, operator_token_;
  Headers kAuth, kJsonAuth;

  uint64_t Submit(const std::string& key, const std::string& text) {
    v1::SubmitContactRequest r;
    r.set_idempotency_key(key);
    r.set_channel(v1::CHANNEL_CHAT);
    r.set_text(text);
    v1::SubmitContactResponse out;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    grpc::Status s = intake_->SubmitContact(&context, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.contact_id();
  }

  HttpAnswer Post(const std::string& path, const std::string& body) {
    return HttpRequest(http_, "POST", path, kJsonAuth, body);
  }

  // The event log as `ekcutl log dump` prints it, once ekcd has stopped.
  std::vector<json> DumpLog() {
    EXPECT_EQ(daemon_->Stop(), 0);
    RunResult r = RunProgram({EKCUTL_PATH, "log", "dump", "--data-dir", dir_.Sub("data")});
    EXPECT_EQ(r.exit_status, 0) << r.output;
    std::vector<json> events;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.front() == '{') events.push_back(json::parse(line));
    }
    return events;
  }

  TempDir dir_;
  std::unique_ptr<EkcdProcess> daemon_;
  std::string http_;
  std::unique_ptr<v1::ContactIntake::Stub> intake_;
};

TEST_F(HttpTest, Page_IsServedFromTheBinary) {
  HttpAnswer page = HttpRequest(http_, "GET", "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.headers["content-type"].find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("Панель супервизора"), std::string::npos);
  HttpAnswer script = HttpRequest(http_, "GET", "/dashboard.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_NE(script.headers["content-type"].find("javascript"), std::string::npos);
  EXPECT_NE(script.body.find("/api/dashboard/stream"), std::string::npos);
  EXPECT_EQ(HttpRequest(http_, "GET", "/dashboard.css").status, 200);
}

TEST_F(HttpTest, Routes_UnknownPathIs404AndWrongMethodIs405) {
  HttpAnswer missing = HttpRequest(http_, "GET", "/no-such-page");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "NOT_FOUND");
  HttpAnswer wrong = HttpRequest(http_, "GET", "/api/actions/queue-pause", kAuth);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "POST");
}

TEST_F(HttpTest, Api_WithoutABearerTokenIs401) {
  HttpAnswer none = HttpRequest(http_, "GET", "/api/dashboard");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["error"]["code"], "UNAUTHENTICATED");
  EXPECT_NE(none.headers["www-authenticate"].find("Bearer"), std::string::npos);
  EXPECT_EQ(HttpRequest(http_, "GET", "/api/dashboard", {{"Authorization", "Basic eDp5"}}).status,
            401);
  EXPECT_EQ(Post("/api/actions/queue-pause", R"({"queue":"general","paused":true})").status, 200);
  EXPECT_EQ(HttpRequest(http_, "POST", "/api/actions/queue-pause", {},
                        R"({"queue":"general","paused":true})")
                .status,
            401);
  HttpAnswer who = HttpRequest(http_, "GET", "/api/session", kAuth);
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(json::parse(who.body)["supervisor"], "supervisor");
}

TEST_F(HttpTest, Dashboard_OneSnapshotAsJson) {
  const uint64_t id = Submit("k1", "Многодетная семья, какие льготы на ЖКУ?");
  HttpAnswer a = HttpRequest(http_, "GET", "/api/dashboard?queues=family,general", kAuth);
  ASSERT_EQ(a.status, 200) << a.body;
  json s = json::parse(a.body);
  ASSERT_EQ(s["queues"].size(), 2u);
  EXPECT_EQ(s["queues"][0]["name"], "family");
  EXPECT_EQ(s["queues"][0]["waiting"], 1);
  ASSERT_EQ(s["waiting"].size(), 1u);
  EXPECT_EQ(s["waiting"][0]["contact_id"], std::to_string(id));  // 64-bit integers are strings
  EXPECT_EQ(HttpRequest(http_, "GET", "/api/dashboard?queues=nope", kAuth).status, 400);
  EXPECT_EQ(HttpRequest(http_, "GET", "/api/dashboard?max_waiting=x", kAuth).status, 400);
}

TEST_F(HttpTest, Stream_SendsASnapshotAtOnceThenUpdates) {
  EventStreamClient stream(http_, "/api/dashboard/stream", kAuth);
  ASSERT_EQ(stream.WaitForHead(), 200);
  auto first = stream.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->name, "snapshot");
  EXPECT_EQ(json::parse(first->data)["waiting_total"], 0);
  Submit("k1", "Подскажите часы работы МФЦ");
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    auto next = stream.Next();
    ASSERT_TRUE(next.has_value());
    seen = json::parse(next->data)["waiting_total"] == 1;
  }
  EXPECT_TRUE(seen);
}

TEST_F(HttpTest, Stream_TakesTheTokenInTheQueryAndRefusesWithoutOne) {
  EventStreamClient with_query(http_, "/api/dashboard/stream?token=" + supervisor_token_);
  ASSERT_EQ(with_query.WaitForHead(), 200);
  EXPECT_TRUE(with_query.Next().has_value());
  EXPECT_EQ(HttpRequest(http_, "GET", "/api/dashboard/stream").status, 401);
}

TEST_F(HttpTest, Actions_AreRecordedWithTheSupervisorAsActor) {
  const uint64_t id = Submit("k1", "Подскажите часы работы МФЦ");
  DeskClient desk(OperatorChannel());
  ASSERT_TRUE(desk.WaitForAnswer(desk.Login("op-2", {"family"}, /*ready=*/false)));

  HttpAnswer paused =
      Post("/api/actions/queue-pause", R"({"queue":"svo","paused":true,"note":"тест"})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  const std::string pause_sequence = json::parse(paused.body)["event_sequence"];
  HttpAnswer reassign =
      Post("/api/actions/reassign", json{{"contact_id", id}, {"operator_id", "op-2"}}.dump());
  ASSERT_EQ(reassign.status, 200) << reassign.body;
  HttpAnswer priority =
      Post("/api/actions/priority",
           json{{"contact_id", std::to_string(id)}, {"priority", "PRIORITY_HIGH"}}.dump());
  ASSERT_EQ(priority.status, 200) << priority.body;
  // Refusals keep their gRPC meaning: an unknown contact is 404, an operator not logged in 409.
  EXPECT_EQ(Post("/api/actions/priority", R"({"contact_id":999,"priority":"PRIORITY_LOW"})").status,
            404);
  EXPECT_EQ(Post("/api/actions/reassign", json{{"contact_id", id}, {"operator_id", "op-9"}}.dump())
                .status,
            409);

  HttpAnswer contacts =
      HttpRequest(http_, "GET", "/api/contacts?state=queued&queue=general", kAuth);
  ASSERT_EQ(contacts.status, 200) << contacts.body;
  ASSERT_EQ(json::parse(contacts.body)["contacts"].size(), 1u);
  EXPECT_EQ(json::parse(contacts.body)["contacts"][0]["priority"], "PRIORITY_HIGH");

  HttpAnswer state = Post("/api/actions/operator-state",
                          R"({"operator_id":"op-2","state":"OPERATOR_STATE_AVAILABLE"})");
  ASSERT_EQ(state.status, 200) << state.body;

  int supervised = 0;
  for (const json& e : DumpLog()) {
    if (e["actor"]["kind"] != "ACTOR_KIND_SUPERVISOR") continue;
    EXPECT_EQ(e["actor"]["id"], "supervisor") << e.dump();
    ++supervised;
    if (std::to_string(e["seq"].get<uint64_t>()) == pause_sequence) {
      EXPECT_EQ(e["event"]["queue"], "svo") << e.dump();
      EXPECT_EQ(e["event"]["note"], "тест") << e.dump();
    }
  }
  EXPECT_EQ(supervised, 4);  // pause, reserve, priority, state
}

TEST_F(HttpTest, Actions_BadJsonIs400NamingTheField) {
  auto message = [](const HttpAnswer& a) {
    return json::parse(a.body)["error"]["message"].get<std::string>();
  };
  HttpAnswer not_a_number =
      Post("/api/actions/priority", R"({"contact_id":"abc","priority":"PRIORITY_HIGH"})");
  EXPECT_EQ(not_a_number.status, 400);
  EXPECT_EQ(message(not_a_number).rfind("contact_id", 0), 0u) << message(not_a_number);
  HttpAnswer bad_enum =
      Post("/api/actions/priority", R"({"contact_id":1,"priority":"PRIORITY_HUGE"})");
  EXPECT_EQ(bad_enum.status, 400);
  EXPECT_EQ(message(bad_enum).rfind("priority", 0), 0u) << message(bad_enum);
  HttpAnswer missing = Post("/api/actions/priority", R"({"contact_id":1})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(message(missing).rfind("priority", 0), 0u) << message(missing);
  HttpAnswer unknown = Post("/api/actions/queue-pause", R"({"queue":"general","pasued":true})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(message(unknown).find("pasued"), std::string::npos) << message(unknown);
  HttpAnswer garbage = Post("/api/actions/queue-pause", "{not json");
  EXPECT_EQ(garbage.status, 400);
  HttpAnswer empty = Post("/api/actions/queue-pause", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(message(empty).rfind("body", 0), 0u) << message(empty);
  HttpAnswer no_queue = Post("/api/actions/queue-pause", R"({"queue":"nope","paused":true})");
  EXPECT_EQ(no_queue.status, 400);
  EXPECT_EQ(message(no_queue).rfind("queue", 0), 0u) << message(no_queue);
}

TEST_F(HttpTest, Bounds_LargeHeadersAndBodiesAreRefused) {
  HttpAnswer big_body = Post("/api/actions/queue-pause", std::string(128 * 1024, ' '));
  EXPECT_EQ(big_body.status, 413);
  const std::string huge_header(32 * 1024, 'x');
  HttpAnswer big_header = HttpRequest(http_, "GET", "/", {{"X-Filler", huge_header}});
  EXPECT_EQ(big_header.status, 431);
  EXPECT_NE(HttpRaw(http_, "NOT HTTP AT ALL\r\n\r\n").find("400"), std::string::npos);
  // The listener still serves after all that.
  EXPECT_EQ(HttpRequest(http_, "GET", "/").status, 200);
}

TEST(HttpConfigTest, TheFlagDisablesTheListenerAndTheReadyLineSaysWhereItIs) {
  TempDir dir;
  EkcdProcess without(
      EkcdProcess::Options{.data_dir = dir.Sub("data"), .extra_args = {"--http", ""}});
  ASSERT_TRUE(without.Start()) << without.error();
  EXPECT_TRUE(without.http_address().empty()) << without.ready_line();
  EXPECT_EQ(without.ready_line().find("dashboard"), std::string::npos);
}

}  // namespace
}  // namespace ekc::testing
