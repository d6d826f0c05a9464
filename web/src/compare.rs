//! Pinning a result as the baseline, and the note that compares every later result with it
//! (the cards, the breakdown and the CDFs mark their own differences).

use yew::prelude::*;

use crate::format;
use crate::state::{config_changes, Action, AppState};
use crate::{cards, url};

/// The Pin / Re-pin buttons and the baseline note.
///
/// One toggle button (the same element pinned or not, so focus stays on it) and a
/// Re-pin button beside it when pinned.
/// The pinned baseline's config goes in the URL (`b`), so a comparison can be shared.
/// A function of the app's view, not a component of its own: it renders with the results,
/// and a component (with its context subscription) would cost the bundle for nothing.
pub fn compare(state: &AppState) -> Html {
    let toggle = {
        let state = state.clone();
        let pinned = state.baseline.is_some();
        Callback::from(move |_| {
            if pinned {
                url::write_baseline(None);
                state.dispatch(Action::Unpin);
            } else {
                url::write_baseline(Some(&state.settings.config));
                state.dispatch(Action::Pin);
            }
        })
    };
    let repin = {
        let state = state.clone();
        Callback::from(move |_| {
            url::write_baseline(Some(&state.settings.config));
            state.dispatch(Action::Pin);
        })
    };
    let pinned = state.baseline.is_some();
    let note = state.baseline.as_ref().map(|b| {
        let changes = config_changes(&b.config, &state.settings.config);
        let changed = if changes.is_empty() {
            "Same settings as the baseline.".to_owned()
        } else {
            let shown: Vec<&str> = changes.iter().take(4).map(String::as_str).collect();
            let more = changes.len().saturating_sub(shown.len());
            format!(
                "Changed since pinning: {}{}.",
                shown.join("; "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        };
        let counts = |r: &pdsim::Report| {
            format!(
                "{} of {} requests completed, {} dropped",
                format::count(r.summary.completed),
                format::count(r.summary.injected),
                format::count(r.summary.dropped)
            )
        };
        let (now, comparable) = match &state.run.report {
            Some(report) => (
                format!("; now {}", counts(report)),
                cards::comparable(report, &b.report),
            ),
            None => (String::new(), true),
        };
        let caveat = if comparable {
            ""
        } else {
            " The two runs completed different shares of their requests, so their latencies \
             describe different requests: latency changes are marked not comparable."
        };
        html! {
            <span id="baseline-note">
                <span id="baseline-counts">
                    { format!("Baseline: {}{now}.", counts(&b.report)) }
                    { caveat }
                </span>
                { format!(
                    " Baseline TTFT p50 {}. ▲ = higher, ▼ = lower; green is better, red \
                     worse, grey no change (within 1%). ",
                    format::duration(b.report.summary.ttft_ms.p50)
                ) }
                <span id="baseline-changes">{ changed }</span>
            </span>
        }
    });
    html! {
        <div class={classes!("compare", pinned.then_some("pinned"))}>
            <button type="button" id="pin" onclick={toggle} aria-pressed={pinned.to_string()}
                    title={if pinned {
                        "Forget the pinned baseline"
                    } else {
                        "Keep this result and show every later result's difference from it"
                    }}>
                { if pinned { "Unpin baseline" } else { "Pin as baseline" } }
            </button>
            // Always there (hidden when nothing is pinned): children that come and go
            // would make Yew reuse the Pin button's element for another one, and the
            // focus would move with it.
            <button type="button" id="repin" onclick={repin} hidden={!pinned}
                    title="Pin the current result instead">{ "Re-pin" }</button>
            <span class="baseline-slot">{ for note }</span>
        </div>
    }
}
