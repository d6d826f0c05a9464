"""pdsim: a deterministic simulator of prefill/decode (PD) disaggregated LLM serving.

The simulation runs in the Rust core, compiled into this package: the same config gives the
same report, byte for byte, as ``pdsim run`` on the command line and the browser playground.

>>> import pdsim
>>> report = pdsim.run({"workload": {"requests": 200}})
>>> report.summary["completed"]
200

- :func:`run` runs a config (a dict, a path to a JSON file, or a playground share link) and
  returns a :class:`Report` (``.summary``, ``.requests``, ``.to_pandas()``, ``.config``,
  ``.to_url()``).
- :func:`sweep` runs a grid of configs (one or more fields, their product) and returns one
  DataFrame, a row per point; its points can run through any ``concurrent.futures``-style
  executor.
- :func:`plan` finds the serving layouts that carry the most traffic per GPU within latency
  targets (``pdsim plan``), :func:`step_time` answers how long one step takes
  (``pdsim step-time --json``), :func:`catalog` lists the models and GPUs
  (``pdsim catalog --json``), :func:`examples` the named scenarios.
- :func:`show` shows a config in the playground inside Jupyter.

A config or query the core refuses raises :class:`ConfigError`, whose message names the
field as the CLI does (``workload.arrival.rate_per_s: must be ...``).
"""

from __future__ import annotations

from ._pdsim import SHARE_VERSION, ConfigError, __version__
from ._api import (
    Report,
    catalog,
    example,
    examples,
    plan,
    playground_url,
    resolve,
    run,
    step_time,
    sweep,
    sweep_point,
)
from .widget import show

__all__ = [
    "SHARE_VERSION",
    "ConfigError",
    "Report",
    "__version__",
    "catalog",
    "example",
    "examples",
    "plan",
    "playground_url",
    "resolve",
    "run",
    "show",
    "step_time",
    "sweep",
    "sweep_point",
]
