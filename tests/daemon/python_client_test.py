#!/usr/bin/env python3
"""A client in another language knows ekc only through proto/ekc/v1/*.proto.

This test generates Python stubs from the .proto files with protoc (nothing else of the repository is
used), starts the real ekcd on a free loopback port, logs an operator in over the OperatorDesk bidi
stream, submits a contact through ContactIntake, and takes it through offer, accept and complete.
It exits 0 when every step behaved as the API comments say, 1 (with the reason) otherwise.

Run by ctest; needs python3-grpcio and python3-protobuf (deploy/install-deps.sh).
"""
import argparse
import glob
import os
import queue
import re
import select
import subprocess
import sys
import tempfile
import threading

STEP_TIMEOUT_S = 15


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def generate_stubs(protoc, plugin, proto_dir, out_dir):
    protos = sorted(glob.glob(os.path.join(proto_dir, "ekc", "v1", "*.proto")))
    check(protos, f"no .proto files under {proto_dir}")
    subprocess.run([protoc, f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
                    f"--plugin=protoc-gen-grpc_python={plugin}", *protos], check=True)


def start_ekcd(ekcd, config, data_dir, stderr_file):
    proc = subprocess.Popen([ekcd, "--config", config, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                             "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=stderr_file)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline().decode() if ready else ""
    match = re.search(r"listening on (\S+)", line)
    if not match:
        proc.kill()
        proc.wait(10)
        raise Failure(f"ekcd did not report ready: {line!r}")
    return proc, match.group(1)


class Desk:
    """An OperatorDesk.Connect stream: requests go in through a queue, events come out through another."""

    def __init__(self, stub):
        self.requests = queue.Queue()
        self.events = queue.Queue()
        self.next_id = 1
        self.call = stub.Connect(iter(self.requests.get, None), timeout=120)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            for event in self.call:
                self.events.put(event)
        except Exception as e:  # the stream ended with a status: hand it to whoever waits
            self.events.put(e)
        self.events.put(None)

    def send(self, **kind):
        from ekc.v1 import operator_desk_pb2
        request_id = self.next_id
        self.next_id += 1
        self.requests.put(operator_desk_pb2.DeskRequest(request_id=request_id, **kind))
        return request_id

    def wait_for(self, kind, what):
        while True:
            try:
                event = self.events.get(timeout=STEP_TIMEOUT_S)
            except queue.Empty:
                raise Failure(f"no {what} within {STEP_TIMEOUT_S} s")
            if event is None or isinstance(event, Exception):
                raise Failure(f"the desk stream ended before {what}: {event}")
            if event.WhichOneof("kind") == "error":
                raise Failure(f"DeskError while waiting for {what}: {event.error.message}")
            if event.WhichOneof("kind") == kind:
                return event

    def close(self):
        self.requests.put(None)
        self.reader.join(STEP_TIMEOUT_S)


def exercise(address):
    import grpc
    from ekc.v1 import common_pb2, intake_pb2, intake_pb2_grpc, operator_desk_pb2, operator_desk_pb2_grpc

    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=STEP_TIMEOUT_S)
    intake = intake_pb2_grpc.ContactIntakeStub(channel)
    desk = Desk(operator_desk_pb2_grpc.OperatorDeskStub(channel))
    try:
        desk.send(login=operator_desk_pb2.Login(operator_id="py-op", name="Python operator",
                                                skills=[common_pb2.Skill(name="family", proficiency=7)],
                                                ready=True))
        logged_in = desk.wait_for("logged_in", "LoggedIn")
        check(logged_in.logged_in.state == common_pb2.OPERATOR_STATE_AVAILABLE, f"state after login: {logged_in}")

        birth = intake_pb2.SubmitContactRequest(
            idempotency_key="python-call-1", channel=common_pb2.CHANNEL_VOICE, region="77",
            text="Добрый день, у нас родился сын, хочу оформить единовременное пособие при рождении")
        submitted = intake.SubmitContact(birth, timeout=STEP_TIMEOUT_S)
        check(submitted.contact_id > 0, f"no contact id: {submitted}")
        check(submitted.queue == "family", f"queue: {submitted.queue}")
        codes = [s.code for s in submitted.classification.situations]
        check("child_birth" in codes, f"situations: {codes}")

        offer = desk.wait_for("offer", "an Offer")
        check(offer.offer.contact.contact_id == submitted.contact_id, f"offer for another contact: {offer}")
        check(offer.offer.reason.summary, "the offer does not say why this operator")
        accept_id = desk.send(accept=operator_desk_pb2.Accept(contact_id=submitted.contact_id))
        assignment = desk.wait_for("assignment", "an Assignment")
        check(assignment.request_id == accept_id, "the Assignment does not answer the Accept")

        complete_id = desk.send(complete=operator_desk_pb2.Complete(contact_id=submitted.contact_id,
                                                                     outcome_code="application_taken"))
        ack = desk.wait_for("ack", "the Ack of Complete")
        check(ack.request_id == complete_id, "the Ack does not answer the Complete")
        wrap_up = desk.wait_for("state_changed", "StateChanged to WRAP_UP")
        check(wrap_up.state_changed.state == common_pb2.OPERATOR_STATE_WRAP_UP, f"state: {wrap_up}")

        again = intake.SubmitContact(birth, timeout=STEP_TIMEOUT_S)
        check(again.duplicate and again.contact_id == submitted.contact_id, f"retry: {again}")

        try:
            intake.SubmitContact(intake_pb2.SubmitContactRequest(idempotency_key="x", channel=common_pb2.CHANNEL_CHAT),
                                 timeout=STEP_TIMEOUT_S)
            raise Failure("an empty contact was accepted")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and "text" in e.details(), f"{e.code()} {e.details()}")
    finally:
        desk.close()
        channel.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ekcd", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--protoc", required=True)
    parser.add_argument("--grpc-python-plugin", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ekc-python-") as tmp:
        generated = os.path.join(tmp, "generated")
        os.mkdir(generated)
        generate_stubs(args.protoc, args.grpc_python_plugin, args.proto_dir, generated)
        sys.path.insert(0, generated)
        with open(os.path.join(tmp, "ekcd.stderr"), "wb") as stderr_file:
            proc, address = start_ekcd(args.ekcd, args.config, os.path.join(tmp, "data"), stderr_file)
            try:
                exercise(address)
            except Failure as e:
                print(f"FAIL: {e}", file=sys.stderr)
                return 1
            finally:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
    print("OK: a Python client using only the .proto files submitted, offered, accepted and completed a contact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
