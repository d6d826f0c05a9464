//! The headline numbers of a report, one card each with its unit and, for latencies, how many
//! requests they describe. The completed and dropped counts come first: in compare mode a
//! latency is never called better when fewer requests completed.

use pdsim::report::{Stat, Summary};
use pdsim::Report;
use yew::prelude::*;

use crate::state::Shared;

use crate::format;

/// Properties of [`Cards`].
#[derive(Properties, PartialEq)]
pub struct CardsProps {
    /// The report shown.
    pub report: Shared<Report>,
    /// The pinned report to compare with, if any.
    #[prop_or_default]
    pub baseline: Option<Shared<Report>>,
    /// The latency targets of the shown result in words, if it has any (goodput counts the
    /// requests that meet them).
    #[prop_or_default]
    pub slo: Option<String>,
}

/// What a card's number is, for formatting its value and its change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A duration in ms (shown by [`format::duration`]).
    Duration,
    /// Requests per second.
    Rate,
    /// A share in [0, 1], shown in %.
    Share,
    /// A number of requests.
    Count,
    /// US dollars per million output tokens.
    Dollars,
    /// Joules per output token.
    Joules,
}

/// How a change is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No change, or one within the no-change band.
    Same,
    /// An improvement.
    Better,
    /// A regression.
    Worse,
    /// A change that is neither (e.g. the disaggregated share).
    Neutral,
    /// A latency over another set of requests than the baseline's (fewer or more completed):
    /// neither better nor worse.
    Incomparable,
}

/// Relative changes smaller than this (in %) show as no change.
pub const NO_CHANGE_PERCENT: f64 = 1.0;

/// The magnitude of a change, with its unit.
fn magnitude(diff: f64, kind: Kind) -> String {
    match kind {
        Kind::Duration => format::duration(diff.abs()),
        Kind::Rate => format!("{} req/s", format::rate(diff.abs())),
        Kind::Share => format!("{:.1} pp", diff.abs() * 100.0),
        Kind::Count => format!("{} requests", format::count(diff.abs().round() as u64)),
        Kind::Dollars => format!("${:.3} per M output tokens", diff.abs()),
        Kind::Joules => format!("{:.3} J per output token", diff.abs()),
    }
}

/// The difference of `current` from `baseline` as shown under a card: sign arrow, absolute
/// change with its unit, relative change; and how it is judged (`higher_is_better`: `None`
/// for neither). Changes that round to nothing, or below [`NO_CHANGE_PERCENT`] of the
/// baseline, are no change.
pub fn delta_text(
    current: f64,
    baseline: f64,
    kind: Kind,
    higher_is_better: Option<bool>,
) -> (String, Verdict) {
    let diff = current - baseline;
    let shown = magnitude(diff, kind);
    let percent = if baseline != 0.0 {
        diff / baseline.abs() * 100.0
    } else {
        0.0
    };
    if diff == 0.0 {
        return ("= no change".into(), Verdict::Same);
    }
    let rounds_to_nothing = shown
        .split(' ')
        .next()
        .and_then(|n| crate::number::parse_f64(&n.replace(',', "")))
        .is_some_and(|n| n == 0.0);
    // Counts are exact: one more dropped request is a change.
    let in_band = kind != Kind::Count && baseline != 0.0 && percent.abs() < NO_CHANGE_PERCENT;
    if rounds_to_nothing || in_band {
        let relative = if baseline != 0.0 && kind != Kind::Share {
            format!(" ({percent:+.1}%)")
        } else {
            String::new()
        };
        return (format!("≈ no change{relative}"), Verdict::Same);
    }
    let arrow = if diff > 0.0 { "▲" } else { "▼" };
    let relative = if kind != Kind::Share && baseline != 0.0 {
        format!(" ({percent:+.1}%)")
    } else {
        String::new()
    };
    let verdict = match higher_is_better {
        None => Verdict::Neutral,
        Some(h) if (diff > 0.0) == h => Verdict::Better,
        Some(_) => Verdict::Worse,
    };
    (format!("{arrow} {shown}{relative}"), verdict)
}

/// A card's value as text and its unit.
fn value_of(value: f64, kind: Kind) -> (String, String) {
    match kind {
        Kind::Duration => {
            let (v, unit) = format::duration_parts(value);
            (v, format!(" {unit}"))
        }
        Kind::Rate => (format::rate(value), " req/s".into()),
        Kind::Share => (format::percent(value), "%".into()),
        Kind::Count => (format::count(value.round() as u64), " requests".into()),
        Kind::Dollars => (format!("${value:.3}"), " per M output tokens".into()),
        Kind::Joules => (format!("{value:.3}"), " J per output token".into()),
    }
}

struct Card {
    id: &'static str,
    label: &'static str,
    value: f64,
    kind: Kind,
    title: String,
    /// What the number describes, under it (e.g. "of 295 requests").
    sub: Option<String>,
    /// Requests behind a latency (0: none, the card says "none").
    count: Option<u64>,
    /// (baseline value, whether higher is better, whether the two are comparable).
    delta: Option<(f64, Option<bool>, bool)>,
}

impl Card {
    fn view(self) -> Html {
        let delta = self.delta.map(|(baseline, higher_is_better, comparable)| {
            let (text, mut verdict) = delta_text(self.value, baseline, self.kind, higher_is_better);
            if !comparable && matches!(verdict, Verdict::Better | Verdict::Worse) {
                verdict = Verdict::Incomparable;
            }
            let class = match verdict {
                Verdict::Same => "same",
                Verdict::Better => "better",
                Verdict::Worse => "worse",
                Verdict::Neutral => "neutral",
                Verdict::Incomparable => "incomparable",
            };
            let (base_value, base_unit) = value_of(baseline, self.kind);
            let title = format!(
                "Change from the baseline ({base_value}{base_unit}); {}",
                match verdict {
                    Verdict::Same => "no change (within 1%)",
                    Verdict::Better => "better",
                    Verdict::Worse => "worse",
                    Verdict::Neutral => "neither better nor worse",
                    Verdict::Incomparable =>
                        "not comparable: the two runs completed different shares of their \
                         requests, so their latencies describe different requests",
                }
            );
            // Screen readers hear the verdict in words, not only the arrow and the colour.
            let spoken = match verdict {
                Verdict::Same => "",
                Verdict::Better => ", better than the baseline",
                Verdict::Worse => ", worse than the baseline",
                Verdict::Neutral => " from the baseline",
                Verdict::Incomparable => ", not comparable: different requests completed",
            };
            html! {
                <span class={classes!("delta", class)} {title}>
                    { text }
                    if verdict == Verdict::Incomparable {
                        <span class="not-comparable" aria-hidden="true">{ " not comparable" }</span>
                    }
                    if !spoken.is_empty() { <span class="visually-hidden">{ spoken }</span> }
                </span>
            }
        });
        // The value and its unit share one element so that it reads "81.2 ms" as a whole.
        let (value, unit) = value_of(self.value, self.kind);
        let empty = self.count == Some(0);
        html! {
            <div class={classes!("card", empty.then_some("empty"))} title={self.title}>
                <span class="card-label">{ self.label }</span>
                <span class="card-value" id={self.id}>
                    if empty {
                        { "none" }
                    } else {
                        { value }<span class="card-unit">{ unit }</span>
                    }
                </span>
                if let Some(sub) = self.sub {
                    <span class="card-sub">{ sub }</span>
                }
                { for delta }
            </div>
        }
    }
}

/// Whether two runs' latencies describe comparable sets of requests: their completed shares
/// differ by less than half a percentage point.
pub fn comparable(current: &Report, baseline: &Report) -> bool {
    let share = |r: &Report| {
        if r.summary.injected == 0 {
            0.0
        } else {
            r.summary.completed as f64 / r.summary.injected as f64
        }
    };
    (share(current) - share(baseline)).abs() < 0.005
}

/// "of 295 requests" under a latency card (or "no completed requests").
fn described(stat: &Stat, what: &str) -> String {
    match stat.count {
        0 => format!("no {what}"),
        1 => format!("of 1 {}", what.trim_end_matches('s')),
        n => format!("of {} {what}", format::count(n)),
    }
}

/// What the layout costs and draws (issue 25), where its GPUs have a price and a power:
/// dollars per million output tokens and joules per output token, each with how it follows.
fn cost_cards(s: &Summary, base: Option<&Report>) -> Vec<Card> {
    let mut out = Vec::new();
    if let (Some(usd), Some(hourly)) = (s.cost.usd_per_m_output_tokens, s.cost.usd_per_hour) {
        out.push(Card {
            id: "card-cost",
            label: "Cost",
            value: usd,
            kind: Kind::Dollars,
            title: "The layout's GPUs at their hourly price (the pool's usd_per_gpu_hour or the \
                    catalog's on-demand list price), over the output tokens served per hour: the \
                    whole cost carried by output tokens"
                .into(),
            sub: Some(format!(
                "${hourly:.2} per hour{}",
                s.cost
                    .usd_per_m_input_tokens
                    .map_or(String::new(), |i| format!("; ${i:.3} per M input tokens"))
            )),
            count: None,
            delta: base
                .and_then(|b| b.summary.cost.usd_per_m_output_tokens)
                .map(|b| (b, Some(false), true)),
        });
    }
    if let (Some(joules), Some(watts)) = (s.energy.joules_per_output_token, s.energy.avg_power_w) {
        out.push(Card {
            id: "card-energy",
            label: "Energy",
            value: joules,
            kind: Kind::Joules,
            title:
                "Mean power over output tokens per second; each GPU draws 15% of its board power \
                    between steps and all of it during its instance's steps"
                    .into(),
            sub: Some(format!(
                "{} W mean power",
                format::count(watts.round() as u64)
            )),
            count: None,
            delta: base
                .and_then(|b| b.summary.energy.joules_per_output_token)
                .map(|b| (b, Some(false), true)),
        });
    }
    out
}

/// The headline cards.
#[function_component(Cards)]
pub fn cards(props: &CardsProps) -> Html {
    let s = &props.report.summary;
    let base = props.baseline.as_deref();
    let same_requests = base.is_none_or(|b| comparable(&props.report, b));
    let latency =
        |id, label, of: fn(&Summary) -> &Stat, pick: fn(&Stat) -> f64, title: &str, what: &str| {
            let stat = of(s);
            Card {
                id,
                label,
                value: pick(stat),
                kind: Kind::Duration,
                title: format!("{title}, over the {} {what}", format::count(stat.count)),
                sub: Some(described(stat, what)),
                count: Some(stat.count),
                delta: base.map(|b| (pick(of(&b.summary)), Some(false), same_requests)),
            }
        };
    let completed_requests = "completed requests";
    let cards = [
        Card {
            id: "card-completed",
            label: "Completed",
            value: s.completed as f64,
            kind: Kind::Count,
            title: "Requests that emitted all their output tokens".into(),
            sub: Some(format!("of {} injected", format::count(s.injected))),
            count: None,
            delta: base.map(|b| (b.summary.completed as f64, Some(true), true)),
        },
        Card {
            id: "card-dropped",
            label: "Dropped",
            value: s.dropped as f64,
            kind: Kind::Count,
            title: "Requests the simulator had to drop: a decode instance without KV room for a \
                    transferred prompt, or a prompt larger than an instance's KV cache"
                .into(),
            sub: Some(if s.dropped == 0 {
                "none dropped".to_owned()
            } else {
                format!("{}% of injected", format::percent(s.dropped as f64 / s.injected.max(1) as f64))
            }),
            count: None,
            delta: base.map(|b| (b.summary.dropped as f64, Some(false), true)),
        },
        latency(
            "card-ttft-p50",
            "TTFT p50",
            |s| &s.ttft_ms,
            |x| x.p50,
            "Median time to first token",
            completed_requests,
        ),
        latency(
            "card-ttft-p90",
            "TTFT p90",
            |s| &s.ttft_ms,
            |x| x.p90,
            "90th percentile of the time to first token",
            completed_requests,
        ),
        latency(
            "card-ttft-p99",
            "TTFT p99",
            |s| &s.ttft_ms,
            |x| x.p99,
            "99th percentile of the time to first token",
            completed_requests,
        ),
        latency(
            "card-itl-p50",
            "ITL p50",
            |s| &s.itl_ms,
            |x| x.p50,
            "Median inter-token latency: every gap between two consecutive output tokens of a request",
            "token gaps",
        ),
        latency(
            "card-itl-p90",
            "ITL p90",
            |s| &s.itl_ms,
            |x| x.p90,
            "90th percentile of the inter-token latency (every gap between two consecutive output tokens)",
            "token gaps",
        ),
        latency(
            "card-e2e-p90",
            "E2E p90",
            |s| &s.e2e_ms,
            |x| x.p90,
            "90th percentile of the end-to-end latency (arrival to last token)",
            completed_requests,
        ),
        Card {
            id: "card-throughput",
            label: "Throughput",
            value: s.throughput_rps,
            kind: Kind::Rate,
            title: "Completed requests per second of simulated time".into(),
            sub: None,
            count: None,
            delta: base.map(|b| (b.summary.throughput_rps, Some(true), true)),
        },
        Card {
            id: "card-goodput",
            label: "Goodput",
            value: s.goodput_rps,
            kind: Kind::Rate,
            title: "Completed requests per second that met the latency targets (SLO); dropped \
                    requests count as misses"
                .into(),
            sub: Some(match &props.slo {
                Some(slo) => format!(
                    "{}% of requests met the SLO: {slo}",
                    format::percent(s.slo_attainment)
                ),
                None => "no SLO set: every completed request counts".to_owned(),
            }),
            count: None,
            delta: base.map(|b| (b.summary.goodput_rps, Some(true), true)),
        },
        Card {
            id: "share-disaggregated",
            label: "Disaggregated",
            value: s.disaggregated_share,
            kind: Kind::Share,
            title: "Share of requests whose prefill ran on a separate prefill instance".into(),
            sub: None,
            count: None,
            delta: base.map(|b| (b.summary.disaggregated_share, None, true)),
        },
    ];
    html! {
        <div id="cards" class="cards">
            { for cards.into_iter().chain(cost_cards(s, base)).map(Card::view) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_have_sign_arrows_and_a_verdict() {
        assert_eq!(
            delta_text(112.3, 100.0, Kind::Duration, Some(false)),
            ("▲ 12.3 ms (+12.3%)".to_owned(), Verdict::Worse)
        );
        assert_eq!(
            delta_text(0.40, 0.45, Kind::Share, None),
            ("▼ 5.0 pp".to_owned(), Verdict::Neutral)
        );
        assert_eq!(
            delta_text(9.5, 10.0, Kind::Rate, Some(true)).1,
            Verdict::Worse
        );
        assert_eq!(
            delta_text(5.0, 5.0, Kind::Duration, Some(false)),
            ("= no change".to_owned(), Verdict::Same)
        );
        assert_eq!(
            delta_text(117_927.0, 42_500.0, Kind::Duration, Some(false)).0,
            "▲ 75.4 s (+177.5%)"
        );
        assert_eq!(
            delta_text(305.0, 0.0, Kind::Count, Some(false)),
            ("▲ 305 requests".to_owned(), Verdict::Worse)
        );
    }

    #[test]
    fn tiny_changes_are_no_change() {
        // The case: 0.00 req/s, -0.2% read as worse.
        assert_eq!(
            delta_text(37.32, 37.4, Kind::Rate, Some(true)),
            ("≈ no change (-0.2%)".to_owned(), Verdict::Same)
        );
        assert_eq!(
            delta_text(100.5, 100.0, Kind::Duration, Some(false)),
            ("≈ no change (+0.5%)".to_owned(), Verdict::Same)
        );
        // 1% and more is a change.
        assert_eq!(
            delta_text(101.0, 100.0, Kind::Duration, Some(false)).1,
            Verdict::Worse
        );
        // One more dropped request is a change, however many there were.
        assert_eq!(
            delta_text(1001.0, 1000.0, Kind::Count, Some(false)).1,
            Verdict::Worse
        );
    }

    #[test]
    fn runs_that_complete_different_shares_are_not_comparable() {
        let report = |injected, completed| Report {
            summary: Summary {
                injected,
                completed,
                ..Default::default()
            },
            requests: Vec::new(),
            instances: Vec::new(),
            pools: Vec::new(),
            timeline: pdsim::report::Timeline::default(),
        };
        assert!(comparable(&report(600, 600), &report(600, 600)));
        assert!(!comparable(&report(600, 295), &report(600, 600)));
        assert!(!comparable(&report(600, 600), &report(600, 295)));
        assert!(comparable(&report(1000, 998), &report(1000, 1000)));
    }
}
