"""docs/PYTHON.md and docs/python-example.ipynb cannot go stale: the doc's `>>>` examples
must print what it shows, and the notebook's cells must run."""

from __future__ import annotations

import doctest
import json
import pathlib

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs"


def test_the_python_doc_prints_what_it_shows():
    result = doctest.testfile(str(DOCS / "PYTHON.md"), module_relative=False, report=True)
    assert result.attempted >= 20
    assert result.failed == 0, "docs/PYTHON.md: see the doctest output above"


def test_the_notebook_runs():
    notebook = json.loads((DOCS / "python-example.ipynb").read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 5
    namespace: dict = {"__name__": "__notebook__"}
    for source in cells:
        exec(compile(source, "python-example.ipynb", "exec"), namespace)
    # What the cells built: the run, its DataFrame, the pooled sweep.
    assert len(namespace["df"]) == 500
    assert list(namespace["frame"]["workload.arrival.rate_per_s"]) == [10, 20, 40, 80]
    assert namespace["t"]["bound"] == "memory"


def test_the_package_docstring_example_runs():
    import pdsim

    result = doctest.testmod(pdsim, report=True)
    assert result.attempted == 3 and result.failed == 0
