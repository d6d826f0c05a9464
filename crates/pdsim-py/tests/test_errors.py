"""A bad config raises pdsim.ConfigError naming the field, with the CLI's message."""

from __future__ import annotations

import pytest

import pdsim


def test_an_out_of_range_value_names_its_field_as_the_cli_does(cli, config_file):
    config = {"workload": {"arrival": {"rate_per_s": -1}}}
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.run(config)
    err = info.value
    assert err.field == "workload.arrival.rate_per_s"
    assert str(err).startswith("workload.arrival.rate_per_s: ")
    path = config_file(config)
    code, _, stderr = cli("run", path)
    assert code == 1
    assert stderr.strip() == f"error: {err}"
    # `pdsim validate` names the file too.
    code, _, stderr = cli("validate", path)
    assert code == 1
    assert stderr.strip() == f"error: {path}: {err}"


def test_a_misspelt_field_is_named(cli, config_file):
    config = {"engine": {"blok_size": 16}}
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.run(config)
    assert "blok_size" in str(info.value)
    path = config_file(config)
    _, _, stderr = cli("validate", path)
    assert stderr.strip() == f"error: {path}: {info.value}"


def test_config_error_is_a_value_error_and_resolve_checks_too():
    assert issubclass(pdsim.ConfigError, ValueError)
    with pytest.raises(pdsim.ConfigError) as info:
        pdsim.resolve({"engine": {"block_size": 0}})
    assert info.value.field == "engine.block_size"
    with pytest.raises(TypeError):
        pdsim.run(42)  # type: ignore[arg-type]
