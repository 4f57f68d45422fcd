#include "daemon/operator_desk_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/authorized_call.h"
#include "daemon/clock.h"
#include "daemon/grpc_status.h"
#include "daemon/push_hub.h"
#include "daemon/sessions.h"
#include "daemon/validation.h"

namespace ekc::daemon {

namespace v1 = ekc::v1;

namespace {

v1::DeskEvent ErrorMessage(uint64_t request_id, const absl::Status& status) {
  v1::DeskEvent m;
  m.set_request_id(request_id);
  m.mutable_error()->set_code(static_cast<int32_t>(status.code()));
  m.mutable_error()->set_message(std::string(status.message()));
  return m;
}

// Sends `messages` once durable, or the durability error; either way the request is answered.
CoreLoop::Effect Answer(std::shared_ptr<DeskSession> session, uint64_t request_id,
                        std::vector<v1::DeskEvent> messages) {
  return [session = std::move(session), request_id,
          messages = std::move(messages)](const absl::Status& durability) mutable {
    if (!durability.ok()) {
      session->outbox.Send(ErrorMessage(request_id, durability));
    } else {
      for (auto& m : messages) session->outbox.Send(std::move(m));
    }
    session->requests_in_flight.fetch_sub(1);
    session->FinishIfDone();
  };
}

CoreLoop::Effect Refusal(std::shared_ptr<DeskSession> session, uint64_t request_id,
                         const absl::Status& status) {
  return Answer(std::move(session), request_id, {ErrorMessage(request_id, status)});
}

v1::DeskEvent AckMessage(uint64_t request_id) {
  v1::DeskEvent m;
  m.set_request_id(request_id);
  m.mutable_ack();
  return m;
}

// What a login answers: LoggedIn, then what the operator already held (a resumed session's offer or
// contact). An offer made by the login's own command is pushed as usual, not repeated here.
std::vector<v1::DeskEvent> LoginAnswer(const router::Operator& op, const router::RouterState& state,
                                       uint64_t request_id, bool resumed, ContactId offered_now) {
  std::vector<v1::DeskEvent> out;
  v1::DeskEvent logged_in;
  logged_in.set_request_id(request_id);
  v1::LoggedIn* l = logged_in.mutable_logged_in();
  l->set_operator_id(op.id.value());
  l->set_state(op.shown);
  l->set_resumed(resumed);
  l->set_break_reason(op.shown == v1::OPERATOR_STATE_BREAK ? op.break_reason : "");
  out.push_back(std::move(logged_in));
  if (const router::Contact* offered = state.FindContact(op.offered_contact);
      offered != nullptr && offered->id != offered_now) {
    v1::OfferReason reason;
    reason.set_summary("offered before the session resumed");
    out.push_back(OfferMessage(*offered, reason, state.last_time_unix_ms()));
  }
  for (ContactId id : op.active) out.push_back(AssignmentMessage(*state.FindContact(id)));
  if (op.shown == v1::OPERATOR_STATE_WRAP_UP) out.push_back(StateChangedMessage(op, state));
  return out;
}

class DeskReactor final : public grpc::ServerBidiReactor<v1::DeskRequest, v1::DeskEvent> {
 public:
  // `caller` holds one of its desk streams (AccessControl::AcquireDeskStream) until OnDone.
  DeskReactor(CoreLoop& core, uint64_t stream_id, AccessControl& access, Principal caller)
      : core_(core), access_(access), caller_(std::move(caller)) {
    session_ = std::make_shared<DeskSession>([this](const v1::DeskEvent* m) { StartWrite(m); },
                                             [this](const grpc::Status& s) { Finish(s); });
    session_->id = stream_id;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side (or the call ended): answer what is in flight, then
                // end
      session_->client_done.store(true);
      session_->FinishIfDone();
      return;
    }
    if (Handle(request_)) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override { session_->outbox.OnWriteDone(ok); }

  void OnCancel() override {
    session_->outbox.Close(
        grpc::Status(grpc::StatusCode::CANCELLED, "the desk stream was cancelled"));
  }

  void OnDone() override {
    session_->outbox.Detach();
    core_.Post([session = session_](CoreLoop& core) {
      if (session->operator_id.value().empty()) return;
      if (!core.hub().DetachDesk(session->operator_id, session.get()))
        return;  // replaced or logged out
      router::Command command{.now_unix_ms = WallClockUnixMs()};
      command.actor.set_kind(v1::ACTOR_KIND_SYSTEM);
      command.body = router::command::ConnectionLost{session->operator_id};
      core.RunCommand(std::move(command), nullptr);
    });
    access_.ReleaseDeskStream(caller_);
    delete this;
  }

 private:
  // Handles one request; false when the stream is being closed (no further reads).
  bool Handle(const v1::DeskRequest& request) {
    const uint64_t id = request.request_id();
    if (request.has_heartbeat()) {
      v1::DeskEvent ack;
      ack.set_request_id(id);
      ack.mutable_heartbeat_ack()->set_server_time_unix_ms(WallClockUnixMs());
      session_->outbox.Send(std::move(ack));
      return true;
    }
    if (absl::Status s = ValidateDeskRequest(request); !s.ok()) {
      session_->outbox.Send(ErrorMessage(id, s));
      return true;
    }
    if (!request.has_login() && login_.empty()) {
      // A protocol violation: the stream is not anyone's yet.
      const absl::Status s =
          absl::FailedPreconditionError("log in first: the first request must be a Login");
      session_->outbox.Send(ErrorMessage(id, s));
      session_->outbox.Close(ToGrpcStatus(s));
      return false;
    }
    if (request.has_login() && !caller_.MayActAs(request.login().operator_id())) {
      // A token acts only as its own operator; the stream ends, as for any forged identity.
      const absl::Status s = absl::PermissionDeniedError(
          fmt::format("login.operator_id: token {} acts as operator {}, not {}", caller_.name,
                      caller_.operator_id, request.login().operator_id()));
      session_->outbox.Send(ErrorMessage(id, s));
      session_->outbox.Close(ToGrpcStatus(s));
      return false;
    }
    if (request.has_login() && !login_.empty() && request.login().operator_id() != login_) {
      session_->outbox.Send(ErrorMessage(
          id,
          absl::FailedPreconditionError(fmt::format(
              "login.operator_id: this stream is logged in as {}; open another stream", login_))));
      return true;
    }
    if (session_->requests_in_flight.load(std::memory_order_acquire) >= kDeskRequestsInFlightMax) {
      session_->outbox.Send(ErrorMessage(
          id, absl::ResourceExhaustedError(fmt::format(
                  "{} requests of this stream are still being decided; wait for their answers",
                  kDeskRequestsInFlightMax))));
      return true;
    }
    if (request.has_login()) login_ = request.login().operator_id();
    Post(request);
    return true;
  }

  void Post(const v1::DeskRequest& request) {
    router::Command command{.now_unix_ms = WallClockUnixMs()};
    command.actor.set_kind(v1::ACTOR_KIND_OPERATOR);
    command.actor.set_id(login_);
    const OperatorId op(login_);
    CoreLoop::OnDecided on_decided;
    const uint64_t id = request.request_id();
    auto session = session_;
    switch (request.kind_case()) {
      case v1::DeskRequest::kLogin: {
        const v1::Login& l = request.login();
        router::command::Login cmd{.operator_id = op,
                                   .name = l.name(),
                                   .office = l.office(),
                                   .region = l.region(),
                                   .ready = l.ready()};
        cmd.skills.assign(l.skills().begin(), l.skills().end());
        cmd.channels.assign(l.channels().begin(), l.channels().end());
        command.body = std::move(cmd);
        on_decided = [session, id, op](const router::ExecuteResult& r, CoreLoop& core) {
          return OnLoginDecided(session, id, op, r, core);
        };
        break;
      }
      case v1::DeskRequest::kChangeState:
        command.body = router::command::ChangeState{op, request.change_state().state(),
                                                    request.change_state().break_reason()};
        on_decided = [session, id, op](const router::ExecuteResult& r, CoreLoop& core) {
          if (!r.status.ok()) return Refusal(session, id, r.status);
          v1::DeskEvent m = StateChangedMessage(*core.state().FindOperator(op), core.state());
          m.set_request_id(id);
          session->state_told = true;  // the answer tells it: no push of the same
          session->last_state_told = m.state_changed();
          return Answer(session, id, {std::move(m)});
        };
        break;
      case v1::DeskRequest::kAccept: {
        const ContactId contact(request.accept().contact_id());
        command.body = router::command::Accept{op, contact};
        on_decided = [session, id, contact](const router::ExecuteResult& r, CoreLoop& core) {
          if (!r.status.ok()) return Refusal(session, id, r.status);
          v1::DeskEvent m = AssignmentMessage(*core.state().FindContact(contact));
          m.set_request_id(id);
          return Answer(session, id, {std::move(m)});
        };
        break;
      }
      case v1::DeskRequest::kDecline:
        command.body = router::command::Decline{op, ContactId(request.decline().contact_id()),
                                                request.decline().reason()};
        break;
      case v1::DeskRequest::kComplete:
        command.body = router::command::Complete{op, ContactId(request.complete().contact_id()),
                                                 request.complete().outcome_code(),
                                                 request.complete().notes()};
        break;
      case v1::DeskRequest::kLogout:
        command.body = router::command::Logout{op, request.logout().reason()};
        login_.clear();  // the stream may log in again
        on_decided = [session, id, op](const router::ExecuteResult& r, CoreLoop& core) {
          if (!r.status.ok()) return Refusal(session, id, r.status);
          core.hub().DetachDesk(op, session.get());
          session->operator_id = OperatorId();
          return Answer(session, id, {AckMessage(id)});
        };
        break;
      case v1::DeskRequest::kTransfer: {
        const v1::Transfer& t = request.transfer();
        command.body = router::command::Transfer{op, ContactId(t.contact_id()), t.queue(),
                                                 OperatorId(t.operator_id()), t.note()};
        break;
      }
      default:
        return;  // a heartbeat was answered in Handle
    }
    if (!on_decided) {
      on_decided = [session, id](const router::ExecuteResult& r, CoreLoop&) {
        if (!r.status.ok()) return Refusal(session, id, r.status);
        return Answer(session, id, {AckMessage(id)});
      };
    }
    session_->requests_in_flight.fetch_add(1);
    absl::Status posted = core_.Execute(std::move(command), std::move(on_decided));
    if (!posted.ok()) {
      session_->requests_in_flight.fetch_sub(1);
      session_->outbox.Send(ErrorMessage(id, posted));
    }
  }

  // Core thread: the login was decided. Binds the stream to the operator (replacing an older stream
  // of theirs) and answers with what the operator holds.
  static CoreLoop::Effect OnLoginDecided(const std::shared_ptr<DeskSession>& session, uint64_t id,
                                         const OperatorId& op, const router::ExecuteResult& r,
                                         CoreLoop& core) {
    if (!r.status.ok()) return Refusal(session, id, r.status);
    session->operator_id = op;
    std::shared_ptr<DeskSession> replaced = core.hub().AttachDesk(op, session);
    bool resumed = false;
    ContactId offered_now;
    for (const auto& e : r.events) {
      if (e.has_operator_logged_in() && e.operator_id() == op.value())
        resumed = e.operator_logged_in().resumed();
      if (e.has_contact_offered() && e.operator_id() == op.value())
        offered_now = ContactId(e.contact_id());
    }
    const router::Operator* o = core.state().FindOperator(op);
    session->state_told = true;  // LoggedIn tells the state
    session->last_state_told = StateChangedMessage(*o, core.state()).state_changed();
    CoreLoop::Effect answer =
        Answer(session, id, LoginAnswer(*o, core.state(), id, resumed, offered_now));
    return [replaced, answer = std::move(answer)](const absl::Status& durability) {
      if (replaced != nullptr)
        EndDeskStream(*replaced, absl::AbortedError("another stream logged in as this operator"));
      answer(durability);
    };
  }

  CoreLoop& core_;
  AccessControl& access_;
  const Principal caller_;
  std::shared_ptr<DeskSession> session_;
  v1::DeskRequest request_;
  std::string login_;  // the operator this stream logged in as (reactor's view)
};

}  // namespace

grpc::ServerBidiReactor<v1::DeskRequest, v1::DeskEvent>* OperatorDeskService::Connect(
    grpc::CallbackServerContext* context) {
  using Refused = RefusedBidi<v1::DeskRequest, v1::DeskEvent>;
  absl::StatusOr<Principal> caller = access_.Authorize(*context, "OperatorDesk.Connect");
  if (!caller.ok()) return new Refused(caller.status());
  if (absl::Status held = access_.AcquireDeskStream(*caller); !held.ok()) return new Refused(held);
  return new DeskReactor(core_, next_stream_id_.fetch_add(1), access_, std::move(*caller));
}

}  // namespace ekc::daemon
