#include "tools/ekcctl/health_check.h"

#include <future>
#include <vector>

#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>

#include "tools/ekcctl/rpc.h"

namespace ekc::ctl {

namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
// HealthCheckResponse: `ServingStatus status = 1;`
constexpr int kStatusFieldNumber = 1;

// Reads `status` from an encoded HealthCheckResponse; unknown fields are all a response holds here.
ServingStatus DecodeServingStatus(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return ServingStatus::kUnknown;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) return ServingStatus::kUnknown;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    if (field.number() == kStatusFieldNumber &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT && field.varint() <= 3) {
      return static_cast<ServingStatus>(field.varint());
    }
  }
  return ServingStatus::kUnknown;  // proto3 leaves out the default, UNKNOWN
}

}  // namespace

std::string ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, int timeout_s,
                         ServingStatus& status) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  SetDeadline(context, timeout_s);
  // HealthCheckRequest{service: ""} encodes to no bytes at all; the buffer still needs one (empty)
  // slice, since gRPC refuses to send a buffer without any.
  grpc::Slice no_bytes(std::string{});
  grpc::ByteBuffer request(&no_bytes, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, kCheckMethod, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status result = done.get_future().get();  // the deadline bounds this wait
  if (result.ok()) status = DecodeServingStatus(response);
  return result;
}

}  // namespace ekc::ctl
