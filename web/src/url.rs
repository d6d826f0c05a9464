//! The playground's state in the URL: `#v=1&c=<config>&w=<waterfall pick>`, plus the embed
//! options `&embed=1&hide=<groups>&charts=<charts, in order>&controls=<element ids>&title=<text>`.
//!
//! `c` is the base64url (no padding) of the JSON of only the config fields that differ from
//! [`Config::default()`] ([`Config::from_json`] merges such a partial object onto the
//! defaults). A replayed trace is data, not settings: it is not put in the URL. The hash is
//! rewritten with `history.replaceState` shortly after the config becomes valid again
//! (see [`write_config`]).

use std::cell::RefCell;
use std::sync::OnceLock;

use gloo::timers::callback::Timeout;
use pdsim::Config;
use wasm_bindgen::JsValue;

/// The version of the URL format this playground writes and reads.
pub const VERSION: &str = "1";

/// Control groups that `&hide=` may name.
pub const GROUPS: [&str; 6] = ["scenario", "topology", "disagg", "slo", "link", "workload"];

// Charts that `&charts=` may name: cards, breakdown, waterfall, cdf, timeline, sweep.

/// The `c` parameter of `config` (`None` for the default config). The trace is left out.
pub fn encode_config(config: &Config) -> Option<String> {
    pdsim::config_json::share_value(config)
}

/// The config of a `c` parameter, or what is wrong with it.
pub fn decode_config(c: &str) -> Result<Config, String> {
    pdsim::config_json::config_of_share_value(c).map_err(|e| e.to_string())
}

/// The parameters of a hash, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses `a=1&b=2` (a leading `#` is ignored).
    pub fn parse(hash: &str) -> Self {
        Self(
            hash.trim_start_matches('#')
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_owned(), v.to_owned()),
                    None => (p.to_owned(), String::new()),
                })
                .collect(),
        )
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or, with `None`, removes) `key`.
    pub fn set(&mut self, key: &str, value: Option<String>) {
        match value {
            None => self.0.retain(|(k, _)| k != key),
            Some(value) => match self.0.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => self.0.push((key.to_owned(), value)),
            },
        }
    }

    /// `a=1&b=2`.
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// How the page was asked to look (read once from the URL at start).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// `embed=1`: the compact layout for an iframe.
    pub embed: bool,
    /// Control groups to hide.
    pub hide: Vec<String>,
    /// Charts to show, in this order (`None`: all, in the playground's order).
    pub charts: Option<Vec<String>>,
    /// Single form controls to show, by element id (`None`: every control of the shown
    /// groups).
    pub controls: Option<Vec<String>>,
    /// The embed's title (`title`).
    pub title: Option<String>,
    /// The waterfall's pick (`w`).
    pub pick: Option<String>,
    /// Open `<details>` sections (`open`).
    pub open: Vec<String>,
}

impl View {
    /// Whether the control group `name` is hidden.
    pub fn hides(&self, name: &str) -> bool {
        self.hide.iter().any(|h| h == name)
    }

    /// Whether every control group is hidden.
    pub fn no_controls(&self) -> bool {
        GROUPS.iter().all(|g| self.hides(g))
    }
}

fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a page of this hash starts with: its config, a note when the URL could not be used,
/// and its view.
pub fn read(hash: &str) -> (Config, Option<String>, View) {
    let params = Params::parse(hash);
    let view = View {
        embed: params.get("embed").is_some_and(|v| v == "1" || v == "true"),
        hide: list(params.get("hide")),
        charts: params.get("charts").map(|c| list(Some(c))),
        controls: params.get("controls").map(|c| list(Some(c))),
        title: params
            .get("title")
            .map(|t| {
                percent_encoding::percent_decode_str(t)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .filter(|t| !t.trim().is_empty()),
        pick: params.get("w").map(str::to_owned),
        open: list(params.get("open")),
    };
    let fallback = |why: String| {
        (
            Config::default(),
            Some(format!(
                "This link could not be used: {why}. Showing the default settings instead."
            )),
            view.clone(),
        )
    };
    match (params.get("v"), params.get("c")) {
        (None, None) => (Config::default(), None, view.clone()),
        (None, Some(_)) => fallback("it has settings but no version (v=1)".into()),
        (Some(v), _) if v != VERSION => fallback(format!(
            "its version is v={v}, and this playground reads v={VERSION}"
        )),
        (Some(_), None) => (Config::default(), None, view.clone()),
        (Some(_), Some("")) => (Config::default(), None, view.clone()),
        (Some(_), Some(c)) => match decode_config(c) {
            Ok(config) => (config, None, view.clone()),
            Err(e) => fallback(e),
        },
    }
}

/// The page's start: read once from `location.hash`.
pub fn start() -> &'static (Config, Option<String>, View) {
    static START: OnceLock<(Config, Option<String>, View)> = OnceLock::new();
    START.get_or_init(|| read(&gloo::utils::window().location().hash().unwrap_or_default()))
}

/// The pinned baseline's config of the page's URL (`b`, encoded like `c`; empty: the
/// defaults), if the link has one that can be used.
pub fn start_baseline() -> Option<Config> {
    static BASELINE: OnceLock<Option<Config>> = OnceLock::new();
    BASELINE
        .get_or_init(|| read_baseline(&gloo::utils::window().location().hash().unwrap_or_default()))
        .clone()
}

/// The baseline config of a hash's `b` parameter (see [`start_baseline`]).
pub fn read_baseline(hash: &str) -> Option<Config> {
    match Params::parse(hash).get("b") {
        None => None,
        Some("") => Some(Config::default()),
        Some(b) => decode_config(b).ok(),
    }
}

/// Puts the pinned baseline's config in the URL (`b`), or removes it.
pub fn write_baseline(config: Option<&Config>) {
    write("b", config.map(|c| encode_config(c).unwrap_or_default()));
}

/// The view of the page.
pub fn view() -> &'static View {
    &start().2
}

/// Quiet time after an edit before its config is written to the URL, in ms. Chromium spends
/// several milliseconds of main thread in `history.replaceState`, which would otherwise sit
/// between an edit and its charts; meanwhile [`current`] already answers with the new config.
const WRITE_DELAY_MS: u32 = 250;

thread_local! {
    /// The config [`write_config`] will put in the URL.
    static PENDING: RefCell<Option<Config>> = const { RefCell::new(None) };
    /// The timer that will (replacing it cancels it).
    static TIMER: RefCell<Option<Timeout>> = const { RefCell::new(None) };
}

/// The hash parameters of the page now (with the config of a pending [`write_config`]).
pub fn current() -> Params {
    let mut params = Params::parse(&gloo::utils::window().location().hash().unwrap_or_default());
    PENDING.with_borrow(|pending| {
        if let Some(config) = pending {
            params.set("v", Some(VERSION.to_owned()));
            params.set("c", encode_config(config));
        }
    });
    params
}

/// Replaces the page's URL by one with these parameters (no new history entry). The
/// parameters come from [`current`], so a pending config is written too.
fn replace(params: &Params) {
    PENDING.with_borrow_mut(Option::take);
    let window = gloo::utils::window();
    let location = window.location();
    let base = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let url = format!("{base}#{}", params.text());
    if let Ok(history) = window.history() {
        // Failure only leaves the old URL.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Puts `config` in the URL, [`WRITE_DELAY_MS`] after the last call.
pub fn write_config(config: &Config) {
    PENDING.with_borrow_mut(|pending| *pending = Some(config.clone()));
    let timer = Timeout::new(WRITE_DELAY_MS, || {
        if PENDING.with_borrow(Option::is_some) {
            replace(&current());
        }
    });
    TIMER.with_borrow_mut(|slot| *slot = Some(timer));
}

/// Sets one parameter of the URL.
pub fn write(key: &str, value: Option<String>) {
    let mut params = current();
    params.set("v", Some(VERSION.to_owned()));
    params.set(key, value);
    replace(&params);
}

/// Records in the URL (`open=`) whether the section `name` is open.
pub fn set_open(name: &str, open: bool) {
    let mut sections = list(current().get("open"));
    sections.retain(|s| s != name);
    if open {
        sections.push(name.to_owned());
    }
    write("open", (!sections.is_empty()).then(|| sections.join(",")));
}

/// A `<details>` toggle handler that records the section `name` in the URL.
pub fn on_toggle(name: &'static str) -> yew::Callback<web_sys::Event> {
    yew::Callback::from(move |e: web_sys::Event| {
        let open = e
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("open")).ok())
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        set_open(name, open);
    })
}

/// Whether the URL asked for the section `name` to be open.
pub fn opened(name: &str) -> bool {
    view().open.iter().any(|s| s == name)
}

/// The page's URL without the hash.
pub fn page_url() -> String {
    let location = gloo::utils::window().location();
    format!(
        "{}{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    )
}

/// The link of the current state (full playground: no embed options).
pub fn share_link() -> String {
    let mut params = current();
    for key in ["embed", "hide", "charts", "controls", "title"] {
        params.set(key, None);
    }
    format!("{}#{}", page_url(), params.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_round_trips_through_the_url() {
        assert_eq!(encode_config(&Config::default()), None);
        for example in pdsim::examples::all() {
            let c = encode_config(&example.config).unwrap_or_default();
            let (config, note, _) = read(&format!("#v=1&c={c}"));
            assert_eq!(note, None, "{}", example.name);
            assert_eq!(config, example.config, "{}", example.name);
        }
    }

    #[test]
    fn bad_links_fall_back_with_a_note() {
        let (config, note, _) = read("#v=9&c=e30");
        assert_eq!(config, Config::default());
        assert!(note.unwrap_or_default().contains("v=9"));
        let (_, note, _) = read("#v=1&c=!!!");
        assert!(note.unwrap_or_default().contains("damaged"));
        let c = pdsim::config_json::base64url_encode(br#"{"seed":"x"}"#);
        let (_, note, _) = read(&format!("#v=1&c={c}"));
        assert!(note.unwrap_or_default().contains("seed"));
        let (_, note, view) = read("#embed=1&hide=topology,slo&charts=cards");
        assert_eq!(note, None);
        assert!(view.embed && view.hides("slo"));
        assert_eq!(view.charts.as_deref(), Some(&["cards".to_owned()][..]));
    }

    #[test]
    fn the_baseline_travels_in_the_url() {
        let mut config = Config::default();
        config.disaggregation.decider = pdsim::config::Decider::Never;
        let b = encode_config(&config).unwrap_or_default();
        assert_eq!(read_baseline(&format!("#v=1&b={b}")), Some(config));
        assert_eq!(read_baseline("#v=1&b="), Some(Config::default()));
        assert_eq!(read_baseline("#v=1"), None);
        assert_eq!(
            read_baseline("#v=1&b=!!!"),
            None,
            "a damaged baseline is dropped"
        );
    }

    /// docs/embed.html embeds the two long-prompt examples by their URL.
    #[test]
    fn the_embed_page_links_the_examples() {
        let page = include_str!("../../docs/embed.html");
        for name in ["long-prompts-agg", "long-prompts-disagg"] {
            let example = pdsim::examples::all()
                .into_iter()
                .find(|e| e.name == name)
                .unwrap_or_else(|| panic!("no example {name}"));
            let c = encode_config(&example.config).unwrap_or_default();
            assert!(page.contains(&format!("v=1&c={c}&")), "{name}: c={c}");
        }
    }
}
