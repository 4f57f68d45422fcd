#include "daemon/intake_service.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "daemon/authorized_call.h"
#include "daemon/clock.h"
#include "daemon/grpc_status.h"
#include "daemon/push_hub.h"
#include "daemon/sessions.h"
#include "daemon/unary_call.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

// The intake client, named by its token ("local" without a token file).
v1::Actor IntakeActor(const Principal& caller) {
  v1::Actor actor;
  actor.set_kind(v1::ACTOR_KIND_INTAKE);
  actor.set_id(caller.name);
  return actor;
}

router::command::Submit SubmitCommand(const v1::SubmitContactRequest& r,
                                      const router::RuleSet& rules) {
  router::command::Submit cmd;
  cmd.idempotency_key = r.idempotency_key();
  cmd.request_fingerprint = SubmitFingerprint(r);
  cmd.channel = r.channel();
  cmd.citizen_ref = r.citizen_ref();
  cmd.region = r.region();
  cmd.text = r.text();
  cmd.ivr_choice = r.ivr_choice();
  cmd.office = r.office();
  cmd.attributes.assign(r.attributes().begin(), r.attributes().end());
  std::sort(cmd.attributes.begin(), cmd.attributes.end());
  cmd.classification = rules.Classify(router::ClassifyInput{
      .text = r.text(), .channel = r.channel(), .ivr_choice = r.ivr_choice()});
  return cmd;
}

// WatchContact: the current state at once, then every change, until connected or ended.
class WatchReactor final : public grpc::ServerWriteReactor<v1::ContactUpdate> {
 public:
  WatchReactor(CoreLoop& core, ContactId contact) : core_(core) {
    session_ = std::make_shared<WatchSession>(
        contact, [this](const v1::ContactUpdate* m) { StartWrite(m); },
        [this](const grpc::Status& s) { Finish(s); });
    absl::Status posted = core_.Read([session = session_](CoreLoop& core) -> CoreLoop::Effect {
      const router::Contact* c = core.state().FindContact(session->contact);
      if (c == nullptr) {
        return [session](const absl::Status&) {
          session->outbox.Close(
              grpc::Status(grpc::StatusCode::NOT_FOUND,
                           fmt::format("contact_id: no contact {}", session->contact)));
        };
      }
      v1::ContactUpdate now = ContactUpdateOf(*c, core.state(), core.state().last_time_unix_ms());
      const bool over = WatchIsOver(c->state);
      absl::Status added = over ? absl::OkStatus() : core.hub().AddWatcher(session);
      return [session, now, over, added](const absl::Status& durability) {
        if (!durability.ok() || !added.ok()) {
          session->outbox.Close(ToGrpcStatus(durability.ok() ? added : durability));
          return;
        }
        session->outbox.Send(now);
        if (over) session->outbox.Close(grpc::Status::OK);
      };
    });
    if (!posted.ok()) session_->outbox.Close(ToGrpcStatus(posted));
  }

  void OnWriteDone(bool ok) override { session_->outbox.OnWriteDone(ok); }
  void OnCancel() override {
    session_->outbox.Close(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
  }
  void OnDone() override {
    session_->outbox.Detach();
    core_.Post([session = session_](CoreLoop& core) { core.hub().RemoveWatcher(session.get()); });
    delete this;
  }

 private:
  CoreLoop& core_;
  std::shared_ptr<WatchSession> session_;
};

}  // namespace

grpc::ServerUnaryReactor* IntakeService::SubmitContact(grpc::CallbackServerContext* context,
                                                       const v1::SubmitContactRequest* request,
                                                       v1::SubmitContactResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = AuthorizeUnary(access_, context, reactor, "ContactIntake.SubmitContact");
  if (!caller) return reactor;
  if (absl::Status s = ValidateSubmitContact(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  router::Command command{.now_unix_ms = WallClockUnixMs(), .actor = IntakeActor(*caller)};
  const auto classify_start = std::chrono::steady_clock::now();
  command.body = SubmitCommand(*request, *rules_.Current());
  if (metrics_ != nullptr) {
    metrics_->RecordClassification(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - classify_start)
                                  .count()));
  }
  RunUnaryCommand(core_, reactor, std::move(command),
                  [response](const router::ExecuteResult& r, CoreLoop& core) {
                    const router::Contact* c = core.state().FindContact(r.contact);
                    response->set_contact_id(c->id.value());
                    *response->mutable_classification() = c->card.classification();
                    response->set_priority(c->priority());
                    response->set_queue(c->queue());
                    response->set_position(c->initial_position);
                    response->set_estimated_wait_s(c->initial_estimated_wait_s);
                    response->set_duplicate(r.duplicate);
                    response->set_state(c->state);
                  });
  return reactor;
}

grpc::ServerWriteReactor<v1::ContactUpdate>* IntakeService::WatchContact(
    grpc::CallbackServerContext* context, const v1::WatchContactRequest* request) {
  absl::StatusOr<Principal> caller = access_.Authorize(*context, "ContactIntake.WatchContact");
  if (!caller.ok()) return new RefusedWrite<v1::ContactUpdate>(caller.status());
  if (absl::Status s = ValidateWatchContact(*request); !s.ok()) {
    return new RefusedWrite<v1::ContactUpdate>(s);
  }
  return new WatchReactor(core_, ContactId(request->contact_id()));
}

grpc::ServerUnaryReactor* IntakeService::CancelContact(grpc::CallbackServerContext* context,
                                                       const v1::CancelContactRequest* request,
                                                       v1::CancelContactResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = AuthorizeUnary(access_, context, reactor, "ContactIntake.CancelContact");
  if (!caller) return reactor;
  if (absl::Status s = ValidateCancelContact(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  const ContactId id(request->contact_id());
  router::Command command{.now_unix_ms = WallClockUnixMs(), .actor = IntakeActor(*caller)};
  command.body = router::command::Cancel{id, request->reason()};
  RunUnaryCommand(
      core_, reactor, std::move(command),
      [response, id](const router::ExecuteResult&, CoreLoop& core) {
        const router::Contact* c = core.state().FindContact(id);
        response->set_state(c->state);
        response->set_waited_ms(std::max<int64_t>(0, c->ended_unix_ms - c->enqueued_unix_ms));
      });
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::RequestCallback(grpc::CallbackServerContext* context,
                                                         const v1::RequestCallbackRequest* request,
                                                         v1::RequestCallbackResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = AuthorizeUnary(access_, context, reactor, "ContactIntake.RequestCallback");
  if (!caller) return reactor;
  if (absl::Status s = ValidateRequestCallback(*request); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  const ContactId id(request->contact_id());
  router::Command command{.now_unix_ms = WallClockUnixMs(), .actor = IntakeActor(*caller)};
  command.body = router::command::RequestCallback{id, request->callback_ref()};
  RunUnaryCommand(core_, reactor, std::move(command),
                  [response, id](const router::ExecuteResult&, CoreLoop& core) {
                    const router::Contact* c = core.state().FindContact(id);
                    response->set_state(c->state);
                    response->set_position(core.state().PositionOf(*c));
                  });
  return reactor;
}

}  // namespace ekc::daemon
