"""pdsim.show: the playground at the config's share link (widget or iframe)."""

from __future__ import annotations

import importlib.util

import pytest

import pdsim

BASE = "https://example.org/pdsim/"
CONFIG = {"seed": 11, "workload": {"requests": 30}}


def test_without_a_widget_it_is_an_iframe_of_the_share_link():
    frame = pdsim.show(CONFIG, base=BASE, widget=False, height=500)
    url = pdsim.run(CONFIG).to_url(BASE)
    assert frame.url == url
    html = frame._repr_html_()
    assert html.startswith("<iframe ") and 'height="500"' in html
    assert f'src="{url.replace("&", "&amp;")}"' in html
    embedded = pdsim.show(CONFIG, base=BASE, widget=False, embed=True)
    assert embedded.url == url + "&embed=1"


@pytest.mark.skipif(importlib.util.find_spec("anywidget") is None, reason="anywidget absent")
def test_the_widget_follows_its_config():
    w = pdsim.show(CONFIG, base=BASE)
    assert w.url == pdsim.run(CONFIG).to_url(BASE)
    w.config = {"seed": 12}
    assert w.url == pdsim.run({"seed": 12}).to_url(BASE)
    assert w.config["seed"] == 12
