"""The Python API over the core's functions (``pdsim._pdsim``): configs in, the CLI's JSON out.

Nothing here simulates: every number comes from the Rust core, as JSON text, decoded with
:mod:`json`. pandas is imported only by the functions that return DataFrames.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence, Union

from . import _pdsim
from ._pdsim import ConfigError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import pandas

#: What :func:`run` and friends accept as a config: a dict (partial configs merge onto the
#: defaults, as in a config file), a path to a JSON file, JSON text, a playground share link,
#: or a :class:`Report` (its config).
ConfigLike = Union[Mapping[str, Any], str, "os.PathLike[str]", "Report"]

#: The playground :meth:`Report.to_url` and :func:`show` link to when not told otherwise:
#: what ``bash scripts/serve.sh`` serves. Set ``PDSIM_PLAYGROUND_URL`` to a hosted copy.
DEFAULT_PLAYGROUND = "http://127.0.0.1:8080/"


def playground_url(base: str | None = None) -> str:
    """The playground's address: ``base``, else ``$PDSIM_PLAYGROUND_URL``, else
    :data:`DEFAULT_PLAYGROUND` (``http://127.0.0.1:8080/``, where ``scripts/serve.sh``
    serves it)."""
    if base:
        return base
    return os.environ.get("PDSIM_PLAYGROUND_URL") or DEFAULT_PLAYGROUND


def _error(field: str, message: str) -> ConfigError:
    """A :class:`ConfigError` about ``field`` (its message starts with the field)."""
    err = ConfigError(f"{field}: {message}")
    err.field = field  # type: ignore[attr-defined]
    return err


def _is_share_link(text: str) -> bool:
    return text.startswith(("http://", "https://")) or "#v=" in text


def _config_text(config: ConfigLike) -> str:
    """The JSON text of a config given in any of the accepted forms."""
    if isinstance(config, Report):
        return json.dumps(config.config)
    if isinstance(config, Mapping):
        return json.dumps(config)
    if isinstance(config, (str, os.PathLike)):
        text = os.fspath(config)
        if isinstance(text, bytes):  # pragma: no cover - bytes paths
            text = text.decode()
        stripped = text.lstrip()
        if stripped.startswith("{"):
            return text
        if _is_share_link(text):
            return _pdsim.config_of_share_url(text)
        with open(text, encoding="utf-8") as f:
            return f.read()
    raise TypeError(
        "config: expected a dict, a path to a JSON file, JSON text, a share link or a "
        f"Report, got {type(config).__name__}"
    )


def resolve(config: ConfigLike) -> dict[str, Any]:
    """The full config (every field, defaults filled in) of ``config``, validated: what a
    run uses. Raises :class:`ConfigError` naming the field, as ``pdsim validate`` does."""
    return json.loads(_pdsim.resolve_config(_config_text(config)))


class Report:
    """The report of one run: the same JSON as ``pdsim run`` prints, decoded.

    Attributes:
        summary: aggregate metrics (``ttft_ms``, ``tpot_ms``, ``breakdown_ms``, ...), the
            CLI report's ``summary``; latencies in ms.
        requests: one dict per injected request (``ttft_ms``, ``breakdown_ms``, ...).
        instances, pools, timeline: the report's other parts.
        config: the full config that ran (defaults filled in).
    """

    def __init__(self, report: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        self._report = dict(report)
        self.config: dict[str, Any] = dict(config)

    @property
    def summary(self) -> dict[str, Any]:
        """Aggregate metrics of the run (the CLI report's ``summary``)."""
        return self._report["summary"]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """One record per injected request (empty with ``output.per_request: false``)."""
        return self._report["requests"]

    @property
    def instances(self) -> list[dict[str, Any]]:
        """One record per instance."""
        return self._report["instances"]

    @property
    def pools(self) -> list[dict[str, Any]]:
        """Per-pool aggregates."""
        return self._report["pools"]

    @property
    def timeline(self) -> dict[str, Any]:
        """Per-instance activity over time."""
        return self._report["timeline"]

    def to_dict(self) -> dict[str, Any]:
        """The whole report, as ``pdsim run`` prints it."""
        return self._report

    def phases(self) -> list[str]:
        """The TTFT phases, in order (``prefill_queue``, ``prefill``, ``transfer``,
        ``decode_queue``, ``first_decode``): they add up to each request's TTFT."""
        return list(self.summary["breakdown_ms"])

    def to_pandas(self) -> "pandas.DataFrame":
        """One row per request: its fields, with ``breakdown_ms`` spread into one column per
        TTFT phase (``prefill_queue_ms``, ``prefill_ms``, ``transfer_ms``,
        ``decode_queue_ms``, ``first_decode_ms``; NaN for a request without a first token).
        Imports pandas."""
        import pandas as pd

        phases = self.phases()
        phase_columns = [f"{p}_ms" for p in phases]
        rows = []
        for record in self.requests:
            row = {k: v for k, v in record.items() if k != "breakdown_ms"}
            breakdown = record.get("breakdown_ms") or {}
            for phase, column in zip(phases, phase_columns):
                row[column] = breakdown.get(phase)
            rows.append(row)
        frame = pd.DataFrame(rows)
        for column in phase_columns:
            if column not in frame:
                frame[column] = pd.Series(dtype="float64")
            frame[column] = frame[column].astype("float64")
        return frame

    def to_url(self, base: str | None = None) -> str:
        """A playground link of the same run (``<base>#v=1&c=...``), the link the
        playground's Share button gives; ``base``: see :func:`playground_url`."""
        return _pdsim.share_url(playground_url(base), json.dumps(self.config))

    def show(self, **options: Any) -> Any:
        """This run's config in the playground (see :func:`pdsim.show`)."""
        from .widget import show

        return show(self, **options)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<pdsim.Report: {s['completed']} of {s['injected']} requests completed, "
            f"TTFT p50 {s['ttft_ms']['p50']:.3f} ms, p90 {s['ttft_ms']['p90']:.3f} ms>"
        )


def _trace_text(trace: Any) -> tuple[str, str]:
    """The JSON Lines text of a trace and the name its errors give: a path (str or
    os.PathLike) to a file, or an iterable of records (dicts)."""
    if isinstance(trace, (str, os.PathLike)):
        try:
            with open(trace, encoding="utf-8") as f:
                return f.read(), os.fspath(trace)
        except OSError as e:
            raise _error("trace", f"cannot read {os.fspath(trace)!r}: {e.strerror}") from None
    if isinstance(trace, Mapping):
        raise _error("trace", "give a path or a list of records, not one record")
    try:
        return "\n".join(json.dumps(dict(r)) for r in trace), "trace"
    except (TypeError, ValueError) as e:
        raise _error("trace", f"each record must be a dict of JSON values: {e}") from None


def run(config: ConfigLike, *, trace: Any = None) -> Report:
    """Runs ``config`` and returns its :class:`Report`.

    ``config`` is a dict (a partial config merges onto the defaults), a path to a JSON file,
    JSON text, or a playground share link (``https://.../#v=1&c=...``). ``trace`` replays a
    JSON Lines trace instead of the generated workload, as ``pdsim run --trace FILE``: a
    path, or a list of records (``{"arrival_ms", "input_tokens", "output_tokens"}``, or
    Mooncake-style ``{"timestamp", "input_length", "output_length", "hash_ids"}``). The GIL
    is released while the simulation runs. Raises :class:`ConfigError` naming the field
    (bad trace lines: field ``trace``, every bad line named).
    """
    text = _config_text(config)
    if trace is not None:
        trace_text, source = _trace_text(trace)
        text = _pdsim.with_trace(text, trace_text, source)
    report = json.loads(_pdsim.run_json(text))
    return Report(report, json.loads(_pdsim.resolve_config(text)))


def sweep_point(point: str) -> dict[str, Any]:
    """The summary of one sweep point (the exact JSON text of a config that
    :func:`sweep` made): what it sends to an executor for each point, a module-level
    function so that process pools can pickle it."""
    return json.loads(_pdsim.run_exact(point))


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


def sweep(
    base: ConfigLike,
    grid: Mapping[str, Iterable[Any]],
    executor: Any = None,
) -> "pandas.DataFrame":
    """Runs ``base`` at every point of ``grid`` and returns one DataFrame: a column per swept
    path, then the run's summary flattened (``ttft_ms.p50``, ``breakdown_ms.prefill.p90``,
    ``throughput_rps``, ...), a row per point.

    ``grid`` maps dotted config paths to their values, e.g.
    ``{"workload.arrival.rate_per_s": [2, 4, 8]}``; with several paths, every combination
    runs (their product, the first path varying slowest). Every point is checked before any
    runs: a wrong path or value raises :class:`ConfigError` naming it.

    ``executor``: anything with ``submit(fn, arg)`` returning a future with ``.result()``
    (``concurrent.futures.ProcessPoolExecutor``, a Dask client's ``get_executor()``, ...);
    ``None`` runs the points here, one after the other. The frame is the same either way.
    """
    import pandas as pd

    paths = list(grid)
    if not paths:
        raise ValueError("grid: give at least one path and its values")
    axes = [list(grid[p]) for p in paths]
    for path, values in zip(paths, axes):
        if not values:
            raise ValueError(f"grid: {path}: give at least one value")
    base_text = _config_text(base)
    points = list(itertools.product(*axes))
    configs = [
        _pdsim.with_fields(base_text, [(p, json.dumps(v)) for p, v in zip(paths, point)])
        for point in points
    ]
    if executor is None:
        summaries = [sweep_point(c) for c in configs]
    else:
        futures = [executor.submit(sweep_point, c) for c in configs]
        summaries = [f.result() for f in futures]
    rows = []
    for point, summary in zip(points, summaries):
        row: dict[str, Any] = dict(zip(paths, point))
        _flatten("", summary, row)
        rows.append(row)
    return pd.DataFrame(rows)


# The plan request's fields, by the keyword argument of `plan` that sets them.
_PLAN_FIELDS = {
    "gpus": "gpus",
    "targets": "ttft_ms/tpot_ms",
    "targets.ttft_ms": "ttft_ms",
    "targets.tpot_ms": "tpot_ms",
    "targets.attainment": "attainment",
    "targets.rate_per_s": "rate",
    "space.hardware": "hardware",
    "space.ep": "ep",
    "space": "layouts",
    "space.tp": "tp",
    "space.deciders": "deciders",
    "space.max_candidates": "max_candidates",
    "space.max_probes": "max_probes",
}


def _plan_call(fn: Any, *args: Any) -> Any:
    """Calls a plan function of the core; an error about a request field names its
    keyword argument instead (as the CLI names its flag)."""
    try:
        return fn(*args)
    except ConfigError as e:
        arg = _PLAN_FIELDS.get(getattr(e, "field", ""))
        if arg is None:
            raise
        raise _error(arg, str(e).split(": ", 1)[-1]) from None


def _decider(choice: Any) -> dict[str, Any]:
    if isinstance(choice, Mapping):
        return dict(choice)
    name, _, threshold = str(choice).partition(":")
    return {
        "decider": name.strip(),
        "threshold_tokens": int(threshold) if threshold.strip() else None,
    }


def plan(
    config: ConfigLike,
    *,
    gpus: int,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    attainment: float = 0.9,
    tp: Sequence[int] = (),
    deciders: Sequence[Any] = (),
    layouts: str = "both",
    max_candidates: int | None = None,
    max_probes: int | None = None,
    requests: int | None = None,
    objective: str = "rate",
    rate: float | None = None,
    hardware: Sequence[str] = (),
    ep: Sequence[int] = (),
    executor: Any = None,
) -> dict[str, Any]:
    """The capacity plan for ``config`` on at most ``gpus`` GPUs: the same object as
    ``pdsim plan CONFIG --gpus N --json`` prints (``best``, ``candidates``,
    ``frontier_ttft``, ...). ``plan["best"]`` is ``None`` when no layout meets the targets.

    The keyword arguments are the CLI's flags: ``ttft_ms`` and ``tpot_ms`` (default: the
    config's ``slo``), ``attainment``, ``tp`` (e.g. ``[1, 2]``), ``deciders`` (e.g.
    ``["always", "prefix-threshold:1024"]``), ``layouts`` (``"both"``, ``"aggregated"`` or
    ``"disaggregated"``), ``max_candidates``, ``max_probes``, ``requests`` (sets
    ``workload.requests``), ``objective`` (``"rate"``: most requests/s per GPU; ``"gpus"``:
    fewest GPUs that carry ``rate`` req/s; ``"cost"``: lowest $ per million output
    tokens), ``rate``, ``hardware`` (catalog GPU ids to try, e.g. ``["h100-sxm", "h200"]``)
    and ``ep`` (expert-parallel degrees to try for MoE models). Each candidate's rate
    search can run through ``executor`` (see :func:`sweep`); the plan is the same either
    way.
    """
    text = _config_text(config)
    if layouts not in ("both", "aggregated", "disaggregated"):
        raise _error("layouts", f"must be both, aggregated or disaggregated, got {layouts!r}")
    space: dict[str, Any] = {
        "aggregated": layouts != "disaggregated",
        "disaggregated": layouts != "aggregated",
        "tp": list(tp),
        "deciders": [_decider(d) for d in deciders],
        "hardware": list(hardware),
        "ep": list(ep),
    }
    if max_candidates is not None:
        space["max_candidates"] = max_candidates
    if max_probes is not None:
        space["max_probes"] = max_probes
    request = _pdsim.plan_request(
        text, requests, gpus, ttft_ms, tpot_ms, attainment, json.dumps(space), objective, rate
    )
    candidates = _plan_call(_pdsim.plan_candidates, request)
    if executor is None:
        results = [_pdsim.plan_evaluate(request, c) for c in candidates]
    else:
        futures = [executor.submit(_pdsim.plan_evaluate, request, c) for c in candidates]
        results = [f.result() for f in futures]
    return json.loads(_plan_call(_pdsim.plan_summarize, request, results))


# Step-time query fields, by the keyword argument of `step_time` that sets them.
_STEP_FIELDS = {"step.tokens": "prefill", "step.batch": "decode", "step.context": "context"}


def step_time(
    *,
    model: str | Mapping[str, Any] | "os.PathLike[str]",
    hardware: str | Mapping[str, Any],
    tp: int,
    prefill: int | None = None,
    decode: int | None = None,
    context: int | None = None,
    ep: int | None = None,
    weight_dtype: str | None = None,
    kv_dtype: str | None = None,
) -> dict[str, Any]:
    """How long one step of ``model`` takes on an instance of ``tp`` ``hardware`` GPUs: the
    same object as ``pdsim step-time --json`` prints (``ms``, ``parts_ms``, ``bound``,
    ``kv_capacity_tokens``, ...).

    Give ``prefill=TOKENS`` (one prompt, no cached prefix, one step) or
    ``decode=BATCH, context=TOKENS`` (a decode step of BATCH sequences, each holding TOKENS
    of KV). ``model``: a catalog id (see :func:`catalog`), the path of a HuggingFace
    ``config.json``, or a dict (such a config, or an architecture); ``hardware``: a catalog
    GPU id or a dict of GPU numbers. Errors name the keyword argument.
    """
    if (prefill is None) == (decode is None) or (decode is not None and context is None):
        raise _error("prefill", "give prefill=TOKENS, or decode=BATCH and context=TOKENS")
    if prefill is not None and context is not None:
        raise _error("context", "goes with decode=BATCH, not with prefill")
    if isinstance(model, (str, os.PathLike)) and not isinstance(model, Mapping):
        name = os.fspath(model)
        if os.path.isfile(name):
            with open(name, encoding="utf-8") as f:
                text = f.read()
            stem = os.path.splitext(os.path.basename(name))[0]
            spec: Any = json.loads(_pdsim.hf_model_of_file(text, stem))
        elif str(name).endswith(".json"):
            raise _error("model", f"no such file: {name}")
        else:
            spec = name
    else:
        spec = dict(model)
    step: dict[str, Any]
    if prefill is not None:
        step = {"prefill": {"tokens": prefill}}
    else:
        step = {"decode": {"batch": decode, "context": context}}
    query = {
        "model": spec,
        "hardware": hardware if isinstance(hardware, str) else dict(hardware),
        "tp": tp,
        "ep": ep,
        "weight_dtype": weight_dtype,
        "kv_dtype": kv_dtype,
        "step": step,
    }
    try:
        return json.loads(_pdsim.step_time_json(json.dumps(query)))
    except ConfigError as e:
        arg = _STEP_FIELDS.get(getattr(e, "field", ""))
        if arg is None:
            raise
        raise _error(arg, str(e).split(": ", 1)[-1]) from None


def catalog() -> dict[str, Any]:
    """The catalog's models and GPUs: the same object as ``pdsim catalog --json`` prints,
    ``{"models": [{"id", "params_b", "model"}], "gpus": [{"id", "calibrated_as",
    "hardware"}]}``."""
    return json.loads(_pdsim.catalog_json())


def examples() -> list[dict[str, Any]]:
    """The named scenarios (``pdsim example``): ``[{"name", "description", "benchmark",
    "config"}]``."""
    return json.loads(_pdsim.examples_json())


def example(name: str) -> dict[str, Any]:
    """The config of the named scenario (``pdsim example NAME``)."""
    for e in examples():
        if e["name"] == name:
            return e["config"]
    known = ", ".join(e["name"] for e in examples())
    raise KeyError(f"unknown scenario {name!r}; known: {known}")
