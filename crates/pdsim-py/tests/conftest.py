"""Shared fixtures: the `pdsim` CLI of the same checkout, to compare numbers with."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI (``$PDSIM_CLI``, else ``target/release/pdsim``, which
    scripts/test-python.sh builds) and returns ``(exit code, stdout, stderr)``."""
    path = os.environ.get("PDSIM_CLI") or str(ROOT / "target" / "release" / "pdsim")
    if not os.path.isfile(path):
        pytest.fail(f"no pdsim CLI at {path}: run `cargo build --release -p pdsim-cli`")

    def call(*args: str):
        p = subprocess.run([path, *args], capture_output=True, text=True, timeout=600)
        return p.returncode, p.stdout, p.stderr

    return call


@pytest.fixture(scope="session")
def cli_json(cli):
    """The CLI's JSON output of a command that must succeed."""

    def call(*args: str):
        code, out, err = cli(*args)
        assert code == 0, err
        return json.loads(out)

    return call


@pytest.fixture()
def config_file(tmp_path):
    """Writes a config to a file and returns its path."""

    def write(config: dict, name: str = "config.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(config))
        return str(path)

    return write
