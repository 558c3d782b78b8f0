"""Unit tests for Oscar's Python client, against a fake GraphQL endpoint.

Run from the repository root with:

    python3 -m unittest discover -s clients/python/tests -v
"""

import contextlib
import gc
import io
import json
import math
import os
import socket
import sys
import threading
import time
import unittest
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from unittest import mock

# Test the source tree, whether or not the package is installed.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import Oscar as oscar_package  # noqa: E402
from Oscar import Job, Oscar, OscarError  # noqa: E402
from Oscar import client as client_module  # noqa: E402

TOKEN = "test-token-123"


def reply(handler, status, payload, content_type="application/json", headers=None):
    """Sends one whole answer from a request handler."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def serve(server):
    """Serves ``server`` from a daemon thread; returns its GraphQL URL and the thread."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return "http://127.0.0.1:%d/graphql" % server.server_address[1], thread


class FakeOscar:
    """A minimal GraphQL endpoint for the suggest and update mutations."""

    def __init__(self, port=0):
        self.requests = []  # dicts: path, headers, body (parsed JSON)
        self.trials = {}
        self.responses = []  # queued (status, body bytes, content type, headers) overrides
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                with fake.lock:
                    fake.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "raw": raw, "body": body}
                    )
                    override = fake.responses.pop(0) if fake.responses else None
                headers = None
                if override is not None:
                    status, payload, content_type, headers = override
                else:
                    status, payload = fake.handle(self.headers, body)
                    payload = json.dumps(payload).encode("utf-8")
                    content_type = "application/json"
                reply(self, status, payload, content_type, headers)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.url, self.thread = serve(self.server)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def respond(self, status, body, content_type="application/json", headers=None):
        """Queue a canned response for the next request."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        self.responses.append((status, body, content_type, headers))

    @staticmethod
    def error(message, code):
        return {"errors": [{"message": message, "extensions": {"code": code}}]}

    def handle(self, headers, body):
        if headers.get("Authorization") != "Bearer " + TOKEN:
            return 200, self.error("Invalid API token", "UNAUTHENTICATED")
        query = body["query"]
        variables = body.get("variables") or {}
        if "suggest(" in query:
            experiment = variables["experiment"]
            space = experiment["parameters"]
            number = len(self.trials) + 1
            params = {
                name: spec["min"] + (spec["max"] - spec["min"]) * (number % 7) / 7.0
                for name, spec in space.items()
            }
            trial = {
                "id": "trial-%d" % number,
                "number": number,
                "params": params,
                "experiment": {"id": "exp-1", "name": experiment["name"]},
            }
            if "leaseSeconds" in experiment:  # heartbeats are then kept (every third of it)
                trial["experiment"]["leaseSeconds"] = experiment["leaseSeconds"]
            self.trials[trial["id"]] = dict(trial, state="RUNNING", loss=None)
            return 200, {"data": {"suggest": trial}}
        if "update(" in query:
            trial = self.trials.get(variables["trialId"])
            if trial is None:
                return 200, self.error("Trial not found", "NOT_FOUND")
            loss = variables["result"].get("loss")
            if not isinstance(loss, (int, float)) or isinstance(loss, bool):
                return 200, self.error("loss must be a finite number, got %s" % loss, "BAD_USER_INPUT")
            trial.update(state="COMPLETED", loss=loss)
            return 200, {
                "data": {
                    "update": {
                        "id": trial["id"],
                        "number": trial["number"],
                        "state": "COMPLETED",
                        "loss": loss,
                    }
                }
            }
        return 400, self.error("Unknown operation", "GRAPHQL_VALIDATION_FAILED")


class FakeNumpyScalar:
    """Duck-types a NumPy scalar: not a float, but has item() and __float__."""

    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value

    def __float__(self):
        return float(self.value)


class FakeArray:
    """Duck-types a NumPy array: item() fails for several elements, tolist() works."""

    def __init__(self, values):
        self.values = values

    def item(self):
        raise ValueError("can only convert an array of size 1 to a Python scalar")

    def tolist(self):
        return list(self.values)


def strict_json(text):
    """Parse JSON, rejecting the non-standard NaN/Infinity literals."""

    def reject(constant):
        raise ValueError("invalid JSON constant %s" % constant)

    return json.loads(text, parse_constant=reject)


def free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClientTest(unittest.TestCase):
    def setUp(self):
        # Keep any proxy settings of the host away from 127.0.0.1.
        patcher = mock.patch.dict(os.environ, {"no_proxy": "*", "NO_PROXY": "*"})
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in ("OSCAR_URL", "OSCAR_WORKER"):
            os.environ.pop(name, None)
        counter = mock.patch.object(client_module, "_instances", 0)
        counter.start()
        self.addCleanup(counter.stop)
        self.fake = FakeOscar()
        self.addCleanup(self.fake.close)

    def client(self, **kwargs):
        kwargs.setdefault("url", self.fake.url)
        kwargs.setdefault("max_wait", 0)
        return Oscar(kwargs.pop("token", TOKEN), **kwargs)

    # ---------------------------------------------------------- happy path

    def test_get_started_loop(self):
        os.environ["OSCAR_URL"] = self.fake.url
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            # The Get Started example, as written.
            scientist = Oscar(TOKEN)
            experiment = {"name": "Square", "parameters": {"x": {"min": -10, "max": 10}}}
            for i in range(1, 10):
                job = scientist.suggest(experiment)
                print(job)  # prints the parameter dict, e.g. {'x': 3.2}
                import math
                loss = math.pow(job['x'], 2)
                scientist.update(job, {"loss": loss})
        lines = output.getvalue().splitlines()
        self.assertEqual(len(lines), 9)
        for number, line in enumerate(lines, start=1):
            trial = self.fake.trials["trial-%d" % number]
            self.assertEqual(line, repr(trial["params"]))
            self.assertEqual(trial["state"], "COMPLETED")
            self.assertEqual(trial["loss"], trial["params"]["x"] ** 2)
        self.assertEqual(len(self.fake.requests), 18)

    def test_print_job_is_the_parameter_dict(self):
        job = self.client().suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            print(job)
        self.assertEqual(output.getvalue(), "{'x': 1.0}\n")
        self.assertEqual(repr(job), "{'x': 1.0}")
        self.assertEqual(str(job), "{'x': 1.0}")
        self.assertEqual(dict(job), {"x": 1.0})
        self.assertIs(type(dict(job)), dict)
        self.assertEqual(job, {"x": 1.0})
        self.assertEqual(json.dumps(job), '{"x": 1.0}')

    def test_job_attributes(self):
        job = self.client().suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertIsInstance(job, Job)
        self.assertIsInstance(job, dict)
        self.assertEqual(job.id, "trial-1")
        self.assertEqual(job.number, 1)
        self.assertEqual(job.experiment, "Square")
        self.assertEqual(job.experiment_id, "exp-1")
        self.assertEqual(job["x"], 1.0)

    def test_suggest_request_headers_and_body(self):
        scientist = self.client(worker="gpu-7")
        experiment = {
            "name": "Square",
            "description": "x squared",
            "parameters": {"x": {"min": -10, "max": 10}},
            "resume": True,
            "algorithm": "random",
            "seed": 42,
        }
        scientist.suggest(experiment)
        request = self.fake.requests[0]
        headers = {key.lower(): value for key, value in request["headers"].items()}
        self.assertEqual(request["path"], "/graphql")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["accept"], "application/json")
        self.assertEqual(headers["authorization"], "Bearer " + TOKEN)
        self.assertEqual(headers["user-agent"], "oscar-python/" + oscar_package.__version__)
        body = request["body"]
        self.assertEqual(set(body), {"query", "variables"})
        self.assertIn("mutation Suggest($experiment: ExperimentInput!, $worker: String,", body["query"])
        self.assertIn(
            "suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId)",
            body["query"],
        )
        variables = body["variables"]
        self.assertEqual(set(variables), {"experiment", "worker", "instance", "requestId"})
        self.assertEqual(variables["experiment"], experiment)
        self.assertEqual(variables["worker"], "gpu-7")
        self.assertEqual(variables["instance"], scientist.instance)

    def test_each_suggest_has_its_own_request_id_and_retries_keep_it(self):
        scientist = self.client()
        scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        first, second = (r["body"]["variables"]["requestId"] for r in self.fake.requests)
        self.assertNotEqual(first, second)
        scientist = self.client(max_wait=5)
        self.fake.respond(503, b"starting up", "text/plain")
        scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        retried = [r["body"]["variables"]["requestId"] for r in self.fake.requests[2:]]
        self.assertEqual(len(retried), 2)
        self.assertEqual(retried[0], retried[1])

    def test_lease_seconds_is_sent_as_lease_seconds_field(self):
        self.client().suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}, "lease_seconds": 30})
        experiment = self.fake.requests[0]["body"]["variables"]["experiment"]
        self.assertEqual(experiment["leaseSeconds"], 30)
        self.assertNotIn("lease_seconds", experiment)

    def test_second_client_in_a_process_gets_its_own_worker_name(self):
        first = Oscar(TOKEN, url=self.fake.url)
        second = Oscar(TOKEN, url=self.fake.url)
        self.assertEqual(first.worker, socket.gethostname())
        self.assertEqual(second.worker, socket.gethostname() + "-2")
        self.assertNotEqual(first.instance, second.instance)

    def test_suggest_sends_only_given_keys(self):
        self.client(worker="w").suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(
            self.fake.requests[0]["body"]["variables"]["experiment"],
            {"name": "Square", "parameters": {"x": {"min": 0, "max": 1}}},
        )

    def test_update_request_and_return_value(self):
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        trial = scientist.update(job, {"loss": 1.0, "accuracy": 0.5})
        self.assertEqual(trial, {"id": "trial-1", "number": 1, "state": "COMPLETED", "loss": 1.0})
        body = self.fake.requests[1]["body"]
        self.assertIn("mutation Update($trialId: ID!, $result: JSON!)", body["query"])
        self.assertIn("update(trialId: $trialId, result: $result) { id number state loss error }", body["query"])
        self.assertEqual(
            body["variables"], {"trialId": "trial-1", "result": {"loss": 1.0, "accuracy": 0.5}}
        )

    def test_update_accepts_a_trial_id(self):
        scientist = self.client()
        scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        trial = scientist.update("trial-1", {"loss": 2})
        self.assertEqual(trial["state"], "COMPLETED")
        self.assertEqual(self.fake.requests[1]["body"]["variables"]["trialId"], "trial-1")

    def test_release_gives_the_trial_back_and_stops_its_heartbeats(self):
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}, "lease_seconds": 600})
        self.assertIn(job.id, scientist._heartbeats._due)
        self.fake.respond(200, {"data": {"release": {"id": job.id, "state": "STALE"}}})
        self.assertEqual(scientist.release(job), {"id": job.id, "state": "STALE"})
        sent = self.fake.requests[-1]["body"]
        self.assertIn("release(trialId: $trialId)", sent["query"])
        self.assertEqual(sent["variables"], {"trialId": job.id})
        self.assertNotIn(job.id, scientist._heartbeats._due)

    def test_release_on_a_server_without_it_leaves_the_trial_to_its_lease(self):
        # A server from before `release` refuses the operation (the fake knows none but suggest and update).
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}, "lease_seconds": 600})
        self.assertIn(job.id, scientist._heartbeats._due)
        self.fake.respond(400, FakeOscar.error('Cannot query field "release" on type "Mutation".', "GRAPHQL_VALIDATION_FAILED"))
        self.assertIsNone(scientist.release(job))
        self.assertNotIn(job.id, scientist._heartbeats._due)

    def test_release_at_ctrl_c_waits_seconds_for_a_server_that_does_not_answer(self):
        # A server that takes the connection and never answers (a network gone on a preempted machine).
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        self.addCleanup(silent.close)
        scientist = self.client(url="http://127.0.0.1:%d/graphql" % silent.getsockname()[1], timeout=60)
        started = time.monotonic()
        with self.assertRaises(OscarError) as caught:
            scientist._release("trial-1", 1.0)
        self.assertEqual(caught.exception.code, "CONNECTION_ERROR")
        self.assertLess(time.monotonic() - started, 10)  # not the 60 s timeout of each request

    def test_release_raises_other_errors(self):
        scientist = self.client()
        self.fake.respond(200, FakeOscar.error('Trial "nope" not found', "NOT_FOUND"))
        with self.assertRaises(OscarError) as caught:
            scientist.release("nope")
        self.assertEqual(caught.exception.code, "NOT_FOUND")

    def test_update_converts_number_like_values(self):
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        scientist.update(
            job,
            {
                "loss": FakeNumpyScalar(0.25),
                "epochs": FakeNumpyScalar(3),
                "lr": Decimal("0.5"),
                "curve": FakeArray([1.0, 0.5]),
                "tags": ("a", "b"),
            },
        )
        raw = self.fake.requests[1]["raw"].decode("utf-8")
        result = strict_json(raw)["variables"]["result"]
        self.assertEqual(
            result, {"loss": 0.25, "epochs": 3, "lr": 0.5, "curve": [1.0, 0.5], "tags": ["a", "b"]}
        )
        self.assertIsInstance(result["epochs"], int)

    def test_nan_loss_is_sent_as_a_string(self):
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        with self.assertRaises(OscarError) as caught:
            scientist.update(job, {"loss": float("nan"), "other": [float("inf"), -math.inf]})
        raw = self.fake.requests[1]["raw"].decode("utf-8")
        result = strict_json(raw)["variables"]["result"]
        self.assertEqual(result, {"loss": "NaN", "other": ["Infinity", "-Infinity"]})
        # The server's own message comes through.
        self.assertEqual(caught.exception.code, "BAD_USER_INPUT")
        self.assertIn("loss", str(caught.exception))
        self.assertIn("NaN", str(caught.exception))

    def test_numpy_like_nan_is_sent_as_a_string(self):
        scientist = self.client()
        job = scientist.suggest({"name": "Square", "parameters": {"x": {"min": 0, "max": 7}}})
        with self.assertRaises(OscarError):
            scientist.update(job, {"loss": FakeNumpyScalar(float("nan"))})
        self.assertEqual(self.fake.requests[1]["body"]["variables"]["result"], {"loss": "NaN"})

    def test_query_returns_data(self):
        data = self.client().query(
            "mutation Suggest($experiment: ExperimentInput!, $worker: String) {"
            " suggest(experiment: $experiment, worker: $worker) { id } }",
            {"experiment": {"name": "Q", "parameters": {"x": {"min": 0, "max": 1}}}, "worker": "w"},
        )
        self.assertEqual(data["suggest"]["id"], "trial-1")

    # --------------------------------------------------------------- errors

    def test_graphql_error_carries_code_and_message(self):
        with self.assertRaises(OscarError) as caught:
            self.client(token="wrong").suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        error = caught.exception
        self.assertEqual(str(error), "Invalid API token")
        self.assertEqual(error.message, "Invalid API token")
        self.assertEqual(error.code, "UNAUTHENTICATED")
        self.assertEqual(
            error.errors, [{"message": "Invalid API token", "extensions": {"code": "UNAUTHENTICATED"}}]
        )
        self.assertEqual(len(self.fake.requests), 1)  # not retried

    def test_error_class_is_reachable_from_the_client_class(self):
        # The Get Started guide: `from Oscar import Oscar`, then `except Oscar.OscarError`.
        self.assertIs(Oscar.OscarError, OscarError)
        try:
            self.client(token="wrong").suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        except Oscar.OscarError as error:
            self.assertEqual(error.code, "UNAUTHENTICATED")
        else:
            self.fail("no Oscar.OscarError raised")

    def test_not_found_error(self):
        with self.assertRaises(OscarError) as caught:
            self.client().update("no-such-trial", {"loss": 1})
        self.assertEqual(caught.exception.code, "NOT_FOUND")
        self.assertEqual(str(caught.exception), "Trial not found")

    def test_http_401_with_graphql_body(self):
        self.fake.respond(401, FakeOscar.error("Missing API token", "UNAUTHENTICATED"))
        with self.assertRaises(OscarError) as caught:
            self.client(max_wait=5).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(str(caught.exception), "Missing API token")
        self.assertEqual(caught.exception.code, "UNAUTHENTICATED")
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(len(self.fake.requests), 1)

    def test_http_500_with_graphql_body(self):
        self.fake.respond(500, FakeOscar.error("Unexpected error.", "INTERNAL_SERVER_ERROR"))
        with self.assertRaises(OscarError) as caught:
            self.client(max_wait=5).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(str(caught.exception), "Unexpected error.")
        self.assertEqual(caught.exception.code, "INTERNAL_SERVER_ERROR")
        self.assertEqual(caught.exception.status, 500)
        self.assertEqual(len(self.fake.requests), 1)  # GraphQL errors are not retried

    def test_http_error_without_json_body(self):
        self.fake.respond(500, b"<html>Internal Server Error</html>", "text/html")
        with self.assertRaises(OscarError) as caught:
            self.client().suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        message = str(caught.exception)
        self.assertIn("500", message)
        self.assertIn("Internal Server Error", message)
        self.assertEqual(caught.exception.status, 500)
        self.assertIsNone(caught.exception.code)
        self.assertEqual(caught.exception.errors, [])

    def test_gateway_error_is_retried(self):
        self.fake.respond(503, b"Service Unavailable", "text/plain")
        with mock.patch("Oscar.client.time.sleep") as sleep:
            with self.assertLogs("Oscar", "WARNING"):
                job = self.client(max_wait=60).suggest(
                    {"name": "S", "parameters": {"x": {"min": 0, "max": 7}}}
                )
        self.assertEqual(job.id, "trial-1")
        self.assertEqual(len(self.fake.requests), 2)
        sleep.assert_called_once_with(0.5)

    def test_busy_server_answers_are_retried(self):
        for code in ("DATABASE_BUSY", "SERVER_BUSY"):
            self.fake.respond(503, FakeOscar.error("The database is locked; retry shortly", code))
        with mock.patch("Oscar.client.time.sleep") as sleep:
            with self.assertLogs("Oscar", "WARNING"):
                job = self.client(max_wait=60).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertEqual(job.id, "trial-1")
        self.assertEqual(len(self.fake.requests), 3)
        self.assertEqual([call.args[0] for call in sleep.call_args_list], [0.5, 1])

    def test_rate_limited_answers_wait_for_retry_after(self):
        limited = FakeOscar.error("Rate limit of 3 requests a minute exceeded; retry in 7 s", "RATE_LIMITED")
        self.fake.respond(429, limited, headers={"Retry-After": "7"})
        self.fake.respond(429, b"Too Many Requests", "text/plain")  # a proxy's, without Retry-After
        with mock.patch("Oscar.client.time.sleep") as sleep:
            with self.assertLogs("Oscar", "WARNING") as logs:
                job = self.client(max_wait=60).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertEqual(job.id, "trial-1")
        self.assertEqual(len(self.fake.requests), 3)
        self.assertEqual([call.args[0] for call in sleep.call_args_list], [7, 1])
        self.assertIn("RATE_LIMITED", logs.output[0])
        # Retry-After is followed within max_wait, never beyond it.
        self.fake.respond(429, limited, headers={"Retry-After": "60"})
        with mock.patch("Oscar.client.time.sleep") as sleep:
            with self.assertLogs("Oscar", "WARNING"):
                self.client(max_wait=2).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertLessEqual(sleep.call_args.args[0], 2)
        # Once retrying is over, the server is as good as unreachable: CONNECTION_ERROR, as for busy answers.
        self.fake.respond(429, limited, headers={"Retry-After": "7"})
        with self.assertRaises(OscarError) as caught:
            self.client(retries=0).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertEqual(caught.exception.code, "CONNECTION_ERROR")
        self.assertIn("RATE_LIMITED", str(caught.exception))

    def test_other_graphql_errors_are_not_retried(self):
        self.fake.respond(429, FakeOscar.error("Slow down", "BAD_USER_INPUT"))
        with self.assertRaises(OscarError) as caught:
            self.client(max_wait=60).suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertEqual(caught.exception.code, "BAD_USER_INPUT")
        self.assertEqual(len(self.fake.requests), 1)

    def test_resume_false_starts_afresh_once_per_client_and_name(self):
        # The seed's loop reuses one dict: only the first suggest may archive the experiment.
        experiment = {"name": "Fresh", "parameters": {"x": {"min": 0, "max": 1}}, "resume": False}
        scientist = self.client()
        for _ in range(3):
            scientist.suggest(experiment)
        other = dict(experiment, name="Other")
        scientist.suggest(other)
        sent = [r["body"]["variables"]["experiment"] for r in self.fake.requests]
        self.assertEqual([(e["name"], e["resume"]) for e in sent], [("Fresh", False), ("Fresh", True), ("Fresh", True), ("Other", False)])
        self.assertIs(experiment["resume"], False)  # the caller's dict is left alone
        # A new client (a new run of the script) starts afresh again.
        self.client().suggest(experiment)
        self.assertIs(self.fake.requests[-1]["body"]["variables"]["experiment"]["resume"], False)

    def test_resume_false_is_sent_again_when_the_first_suggest_failed(self):
        self.fake.respond(200, FakeOscar.error("bad", "BAD_USER_INPUT"))
        experiment = {"name": "Fresh", "parameters": {"x": {"min": 0, "max": 1}}, "resume": False}
        scientist = self.client()
        with self.assertRaises(OscarError):
            scientist.suggest(experiment)
        scientist.suggest(experiment)
        self.assertIs(self.fake.requests[-1]["body"]["variables"]["experiment"]["resume"], False)

    def test_connection_refused_is_retried_then_raises(self):
        url = "http://127.0.0.1:%d/graphql" % free_port()
        scientist = Oscar(TOKEN, url=url, max_wait=0.3)
        started = time.monotonic()
        with self.assertLogs("Oscar", "WARNING") as logs:
            with self.assertRaises(OscarError) as caught:
                scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(len(logs.records), 1)  # at least one retry
        self.assertLess(elapsed, 5)
        self.assertIn(url, str(caught.exception))
        self.assertIn("attempts", str(caught.exception))
        self.assertEqual(caught.exception.code, "CONNECTION_ERROR")

    def test_backoff_doubles_and_is_capped(self):
        url = "http://127.0.0.1:%d/graphql" % free_port()
        scientist = Oscar(TOKEN, url=url, retries=7, max_wait=1000)
        with mock.patch("Oscar.client.time.sleep") as sleep:
            with self.assertLogs("Oscar", "WARNING"):
                with self.assertRaises(OscarError) as caught:
                    scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(
            [call.args[0] for call in sleep.call_args_list], [0.5, 1, 2, 4, 8, 10, 10]
        )
        self.assertIn("8 attempts", str(caught.exception))

    def test_retry_succeeds_once_the_server_is_up(self):
        port = free_port()
        scientist = Oscar(TOKEN, url="http://127.0.0.1:%d/graphql" % port, max_wait=30)
        servers = []

        def start_server(seconds):
            # The first attempt was refused; a server appears during the wait.
            if not servers:
                servers.append(FakeOscar(port))
                self.addCleanup(servers[0].close)

        with mock.patch("Oscar.client.time.sleep", side_effect=start_server):
            with self.assertLogs("Oscar", "WARNING"):
                job = scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 7}}})
        self.assertEqual(job.id, "trial-1")
        self.assertEqual(len(servers[0].requests), 1)

    # ------------------------------------------------------ local validation

    def test_unknown_experiment_key_raises_locally(self):
        with self.assertRaises(OscarError) as caught:
            self.client().suggest({"name": "S", "parameters": {}, "paramters": {}})
        self.assertIn("paramters", str(caught.exception))
        self.assertEqual(caught.exception.code, "BAD_USER_INPUT")
        self.assertEqual(caught.exception.field, "experiment.paramters")
        self.assertEqual(self.fake.requests, [])

    def test_missing_experiment_keys_raise_locally(self):
        with self.assertRaises(OscarError) as caught:
            self.client().suggest({"parameters": {}})
        self.assertIn("name", str(caught.exception))
        with self.assertRaises(OscarError) as caught:
            self.client().suggest({"name": "S"})
        self.assertIn("parameters", str(caught.exception))
        self.assertEqual(caught.exception.field, "experiment.parameters")
        self.assertEqual(self.fake.requests, [])

    def test_server_errors_spell_lease_seconds_as_the_user_did(self):
        refusal = {
            "message": "experiment.leaseSeconds must be between 2 and 604800, but got 1",
            "extensions": {"code": "BAD_USER_INPUT", "field": "experiment.leaseSeconds"},
        }
        with self.assertRaises(OscarError) as caught:
            self.client()._handle(200, b"", {"errors": [refusal]})
        self.assertEqual(caught.exception.message, "experiment.lease_seconds must be between 2 and 604800, but got 1")
        self.assertEqual(caught.exception.field, "experiment.lease_seconds")

    def test_update_requires_a_result(self):
        scientist = self.client()
        # Which keys a result needs is the experiment's (its objectives): the server checks them.
        with self.assertRaises(OscarError):
            scientist.update("trial-1", {})
        with self.assertRaises(OscarError):
            scientist.update("trial-1", 0.5)
        with self.assertRaises(OscarError):
            scientist.update({"x": 1}, {"loss": 1})  # a plain dict has no trial id
        self.assertEqual(self.fake.requests, [])

    # ----------------------------------------------------------- environment

    def test_env_fallbacks(self):
        os.environ["OSCAR_URL"] = self.fake.url
        os.environ["OSCAR_WORKER"] = "worker-from-env"
        scientist = Oscar(TOKEN)
        self.assertEqual(scientist.url, self.fake.url)
        self.assertEqual(scientist.worker, "worker-from-env")
        scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(len(self.fake.requests), 1)
        self.assertEqual(self.fake.requests[0]["body"]["variables"]["worker"], "worker-from-env")

    def test_explicit_arguments_beat_env(self):
        os.environ["OSCAR_URL"] = "http://example.invalid/graphql"
        os.environ["OSCAR_WORKER"] = "worker-from-env"
        scientist = Oscar(TOKEN, url=self.fake.url, worker="explicit")
        self.assertEqual(scientist.url, self.fake.url)
        self.assertEqual(scientist.worker, "explicit")

    def test_base_url_gets_the_graphql_path(self):
        base = self.fake.url[: -len("/graphql")]
        for url in (base, base + "/"):
            scientist = Oscar(TOKEN, url=url)
            self.assertEqual(scientist.url, self.fake.url)
        scientist.suggest({"name": "S", "parameters": {"x": {"min": 0, "max": 1}}})
        self.assertEqual(self.fake.requests[-1]["path"], "/graphql")
        self.assertEqual(Oscar(TOKEN, url="http://h:1/api/graphql").url, "http://h:1/api/graphql")

    def test_defaults(self):
        scientist = Oscar(TOKEN)
        self.assertEqual(scientist.url, "http://localhost:4000/graphql")
        self.assertEqual(scientist.worker, socket.gethostname())
        self.assertEqual(scientist.timeout, 60)
        self.assertNotIn(TOKEN, repr(scientist))


class KeepAliveServer:
    """An HTTP/1.1 endpoint that keeps connections open and counts those a client still holds."""

    def __init__(self):
        self.open = 0
        self.requests = 0
        self.close_when_idle = False  # close each connection after its answer, without saying so
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with server.lock:
                    server.open += 1

            def finish(self):
                try:
                    super().finish()
                finally:
                    with server.lock:
                        server.open -= 1

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.lock:
                    server.requests += 1
                reply(self, 200, json.dumps({"data": {"ok": True}}).encode("utf-8"))
                if server.close_when_idle:
                    self.close_connection = True
                    # End it now (FIN sent), before finish() counts it closed: no race with the next call.
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url, self.thread = serve(self.server)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class KeepAliveTest(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.dict(os.environ, {"no_proxy": "*", "NO_PROXY": "*"})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.server = KeepAliveServer()
        self.addCleanup(self.server.close)

    def wait_for_open(self, expected, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            gc.collect()
            with self.server.lock:
                if self.server.open == expected:
                    return
            time.sleep(0.02)
        self.fail("the server still sees %d open connections, not %d" % (self.server.open, expected))

    def test_a_thread_that_ends_closes_its_connection(self):
        scientist = Oscar(TOKEN, url=self.server.url, max_wait=0)
        self.addCleanup(scientist.close)
        self.assertEqual(scientist.query("{ ok }"), {"ok": True})
        self.wait_for_open(1)  # the main thread keeps its connection between calls
        for _ in range(3):
            threads = [threading.Thread(target=scientist.query, args=("{ ok }",)) for _ in range(10)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        # Thirty threads came and went: their connections are closed, the main thread's stays.
        self.wait_for_open(1)
        self.assertEqual(scientist.query("{ ok }"), {"ok": True})
        scientist.close()
        self.wait_for_open(0)

    def test_reopens_a_connection_the_server_closed_while_idle_without_resending(self):
        self.server.close_when_idle = True  # like a keep-alive timeout, or a proxy's
        scientist = Oscar(TOKEN, url=self.server.url, max_wait=0, retries=0)
        self.addCleanup(scientist.close)
        for _ in range(3):
            self.assertEqual(scientist.query("{ ok }"), {"ok": True})
            self.wait_for_open(0)  # the server has closed the idle connection
        self.assertEqual(self.server.requests, 3)


if __name__ == "__main__":
    unittest.main()
