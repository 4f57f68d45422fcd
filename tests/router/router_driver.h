#pragma once

// RouterDriver: a Router on a virtual clock, with one-line helpers for the commands the tests send.
// Every Execute is followed by CheckInvariants, so that any test that drives the core also checks
// it.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "router/invariants.h"
#include "router/router.h"

namespace ekc::router::testing {

inline RouterConfig TwoQueueConfig() {
  RouterConfig config;
  config.queues.push_back(QueueConfig{.name = "general",
                                      .offer_timeout_ms = 20'000,
                                      .wrap_up_ms = 30'000,
                                      .service_level_threshold_s = 20,
                                      .short_abandon_s = 5});
  config.queues.push_back(QueueConfig{.name = "family",
                                      .situations = {"child_birth", "large_family"},
                                      .skills = {"family"},
                                      .offer_timeout_ms = 15'000,
                                      .wrap_up_ms = 10'000,
                                      .waiting_max = 3});
  config.queues.push_back(QueueConfig{.name = "crisis",
                                      .situations = {"domestic_violence"},
                                      .skills = {"crisis"},
                                      .offer_timeout_ms = 10'000,
                                      .wrap_up_ms = 0});
  config.default_queue = "general";
  config.urgent_queue = "crisis";
  config.operator_grace_ms = 60'000;
  return config;
}

inline ekc::v1::Classification Classified(std::vector<std::string> codes,
                                          ekc::v1::Priority priority = ekc::v1::PRIORITY_NORMAL) {
  ekc::v1::Classification c;
  for (const auto& code : codes) c.add_situations()->set_code(code);
  c.set_priority(priority);
  c.set_rules_version("test");
  return c;
}

class RouterDriver {
 public:
  explicit RouterDriver(RouterConfig config = TwoQueueConfig()) : router_(std::move(config)) {}

  ExecuteResult Run(CommandBody body, ekc::v1::ActorKind kind = ekc::v1::ACTOR_KIND_SYSTEM) {
    Command command{.now_unix_ms = now_unix_ms};
    command.actor.set_kind(kind);
    command.body = std::move(body);
    ExecuteResult r = router_.Execute(command);
    for (const auto& e : r.events) log.push_back(e);
    absl::Status invariants = CheckInvariants(router_.state());
    EXPECT_TRUE(invariants.ok()) << invariants;
    return r;
  }

  ExecuteResult Submit(const std::string& key, std::vector<std::string> codes = {},
                       ekc::v1::Priority priority = ekc::v1::PRIORITY_NORMAL,
                       ekc::v1::Channel channel = ekc::v1::CHANNEL_VOICE) {
    command::Submit s{.idempotency_key = key,
                      .request_fingerprint = std::hash<std::string>{}(key),
                      .channel = channel,
                      .text = "text of " + key};
    s.classification = Classified(std::move(codes), priority);
    return Run(std::move(s), ekc::v1::ACTOR_KIND_INTAKE);
  }

  ExecuteResult Login(const std::string& id, std::vector<std::string> skills = {},
                      bool ready = true) {
    command::Login l{.operator_id = OperatorId(id), .name = "Operator " + id, .ready = ready};
    for (const auto& s : skills) {
      ekc::v1::Skill skill;
      skill.set_name(s);
      l.skills.push_back(skill);
    }
    return Run(std::move(l), ekc::v1::ACTOR_KIND_OPERATOR);
  }

  ExecuteResult Accept(const std::string& op, uint64_t contact) {
    return Run(command::Accept{OperatorId(op), ContactId(contact)}, ekc::v1::ACTOR_KIND_OPERATOR);
  }
  ExecuteResult Decline(const std::string& op, uint64_t contact) {
    return Run(command::Decline{OperatorId(op), ContactId(contact), "busy"},
               ekc::v1::ACTOR_KIND_OPERATOR);
  }
  ExecuteResult Complete(const std::string& op, uint64_t contact) {
    return Run(command::Complete{OperatorId(op), ContactId(contact), "consulted", ""},
               ekc::v1::ACTOR_KIND_OPERATOR);
  }
  ExecuteResult Cancel(uint64_t contact) {
    return Run(command::Cancel{ContactId(contact), "hung up"}, ekc::v1::ACTOR_KIND_INTAKE);
  }
  ExecuteResult Advance(int64_t ms) {
    now_unix_ms += ms;
    return Run(command::Tick{});
  }

  const RouterState& state() const { return router_.state(); }
  Router& router() { return router_; }
  const Contact& contact(uint64_t id) const {
    const Contact* c = state().FindContact(ContactId(id));
    EXPECT_NE(c, nullptr) << "contact " << id;
    return *c;
  }
  const Operator& op(const std::string& id) const {
    const Operator* o = state().FindOperator(OperatorId(id));
    EXPECT_NE(o, nullptr) << "operator " << id;
    return *o;
  }

  int64_t now_unix_ms = 1'700'000'000'000;
  std::vector<ekc::v1::EventRecord> log;  // every event executed, in order

 private:
  Router router_;
};

}  // namespace ekc::router::testing
