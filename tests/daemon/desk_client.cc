#include "tests/daemon/desk_client.h"

namespace ekc::testing {

namespace v1 = ekc::v1;

DeskClient::DeskClient(const std::shared_ptr<grpc::Channel>& channel)
    : stub_(v1::OperatorDesk::NewStub(channel)) {
  stream_ = stub_->Connect(&context_);
  reader_ = std::thread([this] { ReadLoop(); });
}

DeskClient::~DeskClient() {
  {
    std::lock_guard lock(mu_);
    if (!ended_) context_.TryCancel();
  }
  reader_.join();
}

void DeskClient::ReadLoop() {
  v1::DeskEvent e;
  while (stream_->Read(&e)) {
    std::lock_guard lock(mu_);
    received_.push_back(e);
    cv_.notify_all();
  }
  grpc::Status status = stream_->Finish();
  std::lock_guard lock(mu_);
  ended_ = true;
  status_ = status;
  cv_.notify_all();
}

uint64_t DeskClient::Send(v1::DeskRequest request) {
  std::lock_guard lock(write_mu_);
  const uint64_t id = next_request_id_++;
  request.set_request_id(id);
  stream_->Write(request);
  return id;
}

uint64_t DeskClient::Login(const std::string& operator_id, const std::vector<std::string>& skills,
                           bool ready) {
  v1::DeskRequest r;
  r.mutable_login()->set_operator_id(operator_id);
  r.mutable_login()->set_name("Test " + operator_id);
  for (const auto& s : skills) r.mutable_login()->add_skills()->set_name(s);
  r.mutable_login()->set_ready(ready);
  return Send(std::move(r));
}

uint64_t DeskClient::Accept(uint64_t contact_id) {
  v1::DeskRequest r;
  r.mutable_accept()->set_contact_id(contact_id);
  return Send(std::move(r));
}

uint64_t DeskClient::Decline(uint64_t contact_id) {
  v1::DeskRequest r;
  r.mutable_decline()->set_contact_id(contact_id);
  return Send(std::move(r));
}

uint64_t DeskClient::Complete(uint64_t contact_id, const std::string& outcome) {
  v1::DeskRequest r;
  r.mutable_complete()->set_contact_id(contact_id);
  r.mutable_complete()->set_outcome_code(outcome);
  return Send(std::move(r));
}

std::optional<v1::DeskEvent> DeskClient::WaitForKind(v1::DeskEvent::KindCase kind,
                                                     std::chrono::milliseconds timeout) {
  return WaitFor([kind](const v1::DeskEvent& e) { return e.kind_case() == kind; }, timeout);
}

std::optional<v1::DeskEvent> DeskClient::WaitForAnswer(uint64_t request_id,
                                                       std::chrono::milliseconds timeout) {
  return WaitFor([request_id](const v1::DeskEvent& e) { return e.request_id() == request_id; },
                 timeout);
}

grpc::Status DeskClient::Close(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(write_mu_);
    if (!writes_done_) {
      stream_->WritesDone();
      writes_done_ = true;
    }
  }
  std::optional<grpc::Status> s = Ended(timeout);
  return s.value_or(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the stream did not end in time"));
}

std::optional<grpc::Status> DeskClient::Ended(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return ended_; });
  return status_;
}

}  // namespace ekc::testing
