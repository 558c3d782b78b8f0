"""Oscar's GraphQL client (Python standard library only)."""

import contextlib
import email.utils
import errno
import http.client
import json
import logging
import math
import os
import select
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import weakref
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, Union

from . import __version__

__all__ = ["Oscar", "OscarError", "Job", "DEFAULT_URL"]

logger = logging.getLogger("Oscar")

#: Used when neither the ``url`` argument nor ``OSCAR_URL`` is set.
DEFAULT_URL = "http://localhost:4000/graphql"

SUGGEST_MUTATION = (
    "mutation Suggest($experiment: ExperimentInput!, $worker: String,"
    " $instance: String, $requestId: String) {\n"
    "  suggest(experiment: $experiment, worker: $worker, instance: $instance,"
    " requestId: $requestId) { id number params checkpoint experiment { id name leaseSeconds } }\n"
    "}"
)

#: :data:`SUGGEST_MUTATION` for an experiment joined by its name: the answer also carries the space it has.
SUGGEST_JOINED_MUTATION = SUGGEST_MUTATION.replace("leaseSeconds }", "leaseSeconds parameters }")

UPDATE_MUTATION = (
    "mutation Update($trialId: ID!, $result: JSON!) {\n"
    "  update(trialId: $trialId, result: $result) { id number state loss error }\n"
    "}"
)

FAIL_MUTATION = (
    "mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {\n"
    "  fail(trialId: $trialId, error: $error, metrics: $metrics) { id number state loss error }\n"
    "}"
)

HEARTBEAT_MUTATION = (
    "mutation Heartbeat($trialId: ID!) {\n"
    "  heartbeat(trialId: $trialId) { id state leaseExpiresAt }\n"
    "}"
)

RELEASE_MUTATION = (
    "mutation Release($trialId: ID!) {\n"
    "  release(trialId: $trialId) { id state }\n"
    "}"
)

CHECKPOINT_MUTATION = (
    "mutation Checkpoint($trialId: ID!, $data: JSON!) {\n"
    "  checkpoint(trialId: $trialId, data: $data) { id state checkpoint checkpointAt leaseExpiresAt }\n"
    "}"
)

REPORT_MUTATION = (
    "mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {\n"
    "  report(trialId: $trialId, step: $step, value: $value, metrics: $metrics)"
    " { shouldStop trial { id state lastStep prunedStep } }\n"
    "}"
)

ENQUEUE_MUTATION = (
    "mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!,"
    " $requestId: String) {\n"
    "  enqueue(experiment: $experiment, experimentName: $experimentName, params: $params,"
    " requestId: $requestId) { id place params }\n"
    "}"
)

#: The most JSON text a checkpoint record may take (the server refuses more).
MAX_CHECKPOINT_BYTES = 16 * 1024

#: The largest step a report may name (the server refuses more).
MAX_STEP = 10**9

FRONT_QUERY = (
    "query Front($name: String!) {\n"
    "  experiment(name: $name) { paretoFront { %s feasible } }\n"
    "}"
)

#: The trial fields :meth:`Oscar.best` and :meth:`Oscar.trials` return.
TRIAL_FIELDS = "id number state params loss metrics error worker checkpoint createdAt completedAt"

BEST_QUERY = (
    "query Best($name: String!) {\n"
    "  experiment(name: $name) { bestTrial { %s } }\n"
    "}" % TRIAL_FIELDS
)

TRIALS_QUERY = (
    "query Trials($name: String, $id: ID, $after: String) {\n"
    "  experiment(name: $name, id: $id) {\n"
    "    id trials(first: 100, after: $after) { edges { node { %s } } pageInfo { hasNextPage endCursor } }\n"
    "  }\n"
    "}" % TRIAL_FIELDS
)

#: Keys accepted in the experiment dict given to :meth:`Oscar.suggest`
#: (the fields of the GraphQL ``ExperimentInput`` type; ``lease_seconds`` is
#: sent as ``leaseSeconds``, ``max_trials`` as ``maxTrials``, ``max_retries`` as ``maxRetries``).
EXPERIMENT_FIELDS = (
    "name", "description", "parameters", "resume", "algorithm", "seed", "lease_seconds", "max_trials",
    "max_retries", "pruner", "objectives", "constraints",
)
_GRAPHQL_NAMES = {"lease_seconds": "leaseSeconds", "max_trials": "maxTrials", "max_retries": "maxRetries"}

#: The code of the error a suggest gets once the experiment's trial budget (``max_trials``) is spent.
BUDGET_SPENT = "TRIAL_BUDGET_SPENT"

#: Trial states in which the server still expects heartbeats.
_OPEN_STATES = ("RUNNING", "STALE")
_RELEASE_WAIT = 5.0  # seconds a job interrupted by Ctrl-C waits, at most, for the server to take it back

_instances = 0
_instances_lock = threading.Lock()


def _default_worker(worker: Optional[str]) -> str:
    """The worker name: ``worker``, ``OSCAR_WORKER`` or the host name; the
    second and later clients created in one process get ``-2``, ``-3``, ...
    so that threads sharing an experiment are told apart, and a restarted
    process gets the same names back in the same order."""
    global _instances
    with _instances_lock:
        _instances += 1
        index = _instances
    base = worker or os.environ.get("OSCAR_WORKER") or socket.gethostname()
    return base if worker or index == 1 else "%s-%d" % (base, index)
_REQUIRED_EXPERIMENT_FIELDS = ("name", "parameters")

_FIRST_DELAY = 0.5  # seconds before the first retry; doubles each time
_MAX_DELAY = 10.0  # cap on one wait between retries
_MAX_RETRY_AFTER = 60.0  # longest wait a server's Retry-After is followed for (longer ones are cut to this)
_RETRY_STATUSES = (429, 502, 503, 504)  # too many requests, gateway errors: without a GraphQL body
_RETRY_CODES = ("DATABASE_BUSY", "SERVER_BUSY", "RATE_LIMITED")  # GraphQL errors that say "try again shortly"
_EXCERPT = 300  # characters of a non-GraphQL error body quoted in messages


class OscarError(Exception):
    """Raised for every failure reported by the Oscar client.

    Attributes:
        message: the human-readable message (the server's own message for
            GraphQL errors).
        code: the GraphQL error code from ``extensions.code``, such as
            ``"UNAUTHENTICATED"``, ``"BAD_USER_INPUT"`` or ``"NOT_FOUND"``.
            Invalid arguments rejected locally use ``"BAD_USER_INPUT"`` too;
            an unreachable server gives ``"CONNECTION_ERROR"``; otherwise
            ``None``.
        errors: the raw list of GraphQL errors from the response (empty if
            the failure was not a GraphQL error).
        status: the HTTP status code if a response was received, else ``None``.
        field: the input the error is about, such as ``"experiment.parameters.x.min"``
            or ``"step"`` (the server's ``extensions.field``, or the argument a
            local check refused); ``None`` when none is named.
    """

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        errors: Optional[List[Any]] = None,
        status: Optional[int] = None,
        field: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = list(errors) if errors else []
        self.status = status
        self.field = field if field is not None else _field_of(self.errors)


def _field_of(errors: List[Any]) -> Optional[str]:
    """The ``extensions.field`` of the first GraphQL error, if it names one."""
    first = errors[0] if errors else None
    extensions = first.get("extensions") if isinstance(first, dict) else None
    field = extensions.get("field") if isinstance(extensions, dict) else None
    return _python_names(field) if isinstance(field, str) else None


def _still_running(error: OscarError) -> bool:
    """Whether a ``TRIAL_BUDGET_SPENT`` answer says some of the experiment's trials still run."""
    first = error.errors[0] if error.errors else None
    extensions = first.get("extensions") if isinstance(first, dict) else None
    running = extensions.get("running") if isinstance(extensions, dict) else None
    return isinstance(running, int) and running > 0


def _python_names(text: str) -> str:
    """``text`` with the experiment keys this client renames for GraphQL spelled as the user wrote them."""
    for python, graphql in _GRAPHQL_NAMES.items():
        text = text.replace("experiment.%s" % graphql, "experiment.%s" % python)
    return text


class Job(Dict[str, Any]):
    """A suggested set of parameters, as returned by :meth:`Oscar.suggest`.

    A ``Job`` *is* the parameter dict (``job['x']``, ``print(job)`` shows
    ``{'x': 3.2}``, ``dict(job)``), with extra attributes describing the trial:

    Attributes:
        id: the trial id (``str``), which :meth:`Oscar.update` reports to.
        number: the trial's number within its experiment (``int``).
        experiment: the experiment's name.
        experiment_id: the experiment's id (``str``).
        checkpoint: the latest record saved with :meth:`Oscar.checkpoint` for
            these parameters (a ``dict``), when the trial was handed back after
            a reboot or offered again after its worker was lost; else ``None``.
            Resume training from it instead of starting over.
        reported: whether this client has sent its result (``update`` or ``fail``).
        pruned: whether the experiment's pruner stopped the job (a
            :meth:`Oscar.report` answered ``True``).
    """

    def __init__(
        self,
        params: Any = (),
        id: Optional[str] = None,
        number: Optional[int] = None,
        experiment: Optional[str] = None,
        experiment_id: Optional[str] = None,
        checkpoint: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(params)
        self.id = id
        self.number = number
        self.experiment = experiment
        self.experiment_id = experiment_id
        self.checkpoint = checkpoint
        self.pruned = False
        self.reported = False


class Oscar:
    """Client for an Oscar server.

    Args:
        token: an API access token (created in Oscar's web interface); sent as
            ``Authorization: Bearer <token>``.
        url: the GraphQL endpoint. Defaults to the ``OSCAR_URL`` environment
            variable, then ``http://localhost:4000/graphql``. The server's base
            URL (``http://host:4000``) works too: ``/graphql`` is added.
        worker: a name for this worker, recorded with each suggested trial.
            Defaults to the ``OSCAR_WORKER`` environment variable, then the
            host name (with ``-2``, ``-3`` ... for further clients created in
            the same process). A worker that asks again under the same name
            after a crash or reboot gets its unfinished trial back first, once
            that trial's heartbeats have stopped for half its lease.
        timeout: seconds to wait for each HTTP request.
        retries: how many times to retry a request that failed because the
            server could not be reached (refused, reset or timed-out
            connection, an HTTP 429/502/503/504 without a GraphQL body, or the
            server's ``DATABASE_BUSY``/``SERVER_BUSY``/``RATE_LIMITED`` answers).
            ``None`` (the default) retries until ``max_wait`` is spent.
        max_wait: the longest time, in seconds, spent retrying one request.
            Waits start at 0.5 s and double up to 10 s, or are what the
            server's ``Retry-After`` says (up to 60 s). ``0`` disables
            retrying. Other GraphQL errors are never retried.

    Example::

        scientist = Oscar('API_ACCESS_TOKEN')
        job = scientist.suggest({'name': 'Square',
                                 'parameters': {'x': {'min': -10, 'max': 10}}})
        scientist.update(job, {'loss': job['x'] ** 2})
    """

    #: The error every failure raises, also reachable as ``Oscar.OscarError``
    #: after ``from Oscar import Oscar`` (as the Get Started guide writes it).
    OscarError = OscarError

    def __init__(
        self,
        token: str,
        url: Optional[str] = None,
        worker: Optional[str] = None,
        timeout: float = 60,
        retries: Optional[int] = None,
        max_wait: float = 120,
    ) -> None:
        self.token = token
        self.url = _endpoint(url or os.environ.get("OSCAR_URL") or DEFAULT_URL)
        self.worker = _default_worker(worker)
        self.instance = uuid.uuid4().hex
        self.timeout = timeout
        self.retries = retries
        self.max_wait = max_wait
        scheme = urllib.parse.urlsplit(self.url).scheme.lower()
        if scheme not in ("http", "https"):
            raise OscarError(
                "Oscar URL must start with http:// or https://, got %r" % self.url,
                code="BAD_USER_INPUT",
            )
        # Through an HTTP(S) proxy from the environment, urllib does the talking; otherwise each thread
        # keeps one connection open to the server between calls (HTTP keep-alive).
        self._opener = urllib.request.build_opener() if _proxied(self.url) else None
        self._connections = _Connections(self.url, timeout)
        self._heartbeats = _Heartbeats(self)
        # Experiments this client has already started afresh (``resume: False``): later calls continue them.
        self._restarted = set()  # type: Set[str]

    def __repr__(self) -> str:
        return "Oscar(url=%r, worker=%r)" % (self.url, self.worker)

    # ------------------------------------------------------------------ API

    def suggest(self, experiment: Union[Mapping[str, Any], str]) -> Job:
        """Ask the server for the next parameters to try.

        Args:
            experiment: a dict with ``name`` and ``parameters`` (required), and
                optionally ``description``, ``resume`` (bool), ``algorithm``
                (str), ``seed`` (int), ``lease_seconds`` and ``max_trials`` (the
                most trials the experiment runs, over all workers; then a suggest
                for new parameters raises ``OscarError`` with code
                ``TRIAL_BUDGET_SPENT``, see :meth:`jobs`), ``max_retries`` (how many
                times in a row a trial lost with no progress is offered again before
                it is FAILED; default 3). The experiment is created on first
                use; ``parameters`` maps each parameter name to its search
                space, e.g. ``{'x': {'min': -10, 'max': 10}}``.
                ``resume: False`` starts the experiment afresh (its earlier
                trials are archived) on this client's first suggest for that
                name only; later suggests with the same dict continue the new
                run, as in a training loop that reuses one dict.
                Or the name of an existing experiment (a ``str``): it is joined
                in the space it has on the server (also after it was started
                afresh in another space), and its settings are kept; a name
                with no experiment (never created, or deleted) raises
                ``NOT_FOUND`` and creates nothing.

        Returns:
            A :class:`Job`: the parameter dict, with ``id``, ``number`` and
            ``experiment`` attributes.

        Raises:
            OscarError: if the experiment dict is invalid, the server rejects
                the request, or the server cannot be reached.
        """
        joined = isinstance(experiment, str)
        if isinstance(experiment, str):
            # The name alone: the server joins its current experiment of that name, or answers NOT_FOUND.
            fields = {"name": experiment}  # type: Dict[str, Any]
        else:
            fields = _experiment_input(experiment)
        restart = fields.get("resume") is False
        if restart and fields["name"] in self._restarted:
            fields["resume"] = True
        variables = {
            "experiment": fields,
            "worker": self.worker,
            "instance": self.instance,
            # The same id on every retry of this call: the server then hands back the same trial.
            "requestId": uuid.uuid4().hex,
        }
        data = self.query(SUGGEST_JOINED_MUTATION if joined else SUGGEST_MUTATION, variables)
        trial = data.get("suggest") if isinstance(data, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to suggest: %r" % (data,))
        if restart:
            self._restarted.add(fields["name"])
        params = trial.get("params")
        if isinstance(params, str):  # tolerate a JSON scalar serialized as text
            try:
                params = json.loads(params)
            except ValueError:
                pass
        if not isinstance(params, dict):
            raise OscarError("unexpected params in response to suggest: %r" % (params,))
        raw_experiment = trial.get("experiment")
        exp = raw_experiment if isinstance(raw_experiment, dict) else {}  # type: Dict[str, Any]
        _as_floats(params, exp.get("parameters") if joined else fields.get("parameters"))
        number = trial.get("number")
        lease = exp.get("leaseSeconds")
        if trial.get("id") is not None and isinstance(lease, (int, float)) and lease > 0:
            self._heartbeats.watch(str(trial["id"]), lease / 3.0)
        saved = trial.get("checkpoint")
        return Job(
            params,
            id=None if trial.get("id") is None else str(trial["id"]),
            number=None if number is None else int(number),
            experiment=exp.get("name", fields.get("name")),
            experiment_id=None if exp.get("id") is None else str(exp["id"]),
            checkpoint=saved if isinstance(saved, dict) else None,
        )

    def release(self, job: Union[Job, str]) -> Optional[Dict[str, Any]]:
        """Give a job up without a result: its heartbeats stop and the server offers its
        parameters again at once, to this worker or another, resuming from its latest
        checkpoint (a machine about to shut down, a job abandoned after an exception that
        should not count as a failure). Returns the trial (``id``, ``state``: ``STALE``, or
        as it was if it had finished). A server from before ``release`` (it does not know the
        mutation) returns ``None``: the parameters are offered again once the lease runs out.
        """
        return self._release(_trial_id(job), self.max_wait)

    def _release(self, trial_id: str, max_wait: float) -> Optional[Dict[str, Any]]:
        self._heartbeats.forget(trial_id)
        try:
            data = self._send(self._body(RELEASE_MUTATION, {"trialId": trial_id}), max_wait, bounded=max_wait < self.timeout)
        except OscarError as error:
            if error.code == "GRAPHQL_VALIDATION_FAILED" and "release" in str(error):
                return None
            raise
        trial = data.get("release") if isinstance(data, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to release: %r" % (data,))
        return trial

    def update(self, job: Union[Job, str], result: Mapping[str, Any]) -> Dict[str, Any]:
        """Report the result of a job.

        Args:
            job: the :class:`Job` returned by :meth:`suggest`, or its trial id.
            result: a dict holding ``loss`` (the number to minimize), plus any
                other metrics to record; or holding ``error`` (a message)
                instead of a loss to report a failed trial. NumPy scalars and other number-like
                objects are converted to plain numbers; NaN and infinities are
                sent as the strings ``"NaN"``, ``"Infinity"`` and
                ``"-Infinity"``: the server refuses such a loss (naming the
                field) and stores such a metric as null.

        Returns:
            The server's trial dict: ``id``, ``number``, ``state`` and ``loss``.

        Raises:
            OscarError: if the arguments are invalid, the server rejects the
                result, or the server cannot be reached.
        """
        trial_id = _trial_id(job)
        if not isinstance(result, Mapping):
            raise OscarError(
                "result must be a dict holding 'loss', got %s" % type(result).__name__,
                code="BAD_USER_INPUT",
            )
        if not result:
            # Which keys it needs is the experiment's (its objectives: 'loss' by default): the server says.
            raise OscarError("result must hold 'loss' (or the experiment's objectives)", code="BAD_USER_INPUT")
        data = self.query(UPDATE_MUTATION, {"trialId": trial_id, "result": dict(result)})
        trial = data.get("update") if isinstance(data, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to update: %r" % (data,))
        self._heartbeats.forget(trial_id)
        if isinstance(job, Job):
            job.reported = True
        return trial

    def fail(self, job: Union[Job, str], error: Any, metrics: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Report that a job failed (for example, training diverged or ran out of memory).

        The trial is kept and shown as FAILED; its parameters are not used as a loss.

        Args:
            job: the :class:`Job` returned by :meth:`suggest`, or its trial id.
            error: what went wrong (an exception is turned into its message).
            metrics: optional metrics to record with the failure.

        Returns:
            The server's trial dict: ``id``, ``number``, ``state`` and ``error``.
        """
        trial_id = _trial_id(job)
        message = "%s: %s" % (type(error).__name__, error) if isinstance(error, BaseException) else str(error)
        # A lone surrogate (a file name from os.fsdecode) is no text to store: it goes as its escape, \udcff.
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
        variables = {"trialId": trial_id, "error": message, "metrics": dict(metrics) if metrics else None}
        data = self.query(FAIL_MUTATION, variables)
        trial = data.get("fail") if isinstance(data, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to fail: %r" % (data,))
        self._heartbeats.forget(trial_id)
        if isinstance(job, Job):
            job.reported = True
        return trial

    def jobs(self, experiment: Union[Mapping[str, Any], str], poll: Optional[float] = 10.0) -> Iterator[Job]:
        """Suggests one job after another, until the experiment's trial budget
        (``max_trials``) is spent and none of its trials runs any more::

            for job in scientist.jobs({'name': 'Square', 'parameters': {...}, 'max_trials': 100}):
                scientist.update(job, {'loss': train(**job)})

        Every worker can run this loop: together they run ``max_trials`` trials.
        Once the budget is spent, a worker whose loop asks while other workers'
        trials still run asks again every ``poll`` seconds, so that a trial lost
        or released meanwhile (a preempted machine) is run here rather than
        never; ``poll=None`` ends the loop at once instead. Without a budget it
        goes on until stopped. Any other error is raised as :meth:`suggest`
        raises it.
        """
        while True:
            try:
                job = self.suggest(experiment)
            except OscarError as error:
                if error.code != BUDGET_SPENT:
                    raise
                if poll is None or not _still_running(error):
                    return
                time.sleep(poll)
                continue
            yield job

    @contextlib.contextmanager
    def trial(self, experiment: Union[Mapping[str, Any], str]) -> Iterator[Job]:
        """Suggests a job for the ``with`` block, and looks after it::

            with scientist.trial(experiment) as job:
                scientist.update(job, {'loss': train(**job)})

        Heartbeats keep the job's lease while the block runs. An exception in
        the block marks the trial FAILED with the exception's message (then
        propagates, whether or not the trial could be marked); Ctrl-C (``KeyboardInterrupt``) or ``SystemExit``
        release it (:meth:`release`, waiting at most 5 seconds for the server), so its parameters
        are offered again at once. A job left without a result otherwise is offered again once its
        lease runs out.
        """
        job = self.suggest(experiment)
        try:
            yield job
        except Exception as error:
            unreachable = isinstance(error, OscarError) and error.code == "CONNECTION_ERROR"
            if not job.reported and not unreachable:  # no second wait for a server already given up on
                try:
                    self.fail(job, error)
                except Exception as failure:  # never hide the user's own exception
                    logger.warning("could not mark trial %s FAILED: %s", job.id, failure)
            raise
        except BaseException:  # Ctrl-C, SystemExit: given up, not failed
            if job.id is not None and not job.reported:
                try:
                    self._release(job.id, _RELEASE_WAIT)
                except Exception as failure:  # never hide the interruption
                    logger.warning("could not release trial %s: %s", job.id, failure)
            raise
        finally:
            if job.id is not None:
                self._heartbeats.forget(job.id)

    def best(self, experiment_name: str) -> Optional[Dict[str, Any]]:
        """The experiment's best completed trial: the lowest loss, or with several
        objectives the best feasible one in the first (``id``,
        ``number``, ``state``, ``params``, ``loss``, ``metrics``, ``error``,
        ``worker``, ``createdAt``, ``completedAt``), or ``None`` while no
        trial has completed.

        Raises:
            OscarError: ``NOT_FOUND`` when this user has no experiment of that name.
        """
        data = self.query(BEST_QUERY, {"name": experiment_name})
        experiment = data.get("experiment") if isinstance(data, dict) else None
        if not isinstance(experiment, dict):
            raise OscarError("no experiment named %r" % (experiment_name,), code="NOT_FOUND")
        best = experiment.get("bestTrial")
        return best if isinstance(best, dict) else None

    def pareto_front(self, experiment_name: str) -> List[Dict[str, Any]]:
        """The experiment's Pareto front: its feasible completed trials that no
        other feasible completed trial beats in every objective (the
        experiment's ``objectives``), in order of the first objective. With
        the default single objective it is the best trial(s).

        Raises:
            OscarError: ``NOT_FOUND`` when this user has no experiment of that name.
        """
        data = self.query(FRONT_QUERY % TRIAL_FIELDS, {"name": experiment_name})
        experiment = data.get("experiment") if isinstance(data, dict) else None
        if not isinstance(experiment, dict):
            raise OscarError("no experiment named %r" % (experiment_name,), code="NOT_FOUND")
        front = experiment.get("paretoFront")
        return [t for t in front if isinstance(t, dict)] if isinstance(front, list) else []

    def trials(self, experiment_name: str) -> Iterator[Dict[str, Any]]:
        """The experiment's trials, newest first, as dicts with the fields of
        :meth:`best`; read 100 at a time as the iteration goes (all from the
        version of the experiment current when the iteration starts).

        Raises:
            OscarError: ``NOT_FOUND``, when the iteration starts, if this user
                has no experiment of that name.
        """
        after = None  # type: Optional[str]
        variables = {"name": experiment_name}  # type: Dict[str, Any]
        while True:
            data = self.query(TRIALS_QUERY, dict(variables, after=after))
            experiment = data.get("experiment") if isinstance(data, dict) else None
            if not isinstance(experiment, dict):
                raise OscarError("no experiment named %r" % (experiment_name,), code="NOT_FOUND")
            # Later pages by id: a restart (resume: False) meanwhile does not switch versions mid-way.
            variables = {"id": experiment["id"]}
            page = experiment["trials"]
            for edge in page["edges"]:
                yield edge["node"]
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def heartbeat(self, job: Union[Job, str]) -> Dict[str, Any]:
        """Tell the server a job is still being worked on, renewing its lease.

        The client does this by itself in a background thread for every open
        job; call it directly only from a process that did not suggest the job.
        """
        data = self.query(HEARTBEAT_MUTATION, {"trialId": _trial_id(job)})
        trial = data.get("heartbeat") if isinstance(data, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to heartbeat: %r" % (data,))
        return trial

    def report(self, job: Union[Job, str], step: int, value: float, metrics: Optional[Mapping[str, Any]] = None) -> bool:
        """Report an intermediate value of a running job; ``True`` means stop it.

        Call it as training goes (every epoch, say)::

            for epoch in range(100):
                loss = train_one_epoch()
                if scientist.report(job, epoch, loss):
                    break  # the experiment's pruner stopped this trial: it is PRUNED

        ``step`` is a whole number from 0 (steps may come in any order, and a
        step sent again keeps its first value); ``value`` is the loss at that
        step, a finite number; ``metrics`` any others. The experiment's pruner
        (``'pruner'`` in the experiment dict; the median pruner by default)
        compares it with other trials at the same step. When it answers
        ``True`` the trial is already PRUNED on the server, its heartbeats stop
        and ``job.pruned`` is set; a result sent afterwards with :meth:`update`
        is kept as its final value. It is also ``True``, with ``job.pruned``
        left ``False``, when the job's lease ran out and its parameters went to
        another worker, which runs them: stop here too, nothing is lost. Each
        report renews the lease too.

        Raises:
            OscarError: ``BAD_USER_INPUT`` for a step that is not a whole
                number from 0 to 1,000,000,000, or a value that is not a finite number (checked
                before sending); ``CONFLICT`` once the trial has a result.
        """
        whole = not isinstance(step, bool) and (isinstance(step, int) or hasattr(step, "__index__"))
        if not whole or not 0 <= int(step) <= MAX_STEP:  # NumPy integers too
            raise OscarError("step must be a whole number from 0 to %d, but got %r" % (MAX_STEP, step), code="BAD_USER_INPUT", field="step")
        step = int(step)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise OscarError("value must be a finite number, but got %r" % (value,), code="BAD_USER_INPUT", field="value")
        variables = {
            "trialId": _trial_id(job),
            "step": step,
            "value": number,
            "metrics": _to_json(dict(metrics)) if metrics else None,
        }
        data = self.query(REPORT_MUTATION, variables)
        answer = data.get("report") if isinstance(data, dict) else None
        if not isinstance(answer, dict):
            raise OscarError("unexpected response to report: %r" % (data,))
        stop = bool(answer.get("shouldStop"))
        if stop:
            self._heartbeats.forget(variables["trialId"])
            if isinstance(job, Job):
                trial = answer.get("trial")
                job.pruned = isinstance(trial, dict) and trial.get("state") == "PRUNED"
        return stop

    def checkpoint(self, job: Union[Job, str], record: Mapping[str, Any]) -> Dict[str, Any]:
        """Save a small record of how far a job got, so it can resume elsewhere.

        ``record`` is a JSON object of at most 16 KiB (where the model's state
        was saved, the epoch, ...: not the state itself). It renews the job's
        lease too. If this machine is lost, the trial comes back with the latest
        record as ``job.checkpoint``: to this worker after a reboot, or to
        another one once the lease has run out. NumPy values are converted.

        Raises:
            OscarError: ``BAD_USER_INPUT`` if the record is not a JSON object or
                is too large (checked before sending), ``CONFLICT`` once the
                trial has a result.
        """
        if not isinstance(record, Mapping):
            raise OscarError(
                "data: checkpoint record must be a dict such as {'path': 's3://bucket/run-17', 'epoch': 5}, but got %s"
                % type(record).__name__,
                code="BAD_USER_INPUT",
            )
        data = _to_json(dict(record))
        # UTF-8 bytes of compact JSON, as the server counts them (a lone surrogate: its escape's 6 bytes).
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        size = len(text.encode("utf-8", "backslashreplace"))
        if size > MAX_CHECKPOINT_BYTES:
            raise OscarError(
                "data: checkpoint record must be at most %d bytes of JSON, but got %d: save the state elsewhere and its location here"
                % (MAX_CHECKPOINT_BYTES, size),
                code="BAD_USER_INPUT",
            )
        answer = self.query(CHECKPOINT_MUTATION, {"trialId": _trial_id(job), "data": data})
        trial = answer.get("checkpoint") if isinstance(answer, dict) else None
        if not isinstance(trial, dict):
            raise OscarError("unexpected response to checkpoint: %r" % (answer,))
        if isinstance(job, Job) and isinstance(trial.get("checkpoint"), dict):
            job.checkpoint = trial["checkpoint"]
        return trial

    def enqueue(self, experiment: Union[Mapping[str, Any], str], params: Mapping[str, Any]) -> Dict[str, Any]:
        """Queue a parameter set to be tried next (as Optuna's ``enqueue_trial``).

        The experiment's next :meth:`suggest` calls, from any worker, hand queued
        sets out first, in the order they were queued, each exactly once, before
        asking the optimizer::

            scientist.enqueue(experiment, {'x': 3.0})   # a known good setting
            job = scientist.suggest(experiment)          # {'x': 3.0}

        Args:
            experiment: the experiment dict as :meth:`suggest` takes it (the
                experiment is created on first use), or the name of an existing
                experiment.
            params: a value for every parameter, each one its spec allows
                (constants may be left out). NumPy values are converted.

        Returns:
            The queued set: ``id``, ``params`` (as stored) and ``place`` (1 is
            handed out next). A retry after a lost answer queues nothing more
            (the call carries a request id).

        Raises:
            OscarError: ``BAD_USER_INPUT`` naming the parameter at fault (``e.errors``
                hold ``extensions.field``, e.g. ``params.x``; nothing is stored),
                ``NOT_FOUND`` for an unknown experiment name, ``CONFLICT`` when
                10,000 sets already wait.
        """
        if not isinstance(params, Mapping):
            raise OscarError(
                "params must be a dict of parameter name to value, got %s" % type(params).__name__,
                code="BAD_USER_INPUT",
            )
        # The same id on every retry of this call: the server then queues the set once.
        variables = {"params": _to_json(dict(params)), "requestId": uuid.uuid4().hex}  # type: Dict[str, Any]
        restart = False
        if isinstance(experiment, str):
            variables["experimentName"] = experiment
        else:
            fields = _experiment_input(experiment)
            restart = fields.get("resume") is False
            if restart and fields["name"] in self._restarted:
                fields["resume"] = True
            variables["experiment"] = fields
        data = self.query(ENQUEUE_MUTATION, variables)
        queued = data.get("enqueue") if isinstance(data, dict) else None
        if not isinstance(queued, dict):
            raise OscarError("unexpected response to enqueue: %r" % (data,))
        if restart:
            # Started afresh once, as suggest does: the suggests that follow continue it (and take the set).
            self._restarted.add(variables["experiment"]["name"])
        return queued

    def query(self, query: str, variables: Optional[Mapping[str, Any]] = None) -> Any:
        """Send a GraphQL operation and return its ``data``.

        Args:
            query: the GraphQL document.
            variables: the operation's variables (converted to JSON as
                :meth:`update` describes).

        Returns:
            The response's ``data`` member.

        Raises:
            OscarError: on any GraphQL error (with ``code`` and ``errors``;
                ``BAD_USER_INPUT`` naming the field for text holding a lone
                surrogate, as ``os.fsdecode`` makes of a name that is not
                UTF-8), an HTTP error, an invalid response, or when the server
                stays unreachable for ``max_wait`` seconds / ``retries`` retries.
        """
        return self._send(self._body(query, variables), self.max_wait)

    @staticmethod
    def _body(query: str, variables: Optional[Mapping[str, Any]]) -> bytes:
        payload = {"query": query, "variables": _to_json(dict(variables or {}))}
        try:
            return json.dumps(payload, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            # UTF-8 cannot carry a lone surrogate: sent escaped, for the server to refuse naming the field.
            return json.dumps(payload, allow_nan=False).encode("ascii")

    # ------------------------------------------------------------ transport

    def _headers(self) -> Dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "oscar-python/%s" % __version__,
        }
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        return headers

    def close(self) -> None:
        """Closes the connections this client keeps open (they reopen by themselves if it is used again)."""
        self._connections.close_all()

    def __enter__(self) -> "Oscar":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _post(self, body: bytes, timeout: float) -> Tuple[int, bytes, Optional[str]]:
        """POSTs ``body``, waiting at most ``timeout`` seconds at a time: the answer's status, body and ``Retry-After`` header."""
        if self._opener is None:
            return self._connections.post(body, self._headers(), resend=self.retries != 0, timeout=timeout)
        request = urllib.request.Request(
            self.url, data=body, headers=self._headers(), method="POST"
        )
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, response.read(), response.headers.get("Retry-After")
        except urllib.error.HTTPError as exc:
            try:
                raw = exc.read() or b""
            except Exception:  # the error body itself may fail to arrive
                raw = b""
            finally:
                exc.close()
            return exc.code, raw, exc.headers.get("Retry-After") if exc.headers else None

    def _send(self, body: bytes, max_wait: float, bounded: bool = False) -> Any:
        """Sends ``body``, retrying transient failures for up to ``max_wait`` seconds; ``bounded``: each
        attempt also ends by then (otherwise each may take ``timeout``)."""
        deadline = time.monotonic() + max(0.0, float(max_wait))
        delay = _FIRST_DELAY
        attempts = 0
        while True:
            attempts += 1
            retry_after = None  # type: Optional[float]
            try:
                # A bounded call (a release at Ctrl-C) waits seconds in all, not a minute per attempt.
                timeout = float(self.timeout) if not bounded else min(float(self.timeout), max(0.5, deadline - time.monotonic()))
                status, raw, retry_header = self._post(body, timeout)
            except Exception as exc:
                if not _is_transient(exc):
                    raise OscarError(
                        "request to Oscar at %s failed: %s" % (self.url, _describe(exc)),
                        code="CONNECTION_ERROR",
                    ) from exc
                failure = _describe(exc)
                cause = exc  # type: Optional[BaseException]
            else:
                payload = _parse_json(raw)
                errors = _graphql_errors(payload)
                retry_after = _retry_after(retry_header)
                if status in _RETRY_STATUSES and not errors:
                    failure = "HTTP %d: %s" % (status, _excerpt(raw))
                    cause = None
                elif errors and _error_code(errors[0]) in _RETRY_CODES:
                    failure = "%s: %s" % (_error_code(errors[0]), errors[0].get("message"))
                    cause = None
                else:
                    return self._handle(status, raw, payload)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.retries is not None and attempts > self.retries):
                raise OscarError(
                    "cannot reach Oscar at %s after %d attempt%s: %s"
                    % (self.url, attempts, "" if attempts == 1 else "s", failure),
                    code="CONNECTION_ERROR",
                ) from cause
            wait = min(delay if retry_after is None else retry_after, remaining)
            logger.warning(
                "Oscar at %s unreachable (%s); retrying in %.1f s", self.url, failure, wait
            )
            time.sleep(wait)
            delay = min(delay * 2, _MAX_DELAY)

    def _handle(self, status: int, raw: bytes, payload: Any) -> Any:
        errors = _graphql_errors(payload)
        if errors:
            messages = []  # type: List[str]
            code = None
            for error in errors:
                if isinstance(error, dict):
                    message = _python_names(str(error.get("message") or "unknown error"))
                    extensions = error.get("extensions")
                    if code is None and isinstance(extensions, dict):
                        code = extensions.get("code")
                else:
                    message = str(error)
                if message not in messages:
                    messages.append(message)
            raise OscarError("; ".join(messages), code=code, errors=errors, status=status)
        if status >= 400:
            detail = None
            if isinstance(payload, dict):
                for key in ("message", "error"):
                    if isinstance(payload.get(key), str):
                        detail = payload[key]
                        break
            raise OscarError(
                "HTTP %d from Oscar at %s: %s" % (status, self.url, detail or _excerpt(raw)),
                status=status,
            )
        if not isinstance(payload, dict) or "data" not in payload:
            raise OscarError(
                "invalid response from Oscar at %s (HTTP %d): %s"
                % (self.url, status, _excerpt(raw)),
                status=status,
            )
        return payload["data"]


# ---------------------------------------------------------------- helpers


def _proxied(url: str) -> bool:
    """Whether the environment routes ``url`` through a proxy (``HTTP_PROXY``, ``NO_PROXY``, ...)."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    return bool(proxies.get(parts.scheme.lower())) and not urllib.request.proxy_bypass(parts.hostname or "")


#: How a kept-alive connection fails when the server closed it while it sat idle. Before any byte of
#: an answer arrived, the request is sent again at once on a new connection (unless ``retries=0``),
#: as ``_send`` would after a delay: ``suggest`` and ``update`` carry a ``requestId``, so a request
#: that did reach a server that then died is not applied twice.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle kept-alive connection was closed by the other side (readable with nothing
    asked means end of file), as urllib3 checks before reusing one."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Held:
    """A thread's connection; when the thread ends and drops it, a finalizer closes the socket."""

    __slots__ = ("pid", "connection", "__weakref__")

    def __init__(self, pid: int, connection: http.client.HTTPConnection) -> None:
        self.pid = pid
        self.connection = connection
        weakref.finalize(self, connection.close)


class _Connections:
    """One persistent HTTP/1.1 connection per thread (and per process, after a fork), reused between
    calls and reopened when the server has closed it."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme.lower() == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self._netloc = parts.netloc.rpartition("@")[2]
        self._timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open = weakref.WeakSet()  # type: weakref.WeakSet[http.client.HTTPConnection]  # of live threads

    def _new(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def _connection(self) -> http.client.HTTPConnection:
        held = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid():
            if not _closed_by_peer(held.connection):
                kept = held.connection  # type: http.client.HTTPConnection
                return kept
            # Closed while idle (the server's or a proxy's keep-alive timeout): reopen before sending.
            self._drop(held.connection)
        connection = self._new()
        self._local.held = _Held(os.getpid(), connection)
        with self._lock:
            self._open.add(connection)
        return connection

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._local.held = None
        with self._lock:
            self._open.discard(connection)

    def post(self, body: bytes, headers: Dict[str, str], resend: bool = True, timeout: Optional[float] = None) -> Tuple[int, bytes, Optional[str]]:
        """POSTs ``body``; returns the status, the body and the ``Retry-After`` header of the answer. A kept-alive connection the
        server closed before answering anything is replaced, and the request sent again, once, when
        ``resend``."""
        for attempt in (1, 2):
            connection = self._connection()
            # This call's limit on each wait (connecting, sending, each read), on a kept connection too.
            connection.timeout = self._timeout if timeout is None else timeout
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            reused = connection.sock is not None
            answered = False
            try:
                connection.request("POST", self._path, body=body, headers=dict(headers, Host=self._netloc))
                response = connection.getresponse()
                answered = True
                raw = response.read()
            except _STALE_CONNECTION:
                self._drop(connection)
                if reused and not answered and resend and attempt == 1:
                    continue
                raise
            except BaseException:
                self._drop(connection)
                raise
            if response.will_close:
                self._drop(connection)
            return response.status, raw, response.getheader("Retry-After")
        raise AssertionError("unreachable")

    def close_all(self) -> None:
        with self._lock:
            connections, self._open = list(self._open), weakref.WeakSet()
        for connection in connections:
            connection.close()
        self._local = threading.local()


class _Heartbeats:
    """Renews the leases of a client's open jobs from one background thread."""

    def __init__(self, client: "Oscar") -> None:
        self._client = client
        self._due = {}  # type: Dict[str, List[float]]  # trial id -> [next time, interval]
        self._lock = threading.Condition()
        self._thread = None  # type: Optional[threading.Thread]

    def watch(self, trial_id: str, interval: float) -> None:
        with self._lock:
            self._due[trial_id] = [time.monotonic() + interval, interval]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="oscar-heartbeat", daemon=True)
                self._thread.start()
            self._lock.notify()

    def forget(self, trial_id: str) -> None:
        with self._lock:
            self._due.pop(trial_id, None)

    def _next(self) -> Optional[str]:
        with self._lock:
            while True:
                if not self._due:
                    self._thread = None
                    return None
                trial_id, (when, _) = min(self._due.items(), key=lambda item: item[1][0])
                wait = when - time.monotonic()
                if wait <= 0:
                    self._due[trial_id][0] = time.monotonic() + self._due[trial_id][1]
                    return trial_id
                self._lock.wait(wait)

    def _run(self) -> None:
        while True:
            trial_id = self._next()
            if trial_id is None:
                return
            try:
                state = self._client.heartbeat(trial_id).get("state")
            except OscarError as exc:
                logger.warning("heartbeat for trial %s failed: %s", trial_id, exc)
                if exc.code == "NOT_FOUND":
                    self.forget(trial_id)
                continue
            if state not in _OPEN_STATES:
                self.forget(trial_id)


def _endpoint(url: str) -> str:
    """The GraphQL endpoint for a URL: the server's base URL gets ``/graphql``."""
    parts = urllib.parse.urlsplit(url)
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/graphql", parts.query, parts.fragment))
    return url


def _error_code(error: Any) -> Optional[str]:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def _experiment_input(experiment: Any) -> Dict[str, Any]:
    if not isinstance(experiment, Mapping):
        raise OscarError(
            "experiment must be a dict, got %s" % type(experiment).__name__,
            code="BAD_USER_INPUT",
        )
    unknown = [key for key in experiment if key not in EXPERIMENT_FIELDS]
    if unknown:
        raise OscarError(
            "unknown experiment key%s %s (allowed: %s)"
            % (
                "" if len(unknown) == 1 else "s",
                ", ".join(repr(key) for key in unknown),
                ", ".join(EXPERIMENT_FIELDS),
            ),
            code="BAD_USER_INPUT",
            field="experiment.%s" % (unknown[0],),
        )
    for key in _REQUIRED_EXPERIMENT_FIELDS:
        if key not in experiment:
            raise OscarError("experiment must have %r" % key, code="BAD_USER_INPUT", field="experiment.%s" % key)
    parameters = experiment["parameters"]
    if isinstance(parameters, Mapping):
        for name, spec in parameters.items():
            if isinstance(spec, tuple):
                # Other tools read (low, high) as a range; here a list is a set of choices: say which was meant.
                raise OscarError(
                    "parameter %r: a tuple is not a parameter space; write {'min': %r, 'max': %r} for a range, "
                    "or a list for choices" % (name, spec[0] if spec else 0, spec[-1] if spec else 1),
                    code="BAD_USER_INPUT",
                    field="experiment.parameters.%s" % (name,),
                )
    return {_GRAPHQL_NAMES.get(key, key): experiment[key] for key in EXPERIMENT_FIELDS if key in experiment}


def _real_keys(parameters: Any) -> Set[str]:
    """The job keys of the real-valued numeric parameters in a space: every numeric spec but an
    integer one (a step, with the step and every bound whole). A sub-parameter is keyed by its name
    and by ``choice.name`` (the job uses whichever the server's naming gives it); a key some integer
    parameter also has is left out. Bounded by the space (the server refuses one of more than 100)."""
    real = set()  # type: Set[str]
    whole = set()  # type: Set[str]

    def walk(specs: Any, choice: Optional[str], depth: int) -> None:
        if not isinstance(specs, Mapping) or depth > 8:
            return
        for name, spec in specs.items():
            if not isinstance(spec, Mapping):
                continue
            choices = spec.get("choices")
            if isinstance(choices, Mapping):
                for option, sub in choices.items():
                    walk(sub, str(option), depth + 1)
                continue
            step = spec.get("step")
            bounds = [spec.get(key) for key in ("min", "max") if spec.get(key) is not None]
            integer = step is not None and all(
                isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())
                for v in [step] + bounds
            )
            keys = [str(name)] if choice is None else [str(name), "%s.%s" % (choice, name)]
            (whole if integer else real).update(keys)

    walk(parameters, None, 0)
    return real - whole


def _as_floats(params: Dict[str, Any], parameters: Any) -> None:
    """Makes the values of real-valued parameters floats: JSON writes 1.0 as 1, which Python would read
    back as an int at a whole grid point (``{'min': 0, 'max': 1, 'step': 0.25}`` gives 0 and 1)."""
    real = _real_keys(parameters)
    for key, value in params.items():
        if key in real and isinstance(value, int) and not isinstance(value, bool):
            params[key] = float(value)


def _trial_id(job: Any) -> str:
    if isinstance(job, Job):
        if job.id is None:
            raise OscarError("this Job has no trial id", code="BAD_USER_INPUT")
        return str(job.id)
    if isinstance(job, str) and job:
        return job
    if isinstance(job, int) and not isinstance(job, bool):
        return str(job)
    raise OscarError(
        "job must be the Job returned by suggest() or a trial id, got %s"
        % type(job).__name__,
        code="BAD_USER_INPUT",
    )


def _float(value: float) -> Union[float, str]:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def _to_json(value: Any) -> Any:
    """Convert ``value`` to plain JSON types (duck-typing NumPy and friends)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        return {
            (key if isinstance(key, str) else str(_to_json(key))): _to_json(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_to_json(item) for item in value]
    item = getattr(value, "item", None)  # NumPy / PyTorch scalars
    if callable(item):
        try:
            plain = item()
        except (TypeError, ValueError):  # e.g. an array of several elements
            pass
        else:
            if type(plain) is not type(value):
                return _to_json(plain)
    tolist = getattr(value, "tolist", None)  # NumPy arrays, tensors
    if callable(tolist):
        try:
            plain = tolist()
        except (TypeError, ValueError):
            pass
        else:
            if type(plain) is not type(value):
                return _to_json(plain)
    if hasattr(value, "__float__"):  # Decimal, Fraction, ...
        try:
            return _float(float(value))
        except (TypeError, ValueError, OverflowError):
            pass
    if hasattr(value, "__index__"):
        try:
            return int(value.__index__())
        except (TypeError, ValueError):
            pass
    raise OscarError(
        "cannot send a value of type %s to Oscar" % type(value).__name__,
        code="BAD_USER_INPUT",
    )


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        return None


def _graphql_errors(payload: Any) -> Optional[List[Any]]:
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors:
            return errors
    return None


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return "(empty body)"
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


def _retry_after(header: Optional[str]) -> Optional[float]:
    """A ``Retry-After`` header (seconds, or an HTTP date) in seconds, at most ``_MAX_RETRY_AFTER``; ``None`` without one."""
    if not header:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(header).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(0.0, seconds), _MAX_RETRY_AFTER) if math.isfinite(seconds) else None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


_TRANSIENT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN",
        "ETIMEDOUT", "ECONNABORTED", "EPIPE",
    )
    if hasattr(errno, name)
)


def _is_transient(exc: BaseException) -> bool:
    """Whether a failure to talk to the server is worth retrying."""
    if isinstance(exc, urllib.error.HTTPError):
        return False
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return isinstance(reason, BaseException) and _is_transient(reason)
    if isinstance(exc, ssl.SSLError):
        # A dropped TLS connection is transient; a bad certificate is not.
        return isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError))
    if isinstance(exc, socket.gaierror):
        return exc.errno == getattr(socket, "EAI_AGAIN", None)  # temporary DNS failure
    if isinstance(exc, http.client.HTTPException):
        return not isinstance(exc, http.client.InvalidURL)
    if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
        return True
    if isinstance(exc, OSError):
        return exc.errno in _TRANSIENT_ERRNOS
    return False
