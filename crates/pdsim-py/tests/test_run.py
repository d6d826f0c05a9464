"""pdsim.run and its Report: counts, the TTFT phases, the DataFrame, CLI equality."""

from __future__ import annotations

import json
import threading
import time

import pytest

import pdsim
from pdsim import _pdsim

# 300 requests of the default scenario (2 prefill + 2 decode H100s, Llama-3.1-8B).
SMALL = {"workload": {"requests": 300}}


@pytest.fixture(scope="module")
def report():
    return pdsim.run(SMALL)


def test_every_request_is_accounted_for(report):
    s = report.summary
    assert s["injected"] == 300
    assert len(report.requests) == 300
    assert s["completed"] + s["dropped"] + s["in_flight"] == 300
    assert [r["id"] for r in report.requests] == list(range(300))
    # The decider's split, counted from the records.
    assert s["disaggregated"] == sum(r["disaggregated"] for r in report.requests)


def test_the_five_phases_add_up_to_each_ttft(report):
    checked = 0
    for r in report.requests:
        if r["ttft_ms"] is None:
            continue
        assert sum(r["breakdown_ms"].values()) == pytest.approx(r["ttft_ms"], abs=1e-6)
        checked += 1
    assert checked == report.summary["ttft_ms"]["count"] > 0


def test_to_pandas_has_a_row_per_request_and_a_column_per_phase(report):
    frame = report.to_pandas()
    phases = ["prefill_queue", "prefill", "transfer", "decode_queue", "first_decode"]
    assert report.phases() == phases
    assert len(frame) == 300
    columns = [f"{p}_ms" for p in phases]
    assert set(columns) <= set(frame.columns)
    assert "breakdown_ms" not in frame.columns
    done = frame[frame["ttft_ms"].notna()]
    total = done[columns].sum(axis=1)
    assert ((total - done["ttft_ms"]).abs() < 1e-6).all()


def test_local_requests_have_no_transfer_nor_decode_phases(report):
    frame = report.to_pandas()
    local = frame[~frame["disaggregated"] & frame["ttft_ms"].notna()]
    remote = frame[frame["disaggregated"] & frame["ttft_ms"].notna()]
    assert len(local) > 0 and len(remote) > 0, "the default decider splits requests"
    assert (local[["transfer_ms", "decode_queue_ms", "first_decode_ms"]] == 0).all().all()
    assert (remote["transfer_ms"] > 0).all()


def test_the_report_is_the_clis(report, cli_json, config_file):
    assert report.to_dict() == cli_json("run", config_file(SMALL))


def test_an_example_gives_the_clis_numbers(cli_json, config_file):
    config = pdsim.example("long-prompts-disagg")
    config["workload"]["requests"] = 120
    assert pdsim.run(config).to_dict() == cli_json("run", config_file(config))


def test_a_path_and_json_text_run_the_same_config(report, config_file):
    path = config_file(SMALL)
    assert pdsim.run(path).to_dict() == report.to_dict()
    with open(path) as f:
        assert pdsim.run(f.read()).to_dict() == report.to_dict()


def test_config_is_the_full_config_that_ran(report):
    assert report.config["workload"]["requests"] == 300
    # The other fields are the defaults.
    defaults = pdsim.resolve({})
    assert report.config["topology"] == defaults["topology"]
    assert report.config["seed"] == defaults["seed"]
    assert pdsim.run(report.config).to_dict() == report.to_dict()


def test_same_seed_same_report_other_seed_other_report(report):
    again = pdsim.run(SMALL)
    assert again.to_dict() == report.to_dict()
    other = pdsim.run({"workload": {"requests": 300}, "seed": report.config["seed"] + 1})
    assert other.summary["ttft_ms"] != report.summary["ttft_ms"]


def test_the_gil_is_released_during_a_run():
    # A long run in a thread, while this thread sleeps 50 ms. Waking needs the GIL: had the
    # run held it, this thread could wake only after the run returned.
    config = json.dumps({"workload": {"requests": 1_000_000}, "output": {"per_request": False}})
    started = threading.Event()
    times = {}

    def work():
        started.set()
        text = _pdsim.run_json(config)
        times["run_end"] = time.monotonic()
        times["injected"] = json.loads(text)["summary"]["injected"]

    thread = threading.Thread(target=work)
    thread.start()
    started.wait()
    time.sleep(0.05)
    woke = time.monotonic()
    thread.join()
    assert times["injected"] == 1_000_000
    assert woke < times["run_end"], "this thread waited for the run: the GIL was held"


# A Mooncake-style session trace: the follow-up turn carries `delay`, not `timestamp`.
TRACE = [
    {"timestamp": 0, "input_length": 1100, "output_length": 40, "hash_ids": [1, 2, 3], "session_id": "a"},
    {"delay": 50, "input_length": 1700, "output_length": 30, "hash_ids": [1, 2, 3, 4], "session_id": "a"},
    {"timestamp": 20, "input_length": 600, "output_length": 25, "hash_ids": [7, 8]},
]


def test_a_trace_replays_as_the_clis(cli_json, config_file, tmp_path):
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in TRACE) + "\n")
    config = {"output": {"per_request": True}}
    from_path = pdsim.run(config, trace=path)
    assert from_path.to_dict() == cli_json("run", config_file(config), "--trace", str(path))
    assert pdsim.run(config, trace=TRACE).to_dict() == from_path.to_dict()
    requests = from_path.requests
    # By arrival: the follow-up turn comes 50 ms after its first turn ends, so last.
    assert [r["input_tokens"] for r in requests] == [1100, 600, 1700]
    # It finds its first turn's blocks cached.
    assert requests[2]["cached_tokens"] > 0


def test_bad_trace_lines_are_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps(TRACE[0])
    both = json.dumps({**TRACE[1], "timestamp": 10})
    path.write_text(f"{good}\n{both}\n{{\"timestamp\": 5}}\n")
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.run({}, trace=path)
    assert info.value.field == "trace"
    message = str(info.value)
    assert "2 bad trace line(s)" in message
    assert f"{path}:2:" in message and f"{path}:3:" in message
    assert "timestamp" in message.split(f"{path}:2:")[1].split("\n")[0]
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.run({}, trace=tmp_path / "missing.jsonl")
    assert info.value.field == "trace"
