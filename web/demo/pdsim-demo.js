// <pdsim-demo>: a pdsim playground in a documentation page, in one tag. The build puts this
// module beside the playground's index.html (dist/pdsim-demo.js); a page loads it once and
// writes elements:
//
//   <script type="module" src="/docs/pdsim/pdsim-demo.js"></script>
//   <pdsim-demo example="long-prompts-disagg" controls="decider,threshold-range"
//               charts="breakdown" title="Where does TTFT go?"></pdsim-demo>
//
// Each element frames the playground (found beside this module, through import.meta.url, so it
// works under any path) in its compact embed layout, grows to the height the playground
// reports, and links to the full playground under the frame. Attributes (custom-elements.json
// lists them; docs/EMBEDDING.md explains them): example, config, controls, charts, title,
// height, lazy. Content written inside the element shows only where scripts do not run.

/** The playground, beside this module. */
const PLAYGROUND = new URL("./index.html", import.meta.url);

/** Attributes of the element, in the order they appear in the playground's URL. */
const ATTRIBUTES = ["example", "config", "charts", "controls", "title", "height", "lazy"];

/** Height of the frame before the playground has said its own, in px. */
const DEFAULT_HEIGHT = 480;

/** The playground's URL fragment of these attributes (read by the playground's web/src/url.rs). */
export function demoHash(attrs) {
  const params = new URLSearchParams();
  params.set("embed", "1");
  for (const name of ["example", "config", "charts"]) {
    const value = attrs[name]?.trim();
    if (value) params.set(name, value);
  }
  // No `controls`: a demo shows no control; "all": every control of the playground.
  const controls = attrs.controls?.trim() ?? "";
  if (controls !== "all") params.set("controls", controls);
  const title = attrs.title?.trim();
  if (title) params.set("title", title);
  return params.toString();
}

/** The full playground's URL fragment of these attributes (the settings, no embed options). */
function fullHash(attrs) {
  const params = new URLSearchParams();
  for (const name of ["example", "config"]) {
    const value = attrs[name]?.trim();
    if (value) params.set(name, value);
  }
  return params.toString();
}

/** A CSS length of the `height` attribute: a number is px. */
function cssHeight(text) {
  const value = (text ?? "").trim();
  if (!value) return `${DEFAULT_HEIGHT}px`;
  return /^\d+(\.\d+)?$/.test(value) ? `${value}px` : value;
}

export class PdsimDemo extends HTMLElement {
  static observedAttributes = ATTRIBUTES;

  #frame = null;
  #link = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>
      :host { display: block; margin: 1rem 0; }
      iframe { display: block; width: 100%; border: 1px solid #d0d4da; border-radius: 6px; box-sizing: border-box; }
      a { display: inline-block; margin-top: .25rem; font: .85rem system-ui, sans-serif; }
    </style><iframe part="frame"></iframe><a part="link" target="_blank" rel="noopener">Open in the full pdsim playground ↗</a>`;
    this.#frame = root.querySelector("iframe");
    this.#link = root.querySelector("a");
  }

  connectedCallback() {
    window.addEventListener("message", this.#onMessage);
    this.#render();
  }

  disconnectedCallback() {
    window.removeEventListener("message", this.#onMessage);
  }

  attributeChangedCallback() {
    if (this.isConnected) this.#render();
  }

  #attrs() {
    return Object.fromEntries(ATTRIBUTES.map((name) => [name, this.getAttribute(name) ?? undefined]));
  }

  #render() {
    const attrs = this.#attrs();
    const src = `${PLAYGROUND.href}#${demoHash(attrs)}`;
    const frame = this.#frame;
    frame.title = attrs.title?.trim() || "pdsim playground";
    frame.loading = this.hasAttribute("lazy") ? "lazy" : "eager";
    if (!frame.dataset.sized) frame.style.height = cssHeight(attrs.height);
    // A new fragment alone would not reload the frame: replace the frame's page instead.
    if (frame.getAttribute("src") !== src) {
      if (frame.getAttribute("src")) frame.contentWindow?.location.replace(src);
      frame.setAttribute("src", src);
    }
    const full = fullHash(attrs);
    this.#link.href = full ? `${PLAYGROUND.href}#${full}` : PLAYGROUND.href;
  }

  // The playground posts {pdsim: "resize", height} after each render; only this element's own
  // frame is listened to.
  #onMessage = (event) => {
    if (event.source !== this.#frame.contentWindow) return;
    const data = event.data;
    if (!data || data.pdsim !== "resize") return;
    const height = Number(data.height);
    if (!Number.isFinite(height) || height <= 0 || height > 100_000) return;
    this.#frame.style.height = `${Math.ceil(height) + 2}px`;
    this.#frame.dataset.sized = "1";
    this.dispatchEvent(new CustomEvent("pdsim-resize", { detail: { height } }));
  };
}

if (!customElements.get("pdsim-demo")) customElements.define("pdsim-demo", PdsimDemo);
