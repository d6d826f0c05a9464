//! The five phases of a disaggregated request's time to first token, as every page names,
//! defines and colours them: the playground's breakdown, waterfall and flow charts and the
//! lessons (the JS API's `phases()`). The ids are the fields of [`super::Phases`].

/// One phase of the time to first token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Phase {
    /// The field of [`super::Phases`] (`prefill_queue`, ...).
    pub id: &'static str,
    /// Its name on every page.
    pub name: &'static str,
    /// What the phase is, in one sentence (the glossary and the tooltips).
    pub definition: &'static str,
    /// Its colour, red, green, blue: the Okabe-Ito palette (Okabe and Ito, "Color Universal
    /// Design", 2008), told apart with the common colour-vision deficiencies.
    pub rgb: (u8, u8, u8),
}

impl Phase {
    /// The colour as CSS (`#e69f00`).
    pub fn css(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.rgb.0, self.rgb.1, self.rgb.2)
    }
}

/// The phases in the order a request goes through them.
pub const PHASES: [Phase; 5] = [
    Phase {
        id: "prefill_queue",
        name: "Prefill queue wait",
        definition: "From the request's arrival to the first step that computes any of its \
                     prompt: waiting for a place in a prefill batch.",
        rgb: (0xE6, 0x9F, 0x00),
    },
    Phase {
        id: "prefill",
        name: "Prefill compute",
        definition: "From that step's start to the end of the prompt's last chunk, \
                     including other work sharing those steps and any preemption stall.",
        rgb: (0x00, 0x72, 0xB2),
    },
    Phase {
        id: "transfer",
        name: "KV transfer",
        definition: "Moving the prompt's KV cache from the prefill instance to the decode \
                     instance: setup latency plus bytes over bandwidth (0 when the request is \
                     served where it was prefilled).",
        rgb: (0xCC, 0x79, 0xA7),
    },
    Phase {
        id: "decode_queue",
        name: "Decode queue wait",
        definition: "On the decode instance: waiting for room for the prompt's KV blocks \
                     before the transfer, then for the first decode step after it (0 when \
                     served locally).",
        rgb: (0x56, 0xB4, 0xE9),
    },
    Phase {
        id: "first_decode",
        name: "First decode step",
        definition: "The decode step that emits the first token (0 when served locally: \
                     the last prefill step emits it).",
        rgb: (0x00, 0x9E, 0x73),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phases_are_the_fields_of_a_breakdown_in_order() {
        let value =
            serde_json::to_value(super::super::Phases::<f64>::default()).unwrap_or_default();
        let fields: Vec<&str> = value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut ids: Vec<&str> = PHASES.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        let mut sorted = fields.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        assert_eq!(PHASES[0].css(), "#e69f00");
    }
}
