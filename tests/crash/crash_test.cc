// Kill -9 at random moments: the real ekcd under a seeded workload over loopback gRPC (sequential
// submits from an intake client, and operators accepting and completing what they are offered),
// SIGKILLed after a random delay, then checked offline and restarted. After every kill:
//
//   - every acknowledged submit is in the log, under the contact id ekcd answered, and every
//     acknowledged accept or completion shows in that contact's state;
//   - the contacts in the log are a prefix of the submits issued (at most the one in flight more);
//   - the log reads back without a gap or a bad checksum;
//   - the state recovered from the newest snapshot equals a fresh fold of every event (StateHash);
//   - ekcd starts again on the folder and reports the events it replayed.
//
// EKC_CRASH_CYCLES sets the number of kills (20 by default, about a minute; the long run is 200),
// EKC_CRASH_SEED the seed (printed, so that a failure can be run again).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "ekc/v1/admin.grpc.pb.h"
#include "ekc/v1/intake.grpc.pb.h"

#include "tests/crash/crash_test_util.h"
#include "tests/daemon/desk_client.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::crash {
namespace {

namespace v1 = ekc::v1;

constexpr int kDefaultCycles = 20;
constexpr int kCyclesMax = 10'000;
constexpr int kOperatorsPerCycle = 3;
constexpr int kSubmitsPerCycleMax = 400;  // a bound; the kill comes long before
constexpr auto kCallTimeout = std::chrono::seconds(5);
// Snapshots this often, so that kills land before, during and after their writes.
constexpr uint64_t kSnapshotEveryEvents = 25;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

const std::vector<std::string> kTexts = {
    "Родила ребёнка, как оформить пособие?", "Потеряла работу, нечем платить за квартиру",
    "Ребёнок-инвалид, нужна реабилитация", "Нужна справка о составе семьи",
    "Муж бьёт, боюсь за детей"};

const std::vector<std::string> kSkills = {"crisis", "family",       "disability", "social_support",
                                          "svo",    "psychologist", "general"};

// What the clients were told, across all cycles.
struct Acknowledged {
  std::mutex mu;
  std::map<std::string, uint64_t> submits;  // idempotency key → contact id
  std::set<uint64_t> accepted;              // contacts an operator was assigned (answer received)
  std::set<uint64_t> completed;             // contacts whose completion was acknowledged
};

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return c;
}

// One intake client submitting one contact after another until told to stop or refused.
void RunIntake(const std::shared_ptr<grpc::Channel>& channel, int cycle, uint64_t seed,
               const std::atomic<bool>& stop, std::vector<std::string>& issued,
               Acknowledged& acked) {
  auto intake = v1::ContactIntake::NewStub(channel);
  std::mt19937_64 random(seed);
  for (int i = 0; i < kSubmitsPerCycleMax && !stop.load(); ++i) {
    v1::SubmitContactRequest r;
    r.set_idempotency_key("c" + std::to_string(cycle) + "-" + std::to_string(i));
    r.set_channel(v1::CHANNEL_CHAT);
    r.set_text(kTexts[random() % kTexts.size()]);
    r.set_region("77");
    issued.push_back(r.idempotency_key());
    v1::SubmitContactResponse out;
    if (!intake->SubmitContact(Context().get(), r, &out).ok()) return;  // killed
    std::lock_guard lock(acked.mu);
    acked.submits[r.idempotency_key()] = out.contact_id();
  }
}

// One operator taking every offer, completing it and ending the wrap-up at once.
void RunOperator(const std::shared_ptr<grpc::Channel>& channel, const std::string& id,
                 const std::atomic<bool>& stop, Acknowledged& acked) {
  testing::DeskClient desk(channel);
  if (!desk.WaitForAnswer(desk.Login(id, kSkills), std::chrono::seconds(2))) return;
  // Bounded by the stop flag (set by the kill) and by the stream ending.
  while (!stop.load()) {
    auto offer = desk.WaitForKind(v1::DeskEvent::kOffer, std::chrono::milliseconds(100));
    if (!offer) {
      if (desk.Ended(std::chrono::milliseconds(0))) return;
      continue;
    }
    const uint64_t contact = offer->offer().contact().contact_id();
    auto assignment = desk.WaitForAnswer(desk.Accept(contact), std::chrono::seconds(2));
    if (!assignment || !assignment->has_assignment()) continue;
    {
      std::lock_guard lock(acked.mu);
      acked.accepted.insert(contact);
    }
    auto ack = desk.WaitForAnswer(desk.Complete(contact), std::chrono::seconds(2));
    if (!ack || !ack->has_ack()) continue;
    {
      std::lock_guard lock(acked.mu);
      acked.completed.insert(contact);
    }
    v1::DeskRequest ready;
    ready.mutable_change_state()->set_state(v1::OPERATOR_STATE_AVAILABLE);
    desk.WaitForAnswer(desk.Send(std::move(ready)), std::chrono::seconds(2));
  }
}

void CheckFolder(const std::string& data_dir, int cycle,
                 const std::vector<std::vector<std::string>>& issued, Acknowledged& acked) {
  absl::StatusOr<FolderState> folder = ReadFolder(data_dir);
  ASSERT_TRUE(folder.ok()) << "cycle " << cycle << ": " << folder.status();
  EXPECT_EQ(folder->recovered.StateHash(), folder->full.StateHash())
      << "cycle " << cycle << ": recovery from the snapshot of event " << folder->snapshot
      << " differs from a fresh fold of events 1.." << folder->last_sequence;
  EXPECT_EQ(folder->recovered.last_sequence().value(), folder->last_sequence);

  std::lock_guard lock(acked.mu);
  for (const auto& [key, contact] : acked.submits) {
    const std::optional<ContactId> found = folder->full.FindByIdempotencyKey(key);
    ASSERT_TRUE(found.has_value()) << "cycle " << cycle << ": acknowledged " << key << " is lost";
    EXPECT_EQ(found->value(), contact) << key;
  }
  for (uint64_t contact : acked.accepted) {
    const router::Contact* c = folder->full.FindContact(ContactId(contact));
    ASSERT_NE(c, nullptr) << "accepted contact " << contact << " is lost";
    EXPECT_TRUE(c->state == v1::CONTACT_STATE_CONNECTED || c->state == v1::CONTACT_STATE_WRAP_UP ||
                c->state == v1::CONTACT_STATE_COMPLETED)
        << "accepted contact " << contact << " is " << v1::ContactState_Name(c->state);
  }
  for (uint64_t contact : acked.completed) {
    const router::Contact* c = folder->full.FindContact(ContactId(contact));
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->state == v1::CONTACT_STATE_WRAP_UP || c->state == v1::CONTACT_STATE_COMPLETED)
        << "completed contact " << contact << " is " << v1::ContactState_Name(c->state);
  }
  // Per cycle: the logged contacts are the issued ones in order, at most one more than answered.
  std::map<int, std::vector<std::string>> logged;
  for (const std::string& key : folder->received_keys) {
    const int of = std::stoi(key.substr(1, key.find('-') - 1));
    logged[of].push_back(key);
  }
  for (int c = 0; c <= cycle; ++c) {
    const std::vector<std::string>& log = logged[c];
    const std::vector<std::string>& sent = issued[static_cast<size_t>(c)];
    ASSERT_LE(log.size(), sent.size()) << "cycle " << c << ": contacts nobody submitted";
    for (size_t i = 0; i < log.size(); ++i) {
      ASSERT_EQ(log[i], sent[i]) << "cycle " << c << ": the log is not a prefix of the submits";
    }
    size_t answered = 0;
    for (const std::string& key : sent) answered += acked.submits.count(key);
    EXPECT_GE(log.size(), answered) << "cycle " << c;
    EXPECT_LE(log.size(), answered + 1) << "cycle " << c << ": submits are sequential";
  }
}

TEST(CrashTest, KillNineAtRandomMoments_LosesNothingAcknowledgedAndRecoveryEqualsAFreshFold) {
  const int cycles = static_cast<int>(
      std::min<uint64_t>(EnvNumber("EKC_CRASH_CYCLES", kDefaultCycles), kCyclesMax));
  const uint64_t seed = EnvNumber("EKC_CRASH_SEED", 20261125);
  std::printf("crash test: %d cycles, seed %llu\n", cycles, static_cast<unsigned long long>(seed));
  testing::TempDir dir;
  const std::string config = WriteConfig(dir.path().string(), kSnapshotEveryEvents);
  const std::string data = dir.Sub("data");
  std::mt19937_64 random(seed);
  Acknowledged acked;
  std::vector<std::vector<std::string>> issued(static_cast<size_t>(cycles));
  uint64_t snapshots_used = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    testing::EkcdProcess daemon({.data_dir = data, .config = config});
    ASSERT_TRUE(daemon.Start()) << "cycle " << cycle << ": " << daemon.error();
    if (cycle > 0) {
      // The restart after the previous kill: it replayed what the previous check read.
      EXPECT_NE(daemon.ready_line().find("events replayed"), std::string::npos);
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    clients.emplace_back(RunIntake, daemon.Channel(), cycle, random(), std::cref(stop),
                         std::ref(issued[static_cast<size_t>(cycle)]), std::ref(acked));
    for (int o = 0; o < kOperatorsPerCycle; ++o) {
      clients.emplace_back(RunOperator, daemon.Channel(),
                           "op-" + std::to_string(cycle) + "-" + std::to_string(o), std::cref(stop),
                           std::ref(acked));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + random() % 400));
    daemon.Kill();
    stop = true;
    for (std::thread& t : clients) t.join();
    CheckFolder(data, cycle, issued, acked);
    if (::testing::Test::HasFatalFailure()) return;
    snapshots_used += ReadFolder(data)->snapshot > 0 ? 1 : 0;
  }
  // The workload must have been real: contacts answered, served, and snapshots recovered from.
  std::lock_guard lock(acked.mu);
  EXPECT_GT(acked.submits.size(), static_cast<size_t>(cycles));
  EXPECT_GT(acked.completed.size(), 0u);
  if (cycles >= 5) {
    EXPECT_GT(snapshots_used, 0u);
  }
  std::printf(
      "crash test: %zu submits, %zu accepts, %zu completions acknowledged; recovery used a "
      "snapshot after %llu of %d kills\n",
      acked.submits.size(), acked.accepted.size(), acked.completed.size(),
      static_cast<unsigned long long>(snapshots_used), cycles);
}

}  // namespace
}  // namespace ekc::crash
