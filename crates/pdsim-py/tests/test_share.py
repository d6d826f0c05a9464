"""Share links: the playground's format (`#v=1&c=<base64url of the JSON diff>`), both ways."""

from __future__ import annotations

import base64
import json

import pytest

import pdsim

BASE = "https://example.org/pdsim/"


def b64url(obj) -> str:
    """The web's encoding, by hand: compact JSON, base64url, no padding."""
    text = json.dumps(obj, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_a_link_holds_only_the_fields_that_differ_from_the_defaults():
    report = pdsim.run({"seed": 7, "workload": {"requests": 40}})
    url = report.to_url(BASE)
    # Keys in the order of the config's fields: seed comes before workload.
    assert url == BASE + "#v=1&c=" + b64url({"seed": 7, "workload": {"requests": 40}})


def test_the_default_config_has_no_settings_in_its_link():
    assert pdsim.run({}).to_url(BASE) == BASE + "#v=1"
    assert pdsim.resolve(BASE + "#v=1") == pdsim.resolve({})


def test_running_a_link_runs_the_same_config():
    config = pdsim.example("long-prompts-disagg")
    config["workload"]["requests"] = 60
    report = pdsim.run(config)
    # Embed options and other parameters ride along; they do not change the run.
    again = pdsim.run(report.to_url(BASE) + "&embed=1&hide=slo")
    assert again.to_dict() == report.to_dict()
    assert again.config == report.config


def test_a_hand_made_link_runs():
    url = "http://127.0.0.1:8080/#v=1&c=" + b64url({"workload": {"requests": 25}})
    assert pdsim.run(url).summary["injected"] == 25


def test_the_base_defaults_to_the_local_playground(monkeypatch):
    report = pdsim.run({"seed": 3, "workload": {"requests": 10}})
    monkeypatch.delenv("PDSIM_PLAYGROUND_URL", raising=False)
    assert report.to_url().startswith("http://127.0.0.1:8080/#v=1&c=")
    monkeypatch.setenv("PDSIM_PLAYGROUND_URL", "https://docs.example.org/play/")
    assert report.to_url().startswith("https://docs.example.org/play/#v=1&c=")


def test_a_bad_link_says_why():
    with pytest.raises(pdsim.ConfigError, match="v=9"):
        pdsim.run("https://example.org/#v=9&c=e30")
    with pytest.raises(pdsim.ConfigError, match="damaged"):
        pdsim.run("https://example.org/#v=1&c=!!!")
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.run("https://example.org/#v=1&c=" + b64url({"engine": {"block_size": 0}}))
    assert info.value.field == "engine.block_size"
