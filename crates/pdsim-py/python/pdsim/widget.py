"""The playground inside Jupyter: a config's share link, shown in a notebook.

The playground is the browser build of the same core (WebAssembly); a share link carries the
config in its ``#v=1&c=...`` part, so showing the playground at that link shows this very
config, with every chart and control. With `anywidget <https://anywidget.dev>`_ installed,
:func:`show` returns a widget whose ``config`` (and ``height``) can be changed from Python
and the page follows; without it, a plain ``<iframe>`` of the same link.

The playground must be served somewhere the browser can reach: ``bash scripts/serve.sh``
serves it at ``http://127.0.0.1:8080/`` (the default), or pass ``base=`` (or set
``PDSIM_PLAYGROUND_URL``) for a hosted copy.
"""

from __future__ import annotations

import html
import json
from typing import Any

# The widget's front end: an iframe that follows the synced `url` and `height`.
_ESM = """
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  frame.setAttribute("title", "pdsim playground");
  const update = () => {
    frame.src = model.get("url");
    frame.style.height = model.get("height") + "px";
  };
  update();
  model.on("change:url", update);
  model.on("change:height", update);
  el.appendChild(frame);
}
export default { render };
"""


class PlaygroundFrame:
    """The fallback when anywidget is absent: an ``<iframe>`` of the link, which Jupyter
    (and anything that reads ``_repr_html_``) shows."""

    def __init__(self, url: str, height: int) -> None:
        self.url = url
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe src="{html.escape(self.url, quote=True)}" width="100%" '
            f'height="{int(self.height)}" style="border: 1px solid #ddd" '
            'title="pdsim playground"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<pdsim playground: {self.url}>"


def _link(config: Any, base: str | None, embed: bool) -> str:
    from ._api import Report, _config_text, playground_url
    from . import _pdsim

    text = json.dumps(config.config) if isinstance(config, Report) else _config_text(config)
    url = _pdsim.share_url(playground_url(base), text)
    return url + "&embed=1" if embed else url


def _widget_class() -> Any:
    """The anywidget class (built on first use, so that importing pdsim needs neither
    anywidget nor traitlets)."""
    import anywidget
    import traitlets

    class Playground(anywidget.AnyWidget):  # type: ignore[misc]
        """The playground at a config's share link; set ``.config`` to show another."""

        _esm = _ESM
        url = traitlets.Unicode("").tag(sync=True)
        height = traitlets.Int(640).tag(sync=True)

        def __init__(self, config: Any, base: str | None, embed: bool, height: int) -> None:
            super().__init__(url=_link(config, base, embed), height=height)
            self._base = base
            self._embed = embed

        @property
        def config(self) -> dict[str, Any]:
            """The config shown (its full form)."""
            from ._api import resolve

            return resolve(self.url)

        @config.setter
        def config(self, config: Any) -> None:
            self.url = _link(config, self._base, self._embed)

    return Playground


def show(
    config: Any,
    *,
    base: str | None = None,
    height: int = 640,
    embed: bool = False,
    widget: bool = True,
) -> Any:
    """Shows ``config`` (anything :func:`pdsim.run` accepts, or a Report) in the
    playground: an anywidget widget when anywidget is installed and ``widget`` is true,
    else a :class:`PlaygroundFrame` (an ``<iframe>``). ``base``: the playground's address
    (see :func:`pdsim.playground_url`); ``embed``: the compact embed layout; ``height`` in
    CSS pixels."""
    if widget:
        try:
            cls = _widget_class()
        except ImportError:
            pass
        else:
            return cls(config, base, embed, height)
    return PlaygroundFrame(_link(config, base, embed), height)
