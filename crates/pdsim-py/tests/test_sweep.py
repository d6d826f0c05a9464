"""pdsim.sweep: one DataFrame, a column per swept path, a row per point, any executor."""

from __future__ import annotations

import concurrent.futures
import json

import pandas.testing
import pytest

import pdsim
from pdsim import _pdsim

BASE = {"workload": {"requests": 200}}
RATES = [5.0, 20.0, 80.0]


@pytest.fixture(scope="module")
def frame():
    return pdsim.sweep(BASE, {"workload.arrival.rate_per_s": RATES})


def test_a_row_per_value_and_a_column_for_the_path(frame):
    assert len(frame) == 3
    assert list(frame.columns[:1]) == ["workload.arrival.rate_per_s"]
    assert list(frame["workload.arrival.rate_per_s"]) == RATES
    assert list(frame["injected"]) == [200, 200, 200]
    assert {"ttft_ms.p50", "ttft_ms.p90", "breakdown_ms.prefill.p50", "throughput_rps"} <= set(
        frame.columns
    )


def test_each_row_is_the_run_of_that_point(frame):
    for _, row in frame.iterrows():
        rate = row["workload.arrival.rate_per_s"]
        s = pdsim.run({"workload": {"requests": 200, "arrival": {"rate_per_s": rate}}}).summary
        assert row["ttft_ms.p90"] == s["ttft_ms"]["p90"]
        assert row["completed"] == s["completed"]
    # More load, longer queues: the median TTFT does not fall as the rate rises.
    assert frame["ttft_ms.p50"].is_monotonic_increasing


def test_the_rows_are_the_clis_sweep(frame, cli_json, config_file):
    rows = cli_json(
        "sweep",
        config_file(BASE),
        "--param",
        "workload.arrival.rate_per_s",
        "--values",
        ",".join(str(r) for r in RATES),
        "--format",
        "json",
    )
    assert [r["value"] for r in rows] == RATES
    for (_, row), cli_row in zip(frame.iterrows(), rows):
        s = cli_row["summary"]
        assert row["ttft_ms.p50"] == s["ttft_ms"]["p50"]
        assert row["tpot_ms.p90"] == s["tpot_ms"]["p90"]
        assert row["output_tokens_per_s"] == s["output_tokens_per_s"]


def test_several_paths_run_their_product_first_path_slowest():
    grid = {"disaggregation.decider": ["never", "always"], "seed": [1, 2, 3]}
    frame = pdsim.sweep({"workload": {"requests": 50}}, grid)
    assert len(frame) == 6
    assert list(frame["disaggregation.decider"]) == ["never"] * 3 + ["always"] * 3
    assert list(frame["seed"]) == [1, 2, 3, 1, 2, 3]
    # `never` keeps every prefill local, `always` sends every one away.
    assert list(frame["disaggregated"]) == [0, 0, 0, 50, 50, 50]


def test_a_process_pool_gives_the_same_frame(frame):
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pdsim.sweep(BASE, {"workload.arrival.rate_per_s": RATES}, executor=pool)
    pandas.testing.assert_frame_equal(pooled, frame)


def test_a_bad_path_is_named_before_any_run():
    class Refuse:
        def submit(self, *args):
            raise AssertionError("nothing may run")

    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.sweep(BASE, {"workload.arrival.rate_per_sec": [1, 2]}, executor=Refuse())
    assert info.value.field == "workload.arrival.rate_per_sec"
    assert "no such field; known here:" in str(info.value)
    assert "rate_per_s" in str(info.value)
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.sweep(BASE, {"engine.block_size": [16, "big"]})
    assert "block_size" in str(info.value)


def test_sweep_point_runs_one_point():
    point = _pdsim.with_fields(json.dumps(BASE), [("seed", "5")])
    assert pdsim.sweep_point(point) == pdsim.run({**BASE, "seed": 5}).summary
