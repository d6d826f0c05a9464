"""step_time, catalog, examples and plan: the CLI's JSON objects."""

from __future__ import annotations

import concurrent.futures

import pytest

import pdsim


def test_a_prefill_step_is_the_clis_step_time(cli_json):
    ours = pdsim.step_time(model="llama-3.1-8b", hardware="h100-sxm", tp=1, prefill=1024)
    theirs = cli_json(
        "step-time", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--tp", "1",
        "--prefill", "1024", "--json",
    )
    assert ours == theirs
    assert ours["model"] == "Llama-3.1-8B" and ours["tp"] == 1 and ours["gpus"] == 1


def test_a_decode_step_is_the_clis_and_grows_with_context(cli_json):
    ours = pdsim.step_time(
        model="llama-3.1-70b", hardware="h100-sxm", tp=4, decode=32, context=2048
    )
    theirs = cli_json(
        "step-time", "--model", "llama-3.1-70b", "--hardware", "h100-sxm", "--tp", "4",
        "--decode", "32", "--context", "2048", "--json",
    )
    assert ours == theirs
    longer = pdsim.step_time(
        model="llama-3.1-70b", hardware="h100-sxm", tp=4, decode=32, context=8192
    )
    # Four times the KV to read per sequence: a slower step.
    assert longer["ms"] > ours["ms"]
    assert ours["gpus"] == 4


def test_step_time_parts_and_bounds_add_up():
    t = pdsim.step_time(model="llama-3.1-8b", hardware="h100-sxm", tp=1, prefill=2048)
    assert sum(t["parts_ms"].values()) == pytest.approx(t["ms"], rel=1e-9)
    # Twice the prompt on the same GPU: more time, and a compute-bound prefill.
    t2 = pdsim.step_time(model="llama-3.1-8b", hardware="h100-sxm", tp=1, prefill=4096)
    assert t2["ms"] > t["ms"]


def test_step_time_errors_name_the_keyword():
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.step_time(model="llama-3.1-8b", hardware="h100-sxm", tp=1, prefill=0)
    assert info.value.field == "prefill"
    assert str(info.value).startswith("prefill: ")
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.step_time(model="llama-3.1-8b", hardware="h100-sxm", tp=1, decode=8)
    assert info.value.field == "prefill"
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.step_time(model="gpt-17", hardware="h100-sxm", tp=1, prefill=10)
    assert info.value.field == "model"


def test_the_catalog_is_the_clis(cli_json):
    ours = pdsim.catalog()
    assert ours == cli_json("catalog", "--json")
    ids = [m["id"] for m in ours["models"]]
    assert "llama-3.1-8b" in ids
    gpu = next(g for g in ours["gpus"] if g["id"] == "h100-sxm")
    assert gpu["calibrated_as"] == "h100-sxm"
    # Llama-3.1-8B has about 8 billion parameters.
    params = next(m["params_b"] for m in ours["models"] if m["id"] == "llama-3.1-8b")
    assert 7.5 < params < 8.5


def test_examples_are_the_clis(cli_json):
    names = [e["name"] for e in pdsim.examples()]
    assert "default" in names and "long-prompts-disagg" in names
    assert pdsim.example("long-prompts-disagg") == cli_json("example", "long-prompts-disagg")
    assert pdsim.resolve(pdsim.example("default")) == pdsim.resolve({})
    with pytest.raises(KeyError, match="known: default"):
        pdsim.example("no-such-scenario")


PLAN = {"workload": {"requests": 150}}
PLAN_ARGS = dict(gpus=2, ttft_ms=500.0, tpot_ms=50.0, tp=[1], max_probes=8)


@pytest.fixture(scope="module")
def plan():
    return pdsim.plan(PLAN, **PLAN_ARGS)


def test_the_plan_is_the_clis(plan, cli_json, config_file):
    theirs = cli_json(
        "plan", config_file(PLAN), "--gpus", "2", "--ttft-ms", "500", "--tpot-ms", "50",
        "--tp", "1", "--max-probes", "8", "--json",
    )
    assert plan == theirs
    assert plan["gpus"] == 2
    assert plan["best"] is not None and plan["best"]["gpus"] <= 2
    # The best layout, run again, meets the targets it was planned for.
    best = pdsim.run(plan["best"]["config"])
    assert best.summary["slo_attainment"] == plan["best"]["attainment"] >= 0.9


def test_a_plan_through_an_executor_is_the_same(plan):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        assert pdsim.plan(PLAN, executor=pool, **PLAN_ARGS) == plan


def test_plan_errors_name_the_keyword():
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.plan(PLAN, gpus=0, ttft_ms=500.0)
    assert info.value.field == "gpus"
    assert str(info.value).startswith("gpus: must be a whole number of GPUs between 1 and")
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.plan(PLAN, gpus=2, ttft_ms=-1.0)
    assert info.value.field == "ttft_ms"


def test_a_plan_for_fewest_gpus_is_the_clis(cli_json, config_file):
    # The CLI's --objective, --rate and --hardware, as keywords.
    args = dict(gpus=4, ttft_ms=500.0, tpot_ms=50.0, tp=[1], max_probes=6)
    mine = pdsim.plan(PLAN, objective="gpus", rate=2.0, hardware=["h100-sxm"], **args)
    theirs = cli_json(
        "plan", config_file(PLAN), "--gpus", "4", "--ttft-ms", "500", "--tpot-ms", "50",
        "--tp", "1", "--max-probes", "6", "--objective", "gpus", "--rate", "2",
        "--hardware", "h100-sxm", "--json",
    )
    assert mine == theirs
    assert mine["objective"] == "gpus"
    # It differs from the default objective's plan (the rate per GPU).
    assert mine != pdsim.plan(PLAN, **args)


def test_plan_objective_errors_name_the_keyword():
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.plan(PLAN, gpus=2, ttft_ms=500.0, objective="speed")
    assert info.value.field == "objective"
    assert "rate, gpus or cost" in str(info.value)
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.plan(PLAN, gpus=2, ttft_ms=500.0, objective="gpus")
    assert info.value.field == "rate"
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.plan(PLAN, gpus=2, ttft_ms=500.0, hardware=["h999"])
    assert info.value.field == "hardware"
