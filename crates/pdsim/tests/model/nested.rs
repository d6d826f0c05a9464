//! Nested prefix sharing: a shared system prompt, then one of several documents, then the
//! request's own text. Cached tokens are exactly the blocks a prompt has in common with the
//! prompts before it.

use pdsim::config::{ArrivalProcess, LengthDist, PrefixConfig, SessionConfig};

// One unified instance with room for everything: nothing is evicted, so a request finds
// cached exactly the leading blocks it shares with any earlier one.
use crate::common::one_unified;

fn line(t: u32, input: u32, ids: &[u32]) -> String {
    let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
    format!(
        "{{\"timestamp\": {t}, \"input_length\": {input}, \"output_length\": 4, \"hash_ids\": [{}]}}",
        ids.join(", ")
    )
}

#[test]
fn a_branching_block_hash_trace_caches_exactly_the_common_leading_blocks() {
    // Blocks of 512 tokens (16 KV blocks of 16 each). Block 1 is a system prompt every
    // prompt starts with; 2 and 5 are two documents; 4 a conversation B and E continue.
    let text = [
        line(0, 1536, &[1, 2, 3]),       // A: system, document 2, own
        line(1000, 1536, &[1, 2, 4]),    // B: shares 1, 2 with A
        line(2000, 1536, &[1, 5, 6]),    // C: shares 1 with A and B
        line(3000, 1536, &[1, 5, 7]),    // D: shares 1, 5 with C
        line(4000, 2048, &[1, 2, 4, 8]), // E: shares 1, 2, 4 with B
        line(5000, 300, &[9]),           // F: alone
    ]
    .join("\n");
    let (records, errors) = pdsim::workload::parse_trace_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    // Groups only where shared prefixes branch: 1-2-4 is group 0, document 5 branches off
    // it after the system prompt's 512 tokens.
    let groups: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.prefix_group,
                r.prefix_tokens,
                r.prefix_parent,
                r.prefix_parent_tokens,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (Some(0), Some(1024), None, None),
            (Some(0), Some(1536), None, None),
            (Some(1), Some(1024), Some(0), Some(512)),
            (Some(1), Some(1024), Some(0), Some(512)),
            (Some(0), Some(1536), None, None),
            (None, None, None, None),
        ]
    );
    let mut c = one_unified();
    c.workload.trace = Some(records);
    let report = pdsim::run(&c).unwrap();
    let cached: Vec<u32> = report.requests.iter().map(|r| r.cached_tokens).collect();
    // A: nothing before it. B: A's blocks 1, 2. C: the system prompt only (its document
    // differs). D: C's system prompt and document. E: B's three blocks. F: nothing.
    assert_eq!(cached, [0, 1024, 512, 1024, 1536, 0]);
}

#[test]
fn generated_prompts_share_the_system_prompt_and_then_their_document() {
    let mut c = one_unified();
    c.workload.requests = Some(40);
    c.workload.arrival.process = ArrivalProcess::Constant;
    c.workload.arrival.rate_per_s = 2.0;
    c.workload.input_tokens = LengthDist::Constant { value: 1000 };
    c.workload.output_tokens = LengthDist::Constant { value: 4 };
    c.workload.prefix = PrefixConfig {
        groups: 3,
        tokens: 500,
        fraction: 0.6,
        system_tokens: 200,
    };
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests;
    // Group 3 is the system prompt alone (requests outside every document group).
    let mut seen = [false; 4];
    let mut members = 0;
    for (i, r) in r.iter().enumerate() {
        let group = r.prefix_group.unwrap() as usize;
        // The system prompt's 200 tokens are 12 full blocks of 16; with a document, 700
        // tokens are 43 blocks.
        let expected = if seen[group] && group < 3 {
            43 * 16
        } else if i > 0 {
            12 * 16
        } else {
            0
        };
        assert_eq!(r.cached_tokens, expected, "request {i} of group {group}");
        seen[group] = true;
        members += usize::from(group < 3);
    }
    assert!((15..35).contains(&members), "{members} members");
    assert!(
        seen.iter().all(|&s| s),
        "every group and the system prompt alone occur"
    );

    // Without a system prompt the same seed gives today's flat groups: the same lengths and
    // members, no group for the others.
    c.workload.prefix.system_tokens = 0;
    let flat = pdsim::run(&c).unwrap();
    for (a, b) in r.iter().zip(&flat.requests) {
        assert_eq!(a.input_tokens, b.input_tokens);
        let member = a.prefix_group.filter(|&g| g < 3);
        assert_eq!(member, b.prefix_group);
    }
}

#[test]
fn bad_nesting_is_refused_naming_the_line_or_record_and_the_field() {
    // pdsim's own format: group 7 continues group 0's first 400 tokens.
    let good = "{\"arrival_ms\": 0, \"input_tokens\": 900, \"output_tokens\": 2, \"prefix_group\": 0, \"prefix_tokens\": 400}\n\
                {\"arrival_ms\": 1, \"input_tokens\": 900, \"output_tokens\": 2, \"prefix_group\": 7, \"prefix_tokens\": 800, \"prefix_parent\": 0, \"prefix_parent_tokens\": 400}\n";
    let (records, errors) = pdsim::workload::parse_trace_jsonl(good);
    assert!(errors.is_empty(), "{errors:?}");
    let mut c = one_unified();
    c.workload.trace = Some(records);
    let report = pdsim::run(&c).unwrap();
    // The second request shares the first one's 400 tokens: 25 blocks.
    assert_eq!(report.requests[1].cached_tokens, 400);

    let cases = [
        // Group 7 with two different parents.
        (
            "{\"arrival_ms\": 0, \"input_tokens\": 9, \"output_tokens\": 1, \"prefix_group\": 7, \"prefix_parent\": 0, \"prefix_parent_tokens\": 4}\n\
             {\"arrival_ms\": 1, \"input_tokens\": 9, \"output_tokens\": 1, \"prefix_group\": 7, \"prefix_parent\": 1, \"prefix_parent_tokens\": 4}",
            2,
            "prefix_parent",
        ),
        // A cycle: 1 under 2 under 1.
        (
            "{\"arrival_ms\": 0, \"input_tokens\": 9, \"output_tokens\": 1, \"prefix_group\": 1, \"prefix_parent\": 2, \"prefix_parent_tokens\": 4}\n\
             \n\
             {\"arrival_ms\": 1, \"input_tokens\": 9, \"output_tokens\": 1, \"prefix_group\": 2, \"prefix_parent\": 1, \"prefix_parent_tokens\": 6}",
            1,
            "prefix_parent_tokens",
        ),
        // A parent without its token count.
        (
            "{\"arrival_ms\": 0, \"input_tokens\": 9, \"output_tokens\": 1, \"prefix_group\": 1, \"prefix_parent\": 2}",
            1,
            "prefix_parent",
        ),
    ];
    for (text, line, field) in cases {
        let (records, errors) = pdsim::workload::parse_trace_jsonl(text);
        assert!(records.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, line, "{errors:?}");
        assert_eq!(
            errors[0].message.split(':').next(),
            Some(field),
            "{errors:?}"
        );
    }
    // In a config, the record's index and the field.
    let mut c = one_unified();
    let (mut records, _) = pdsim::workload::parse_trace_jsonl(good);
    records[1].prefix_parent_tokens = None;
    c.workload.trace = Some(records);
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(
        e.contains("workload.trace[1]") && e.contains("prefix_parent"),
        "{e}"
    );
    // The generated system prompt is bounded like every length.
    let mut c = one_unified();
    c.workload.prefix.system_tokens = u32::MAX;
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(
        e.contains("workload.prefix.system_tokens") && e.contains("between 0 and"),
        "{e}"
    );
}

#[test]
fn generated_sessions_share_the_system_prompt_and_then_their_conversation() {
    let mut c = one_unified();
    c.workload.requests = Some(3);
    c.workload.arrival.process = ArrivalProcess::Constant;
    c.workload.arrival.rate_per_s = 0.5;
    c.workload.input_tokens = LengthDist::Constant { value: 500 };
    c.workload.output_tokens = LengthDist::Constant { value: 20 };
    c.workload.prefix.system_tokens = 300;
    c.workload.sessions = Some(SessionConfig {
        turns: LengthDist::Constant { value: 2 },
        new_tokens: LengthDist::Constant { value: 100 },
        think_time_ms: 0.0,
    });
    let report = pdsim::run(&c).unwrap();
    let r: Vec<(Option<u32>, u32, u32)> = report
        .requests
        .iter()
        .map(|r| (r.session, r.input_tokens, r.cached_tokens))
        .collect();
    // Each session's second turn finds its first turn's 500 + 20 tokens of prompt and
    // output (32 full blocks of 16); a later session's first turn finds the system prompt's
    // 300 (18 blocks).
    assert_eq!(
        r,
        [
            (Some(0), 500, 0),
            (Some(0), 620, 512),
            (Some(1), 500, 288),
            (Some(1), 620, 512),
            (Some(2), 500, 288),
            (Some(2), 620, 512),
        ]
    );
}
