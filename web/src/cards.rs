//! The headline numbers of a report, one card each with its unit.

use std::rc::Rc;

use pdsim::Report;
use yew::prelude::*;

use crate::format;

/// Properties of [`Cards`].
#[derive(Properties, PartialEq)]
pub struct CardsProps {
    /// The report shown.
    pub report: Rc<Report>,
}

struct Card {
    id: &'static str,
    label: &'static str,
    value: String,
    unit: &'static str,
    title: &'static str,
}

impl Card {
    fn view(self) -> Html {
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
            </div>
        }
    }
}

/// The headline cards.
#[function_component(Cards)]
pub fn cards(props: &CardsProps) -> Html {
    let s = &props.report.summary;
    let cards = [
        Card {
            id: "card-ttft-p50",
            label: "TTFT p50",
            value: format::ms(s.ttft_ms.p50),
            unit: "ms",
            title: "Median time to first token",
        },
        Card {
            id: "card-ttft-p90",
            label: "TTFT p90",
            value: format::ms(s.ttft_ms.p90),
            unit: "ms",
            title: "90th percentile of the time to first token",
        },
        Card {
            id: "card-ttft-p99",
            label: "TTFT p99",
            value: format::ms(s.ttft_ms.p99),
            unit: "ms",
            title: "99th percentile of the time to first token",
        },
        Card {
            id: "card-itl-p50",
            label: "ITL p50",
            value: format::ms(s.itl_ms.p50),
            unit: "ms",
            title: "Median of the requests' mean inter-token latency",
        },
        Card {
            id: "card-itl-p90",
            label: "ITL p90",
            value: format::ms(s.itl_ms.p90),
            unit: "ms",
            title: "90th percentile of the requests' mean inter-token latency",
        },
        Card {
            id: "card-e2e-p90",
            label: "E2E p90",
            value: format::ms(s.e2e_ms.p90),
            unit: "ms",
            title: "90th percentile of the end-to-end latency (arrival to last token)",
        },
        Card {
            id: "card-throughput",
            label: "Throughput",
            value: format::rate(s.throughput_rps),
            unit: "req/s",
            title: "Completed requests per second of simulated time",
        },
        Card {
            id: "card-goodput",
            label: "Goodput",
            value: format::rate(s.goodput_rps),
            unit: "req/s",
            title: "Completed requests per second that met the latency targets (SLO)",
        },
        Card {
            id: "share-disaggregated",
            label: "Disaggregated",
            value: format::percent(s.disaggregated_share),
            unit: "%",
            title: "Share of requests whose prefill ran on a separate prefill instance",
        },
        Card {
            id: "card-dropped",
            label: "Dropped",
            value: s.dropped.to_string(),
            unit: "requests",
            title: "Requests the simulator had to drop (e.g. a prompt larger than the KV cache)",
        },
    ];
    html! {
        <div id="cards" class="cards">
            { for cards.into_iter().map(Card::view) }
        </div>
    }
}
