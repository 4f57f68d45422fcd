// ekcutl simulate --from-log (the what-if) on folders the real ekcd wrote over loopback gRPC: the
// same config and staffing reproduce what happened; fewer operators do worse and more do better;
// another rules file moves the contacts to another queue; a bad folder or option says so.

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/desk_client.h"
#include "tests/tools/ekcutl_test_support.h"

namespace ekc::testing {
namespace {

namespace v1 = ekc::v1;

constexpr int kContacts = 20;
constexpr int kCancelled = 2;  // the last ones submitted hang up while they wait
constexpr auto kNoMoreOffers = std::chrono::seconds(3);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

// One operator's work: take each offer, talk for `talk`, complete, and end the wrap-up at once by
// going AVAILABLE again; until no offer comes for a while. Bounded by the contacts there are.
void Operate(DeskClient& desk, std::chrono::milliseconds talk) {
  for (int i = 0; i < kContacts; ++i) {
    std::optional<v1::DeskEvent> offer = desk.WaitForKind(v1::DeskEvent::kOffer, kNoMoreOffers);
    if (!offer) return;
    const uint64_t contact = offer->offer().contact().contact_id();
    std::optional<v1::DeskEvent> accepted = desk.WaitForAnswer(desk.Accept(contact));
    if (!accepted || accepted->has_error()) continue;  // the citizen left meanwhile
    std::this_thread::sleep_for(talk);
    std::optional<v1::DeskEvent> completed = desk.WaitForAnswer(desk.Complete(contact));
    EXPECT_TRUE(completed && !completed->has_error());
    v1::DeskRequest ready;
    ready.mutable_change_state()->set_state(v1::OPERATOR_STATE_AVAILABLE);
    desk.Send(std::move(ready));  // its answer is dropped by the next wait for an offer
  }
}

class EkcutlWhatIfTest : public EkcdFolderTest {
 protected:
  // The default config with a family service level of 1 s (so that a second of waiting shows),
  // every abandon a miss, and the rules file found from anywhere.
  void SetUp() override {
    std::string text = ReadFile(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
    Replace(text, "rules: rules/default.yaml",
            "rules: " + std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml");
    Replace(text, "service_level_threshold_s: 20", "service_level_threshold_s: 1");
    Replace(text, "short_abandon_s: 5", "short_abandon_s: 0");
    std::ofstream(config_) << text;
  }

  // A morning in miniature: two family operators (talking 80 and 100 ms a contact) answer twenty
  // chats submitted at once; the last two citizens hang up after 150 ms of waiting.
  void RecordMorning() {
    StartDaemon(data_, config_);
    DeskClient a(daemon_->Channel()), b(daemon_->Channel());
    ASSERT_TRUE(a.WaitForAnswer(a.Login("op-a", {"family"})));
    ASSERT_TRUE(b.WaitForAnswer(b.Login("op-b", {"family"})));
    std::thread ta([&] { Operate(a, std::chrono::milliseconds(80)); });
    std::thread tb([&] { Operate(b, std::chrono::milliseconds(100)); });
    const std::vector<uint64_t> ids = Submit(kContacts);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    for (int i = kContacts - kCancelled; i < kContacts; ++i) {
      v1::CancelContactRequest cancel;
      cancel.set_contact_id(ids[i]);
      v1::CancelContactResponse out;
      EXPECT_TRUE(intake_->CancelContact(Context().get(), cancel, &out).ok());
    }
    ta.join();
    tb.join();
    StopDaemon();
  }

  nlohmann::json WhatIf(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"simulate", "--from-log", data_,
                                     "--config", config_,      "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Ekcutl(args);
    EXPECT_EQ(r.exit_status, 0) << r.output;
    if (r.exit_status != 0) return nlohmann::json::object();
    return nlohmann::json::parse(r.output);
  }

  static const nlohmann::json& Queue(const nlohmann::json& out, const std::string& name) {
    for (const nlohmann::json& q : out["per_queue"]) {
      if (q["queue"] == name) return q;
    }
    static const nlohmann::json kNone = {{"recorded", {{"offered", 0}}},
                                         {"simulated", {{"offered", 0}}}};
    return kNone;
  }

  const std::string config_ = dir_.Sub("ekcd.yaml");
};

TEST_F(EkcutlWhatIfTest, NoChange_ReproducesTheRecordedFigures) {
  RecordMorning();
  const nlohmann::json out = WhatIf();
  ASSERT_TRUE(out.contains("recorded")) << out.dump();
  for (const char* key : {"recorded", "simulated", "delta", "per_queue", "options"})
    EXPECT_TRUE(out.contains(key)) << key;
  const nlohmann::json& rec = out["recorded"];
  const nlohmann::json& sim = out["simulated"];
  EXPECT_EQ(rec["contacts"].get<int>(), kContacts);
  EXPECT_EQ(sim["contacts"].get<int>(), kContacts);
  EXPECT_EQ(sim["offered"], rec["offered"]);
  const nlohmann::json& family = Queue(out, "family");
  EXPECT_EQ(family["recorded"]["offered"].get<int>(), kContacts);
  EXPECT_EQ(family["simulated"]["offered"].get<int>(), kContacts);
  EXPECT_LE(std::abs(sim["answered"].get<int>() - rec["answered"].get<int>()), 1) << out.dump();
  EXPECT_LE(std::abs(sim["abandoned"].get<int>() - rec["abandoned"].get<int>()), 1) << out.dump();
  EXPECT_NEAR(sim["service_level"].get<double>(), rec["service_level"].get<double>(), 0.1);
  EXPECT_NEAR(sim["asa_s"].get<double>(), rec["asa_s"].get<double>(), 0.15) << out.dump();
  EXPECT_NEAR(sim["aht_s"].get<double>(), rec["aht_s"].get<double>(), 0.05) << out.dump();
  EXPECT_EQ(sim["not_ended"].get<int>(), 0);
  EXPECT_EQ(out["options"]["operators"].get<int>(), 2);
  // Only the citizens who hung up were never handled: a time is drawn for them all the same.
  EXPECT_EQ(out["options"]["handle_times_drawn"], out["options"]["patience_recorded"]);
  EXPECT_EQ(out["options"]["commands_refused"].get<int>(), 0);

  // The same seed gives the same figures; the table says the same in words.
  EXPECT_EQ(WhatIf()["simulated"], sim);
  RunResult text = Ekcutl({"simulate", "--data-dir", data_, "--config", config_});
  ASSERT_EQ(text.exit_status, 0) << text.output;
  for (const char* word : {"recorded", "simulated", "delta", "service level", "queue family"})
    EXPECT_NE(text.output.find(word), std::string::npos) << word << "\n" << text.output;
}

TEST_F(EkcutlWhatIfTest, Staffing_FewerOperatorsDoWorseAndMoreDoBetter) {
  RecordMorning();
  const nlohmann::json same = WhatIf();
  const nlohmann::json half = WhatIf({"--operators-scale", "0.5"});
  const nlohmann::json twice = WhatIf({"--operators-scale", "2"});
  ASSERT_TRUE(half.contains("simulated") && twice.contains("simulated"));
  EXPECT_EQ(half["options"]["operators"].get<int>(), 1);
  EXPECT_EQ(twice["options"]["operators"].get<int>(), 4);
  const double rec_sl = same["recorded"]["service_level"].get<double>();
  const double rec_asa = same["recorded"]["asa_s"].get<double>();
  const double same_asa = same["simulated"]["asa_s"].get<double>();
  EXPECT_LE(half["simulated"]["service_level"].get<double>(), rec_sl) << half.dump();
  EXPECT_GT(half["simulated"]["asa_s"].get<double>(), rec_asa) << half.dump();
  EXPECT_GT(half["simulated"]["asa_s"].get<double>(), same_asa) << half.dump();
  EXPECT_GE(twice["simulated"]["service_level"].get<double>(), rec_sl) << twice.dump();
  EXPECT_LE(twice["simulated"]["asa_s"].get<double>(), same_asa) << twice.dump();
  EXPECT_LT(half["delta"]["asa_s"].get<double>(), 100.0);

  // A staffing file in place of the recorded operators: four family operators from the start.
  const std::string staffing = dir_.Sub("staffing.yaml");
  std::ofstream(staffing) << "operators:\n  - {id: op-f, count: 4, skills: {family: 7}}\n";
  const nlohmann::json four = WhatIf({"--staffing", staffing});
  ASSERT_TRUE(four.contains("simulated"));
  EXPECT_EQ(four["options"]["operators"].get<int>(), 4);
  EXPECT_GE(four["simulated"]["service_level"].get<double>(), rec_sl) << four.dump();
  EXPECT_LE(four["simulated"]["asa_s"].get<double>(), same_asa) << four.dump();
}

TEST_F(EkcutlWhatIfTest, Rules_ThatRouteEverythingElsewhereShowInPerQueue) {
  RecordMorning();
  // Rules that know only pregnancy: a birth is no situation of theirs, so it goes to general.
  const std::string narrow = dir_.Sub("narrow.yaml");
  std::ofstream(narrow) << "version: 1\nsituations:\n  - {code: pregnancy, title: Беременность, "
                           "words: [беремен]}\n";
  const nlohmann::json out = WhatIf({"--rules", narrow});
  ASSERT_TRUE(out.contains("per_queue")) << out.dump();
  EXPECT_EQ(Queue(out, "family")["recorded"]["offered"].get<int>(), kContacts);
  EXPECT_EQ(Queue(out, "family")["simulated"]["offered"].get<int>(), 0) << out.dump();
  EXPECT_EQ(Queue(out, "general")["recorded"]["offered"].get<int>(), 0);
  EXPECT_EQ(Queue(out, "general")["simulated"]["offered"].get<int>(), kContacts) << out.dump();
  EXPECT_EQ(out["options"]["rules"], narrow);
  EXPECT_EQ(out.dump().find("Родила"), std::string::npos) << "citizens' texts are never printed";
}

TEST_F(EkcutlWhatIfTest, BadFolderOrOption_ExitsNonZeroNamingTheProblem) {
  const std::string missing = dir_.Sub("no-such-folder");
  RunResult r = Ekcutl({"simulate", "--from-log", missing, "--config", config_});
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("not an ekc data folder"), std::string::npos) << r.output;

  StartDaemon(data_, config_);
  Submit(2);
  StopDaemon();
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"--operators-scale", "0"}, "--operators-scale"},
      {{"--operators-scale", "-1"}, "--operators-scale"},
      {{"--operators-scale", "many"}, "--operators-scale"},
      {{"--strategy", "fastest"}, "--strategy"},
      {{"--arrival-rate", "2"}, "--arrival-rate"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"simulate", "--from-log", data_, "--config", config_};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult bad = Ekcutl(args);
    EXPECT_EQ(bad.exit_status, 2) << c.args[0] << ": " << bad.output;
    EXPECT_NE(bad.output.find(c.names), std::string::npos) << bad.output;
  }
  RunResult no_config = Ekcutl({"simulate", "--from-log", data_});
  EXPECT_EQ(no_config.exit_status, 2) << no_config.output;
  EXPECT_NE(no_config.output.find("--config"), std::string::npos) << no_config.output;
  RunResult rules_alone = Ekcutl({"simulate", "--rules", config_});
  EXPECT_EQ(rules_alone.exit_status, 2) << rules_alone.output;
  // A file that cannot be read is a problem found, named with its place.
  RunResult bad_staffing =
      Ekcutl({"simulate", "--from-log", data_, "--config", config_, "--staffing", config_});
  EXPECT_EQ(bad_staffing.exit_status, 1) << bad_staffing.output;
  EXPECT_NE(bad_staffing.output.find(config_ + ":"), std::string::npos) << bad_staffing.output;
}

}  // namespace
}  // namespace ekc::testing
