//! The headline numbers of a report, one card each with its unit.

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
}

struct Card {
    id: &'static str,
    label: &'static str,
    value: String,
    unit: &'static str,
    title: &'static str,
    /// (current, baseline) raw values and whether higher is better, in compare mode.
    delta: Option<(f64, f64, Option<bool>)>,
}

/// How a change is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No visible change.
    Same,
    /// An improvement.
    Better,
    /// A regression.
    Worse,
    /// A change that is neither (e.g. the disaggregated share).
    Neutral,
}

/// The difference of `current` from `baseline` as shown under a card: sign arrow, absolute
/// change in the card's unit, relative change; and how it is judged (`higher_is_better`:
/// `None` for neither).
pub fn delta_text(
    current: f64,
    baseline: f64,
    unit: &str,
    higher_is_better: Option<bool>,
) -> (String, Verdict) {
    let diff = current - baseline;
    let shown = match unit {
        "%" => format!("{:.1} pp", diff.abs() * 100.0),
        "ms" => format!("{} ms", format::ms(diff.abs())),
        "req/s" => format!("{} req/s", format::rate(diff.abs())),
        _ => format!("{} {unit}", diff.abs()),
    };
    let negligible = diff == 0.0 || shown.starts_with("0 ") || shown.starts_with("0.0 ");
    if negligible {
        return ("= no change".into(), Verdict::Same);
    }
    let arrow = if diff > 0.0 { "▲" } else { "▼" };
    let percent = if baseline != 0.0 {
        diff / baseline.abs() * 100.0
    } else {
        0.0
    };
    // A relative change that rounds to 0.0% is left out.
    let relative = if unit != "%" && percent.abs() >= 0.05 {
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

impl Card {
    fn view(self) -> Html {
        let delta = self.delta.map(|(current, baseline, higher_is_better)| {
            let (text, better) = delta_text(current, baseline, self.unit, higher_is_better);
            let class = match better {
                Verdict::Same => "same",
                Verdict::Better => "better",
                Verdict::Worse => "worse",
                Verdict::Neutral => "neutral",
            };
            let title = format!(
                "Change from the baseline ({}{}); {}",
                match self.unit {
                    "%" => format::percent(baseline),
                    "ms" => format::ms(baseline),
                    "req/s" => format::rate(baseline),
                    _ => baseline.to_string(),
                },
                if self.unit == "%" {
                    "%".to_owned()
                } else {
                    format!(" {}", self.unit)
                },
                match better {
                    Verdict::Same => "no change",
                    Verdict::Better => "better",
                    Verdict::Worse => "worse",
                    Verdict::Neutral => "neither better nor worse",
                }
            );
            // Screen readers hear the verdict in words, not only the arrow and the colour.
            let spoken = match better {
                Verdict::Same => "",
                Verdict::Better => ", better than the baseline",
                Verdict::Worse => ", worse than the baseline",
                Verdict::Neutral => " from the baseline",
            };
            html! {
                <span class={classes!("delta", class)} {title}>
                    { text }
                    if !spoken.is_empty() { <span class="visually-hidden">{ spoken }</span> }
                </span>
            }
        });
        // The value and its unit share one element so that it reads "81.2 ms" as a whole.
        let unit = if self.unit == "%" {
            "%".to_owned()
        } else {
            format!(" {}", self.unit)
        };
        html! {
            <div class="card" title={self.title}>
                <span class="card-label">{ self.label }</span>
                <span class="card-value" id={self.id}>
                    { self.value }<span class="card-unit">{ unit }</span>
                </span>
                { for delta }
            </div>
        }
    }
}

/// The headline cards.
#[function_component(Cards)]
pub fn cards(props: &CardsProps) -> Html {
    let s = &props.report.summary;
    let base = props.baseline.as_deref();
    let cards = [
        Card {
            id: "card-ttft-p50",
            label: "TTFT p50",
            value: format::ms(s.ttft_ms.p50),
            unit: "ms",
            title: "Median time to first token",
            delta: base.map(|b| (s.ttft_ms.p50, b.summary.ttft_ms.p50, Some(false))),
        },
        Card {
            id: "card-ttft-p90",
            label: "TTFT p90",
            value: format::ms(s.ttft_ms.p90),
            unit: "ms",
            title: "90th percentile of the time to first token",
            delta: base.map(|b| (s.ttft_ms.p90, b.summary.ttft_ms.p90, Some(false))),
        },
        Card {
            id: "card-ttft-p99",
            label: "TTFT p99",
            value: format::ms(s.ttft_ms.p99),
            unit: "ms",
            title: "99th percentile of the time to first token",
            delta: base.map(|b| (s.ttft_ms.p99, b.summary.ttft_ms.p99, Some(false))),
        },
        Card {
            id: "card-itl-p50",
            label: "ITL p50",
            value: format::ms(s.itl_ms.p50),
            unit: "ms",
            title: "Median of the requests' mean inter-token latency",
            delta: base.map(|b| (s.itl_ms.p50, b.summary.itl_ms.p50, Some(false))),
        },
        Card {
            id: "card-itl-p90",
            label: "ITL p90",
            value: format::ms(s.itl_ms.p90),
            unit: "ms",
            title: "90th percentile of the requests' mean inter-token latency",
            delta: base.map(|b| (s.itl_ms.p90, b.summary.itl_ms.p90, Some(false))),
        },
        Card {
            id: "card-e2e-p90",
            label: "E2E p90",
            value: format::ms(s.e2e_ms.p90),
            unit: "ms",
            title: "90th percentile of the end-to-end latency (arrival to last token)",
            delta: base.map(|b| (s.e2e_ms.p90, b.summary.e2e_ms.p90, Some(false))),
        },
        Card {
            id: "card-throughput",
            label: "Throughput",
            value: format::rate(s.throughput_rps),
            unit: "req/s",
            title: "Completed requests per second of simulated time",
            delta: base.map(|b| (s.throughput_rps, b.summary.throughput_rps, Some(true))),
        },
        Card {
            id: "card-goodput",
            label: "Goodput",
            value: format::rate(s.goodput_rps),
            unit: "req/s",
            title: "Completed requests per second that met the latency targets (SLO)",
            delta: base.map(|b| (s.goodput_rps, b.summary.goodput_rps, Some(true))),
        },
        Card {
            id: "share-disaggregated",
            label: "Disaggregated",
            value: format::percent(s.disaggregated_share),
            unit: "%",
            title: "Share of requests whose prefill ran on a separate prefill instance",
            delta: base.map(|b| (s.disaggregated_share, b.summary.disaggregated_share, None)),
        },
        Card {
            id: "card-dropped",
            label: "Dropped",
            value: s.dropped.to_string(),
            unit: "requests",
            title: "Requests the simulator had to drop (e.g. a prompt larger than the KV cache)",
            delta: base.map(|b| (s.dropped as f64, b.summary.dropped as f64, Some(false))),
        },
    ];
    html! {
        <div id="cards" class="cards">
            { for cards.into_iter().map(Card::view) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_have_sign_arrows_and_a_verdict() {
        assert_eq!(
            delta_text(112.3, 100.0, "ms", Some(false)),
            ("▲ 12.3 ms (+12.3%)".to_owned(), Verdict::Worse)
        );
        assert_eq!(
            delta_text(0.40, 0.45, "%", None),
            ("▼ 5.0 pp".to_owned(), Verdict::Neutral)
        );
        assert_eq!(delta_text(9.5, 10.0, "req/s", Some(true)).1, Verdict::Worse);
        assert_eq!(delta_text(5.0, 5.0, "ms", Some(false)).1, Verdict::Same);
        assert_eq!(
            delta_text(37.41, 37.4, "req/s", Some(true)).0,
            "▲ 0.01 req/s"
        );
    }
}
