//! Multi-turn sessions and closed-loop arrivals.

use pdsim::config::{ClosedLoopConfig, LengthDist, SessionConfig};
use pdsim::Config;

use crate::common::{ns, one_unified};

#[test]
fn a_sessions_turns_extend_its_conversation_and_hit_the_cache() {
    let mut c = one_unified();
    c.workload.requests = Some(1);
    c.workload.input_tokens = LengthDist::Constant { value: 500 };
    c.workload.output_tokens = LengthDist::Constant { value: 20 };
    c.workload.sessions = Some(SessionConfig {
        turns: LengthDist::Constant { value: 3 },
        new_tokens: LengthDist::Constant { value: 100 },
        think_time_ms: 0.0,
    });
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests;
    assert_eq!(report.summary.completed, 3);
    // Each turn's prompt is the previous prompt, its output and 100 new tokens.
    let inputs: Vec<u32> = r.iter().map(|r| r.input_tokens).collect();
    assert_eq!(inputs, [500, 620, 740]);
    // The previous turn's full blocks of prompt and output are cached: (500 + 20) / 16 = 32
    // blocks, then (620 + 20) / 16 = 40.
    let cached: Vec<u32> = r.iter().map(|r| r.cached_tokens).collect();
    assert_eq!(cached, [0, 512, 640]);
    // With no think time a turn arrives when the previous one completes.
    for k in 1..3 {
        assert_eq!(
            ns(r[k].arrival_ms),
            ns(r[k - 1].arrival_ms) + ns(r[k - 1].e2e_ms.unwrap())
        );
    }
    // One session, one prefix group, and the record says which.
    assert!(r.iter().all(|x| x.prefix_group == r[0].prefix_group));
    assert!(r
        .iter()
        .all(|x| x.session == r[0].prefix_group && x.session.is_some()));
}

#[test]
fn a_follow_up_turn_reuses_the_previous_turns_prompt_and_output() {
    // Turn 1: 256 prompt tokens, 100 output tokens. Turn 2: 256 + 100 + 32 = 388 tokens,
    // of which the full 16-token blocks of turn 1's prompt and output are cached, as vLLM's
    // prefix cache keeps generated tokens: (256 + 100) / 16 = 22 blocks, 352 tokens.
    let mut c = one_unified();
    c.engine.block_size = 16;
    c.workload.requests = Some(1);
    c.workload.input_tokens = LengthDist::Constant { value: 256 };
    c.workload.output_tokens = LengthDist::Constant { value: 100 };
    c.workload.sessions = Some(SessionConfig {
        turns: LengthDist::Constant { value: 2 },
        new_tokens: LengthDist::Constant { value: 32 },
        think_time_ms: 50.0,
    });
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests;
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].input_tokens, 388);
    assert_eq!(r[1].cached_tokens, 352);
    // The prompt tokens computed: all of turn 1, and the 36 tokens of turn 2 past the cache.
    assert_eq!(report.instances[0].prefill_tokens, 256 + 36);
    // Without prefix caching nothing is reused.
    c.engine.prefix_caching = false;
    let report = pdsim::run(&c).unwrap();
    assert_eq!(report.requests[1].cached_tokens, 0);
}

#[test]
fn closed_loop_never_has_more_than_its_users_in_flight() {
    let mut c = Config::default();
    c.workload.requests = Some(300);
    c.workload.closed_loop = Some(ClosedLoopConfig {
        users: 5,
        think_time_ms: 30.0,
    });
    let report = pdsim::run(&c).unwrap();
    assert_eq!(report.summary.injected, 300);
    assert_eq!(report.summary.completed, 300);
    // +1 at each arrival, -1 at each completion (a completion first at equal times).
    let mut events: Vec<(u64, i32)> = report
        .requests
        .iter()
        .flat_map(|r| {
            let arrival = ns(r.arrival_ms);
            [(arrival, 1), (arrival + ns(r.e2e_ms.unwrap()), -1)]
        })
        .collect();
    events.sort_unstable();
    let mut in_flight = 0;
    let mut most = 0;
    for (_, d) in events {
        in_flight += d;
        most = most.max(in_flight);
    }
    assert_eq!(most, 5);
    // All five start at 0.
    assert_eq!(
        report
            .requests
            .iter()
            .filter(|r| r.arrival_ms == 0.0)
            .count(),
        5
    );
}

#[test]
fn closed_loop_sessions_and_bad_values_are_refused_by_name() {
    let mut c = Config::default();
    c.workload.closed_loop = Some(ClosedLoopConfig {
        users: 0,
        think_time_ms: 10.0,
    });
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("workload.closed_loop.users"), "{e}");
    c.workload.closed_loop = Some(ClosedLoopConfig {
        users: 2_000_000,
        think_time_ms: 10.0,
    });
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("workload.closed_loop.users"), "{e}");
    c.workload.closed_loop = None;
    c.workload.sessions = Some(SessionConfig {
        think_time_ms: -1.0,
        ..SessionConfig::default()
    });
    let e = pdsim::run(&c).unwrap_err().to_string();
    assert!(e.contains("workload.sessions.think_time_ms"), "{e}");
}

#[test]
fn closed_loop_sessions_are_deterministic_and_conserve_requests() {
    let mut c = Config::default();
    c.workload.requests = Some(400);
    c.workload.closed_loop = Some(ClosedLoopConfig {
        users: 12,
        think_time_ms: 200.0,
    });
    c.workload.sessions = Some(SessionConfig::default());
    let a = serde_json::to_string(&pdsim::run(&c).unwrap()).unwrap();
    let b = pdsim::run(&c).unwrap();
    assert_eq!(a, serde_json::to_string(&b).unwrap());
    let s = &b.summary;
    assert_eq!(s.injected, 400);
    assert_eq!(s.injected, s.completed + s.dropped + s.in_flight);
    // Follow-up turns find their conversation cached somewhere.
    assert!(s.cached_tokens > 0);
}

#[test]
fn a_trace_turn_with_a_delay_arrives_after_its_previous_turn_completed() {
    // Session 0: a turn at 0, a turn 250 ms after it completes, and a turn at its own
    // time (no delay). Another request at 1 ms, alone.
    let text = "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 30, \"hash_ids\": [1, 2], \"session_id\": \"s\"}\n\
                {\"timestamp\": 1, \"input_length\": 100, \"output_length\": 3, \"hash_ids\": [9]}\n\
                {\"input_length\": 900, \"output_length\": 30, \"hash_ids\": [1, 2], \"session_id\": \"s\", \"delay\": 250}\n\
                {\"timestamp\": 5000, \"input_length\": 1200, \"output_length\": 3, \"hash_ids\": [1, 2, 3], \"session_id\": \"s\"}\n";
    let (records, errors) = pdsim::workload::parse_trace_jsonl(text);
    assert!(errors.is_empty(), "{errors:?}");
    let mut c = one_unified();
    c.workload.trace = Some(records);
    let report = pdsim::run(&c).unwrap();
    let r = &report.requests;
    assert_eq!(report.summary.completed, 4);
    // Ids are arrival order: the first turn, the lone request, the delayed turn, the last.
    let inputs: Vec<u32> = r.iter().map(|r| r.input_tokens).collect();
    assert_eq!(inputs, [600, 100, 900, 1200]);
    let sessions: Vec<Option<u32>> = r.iter().map(|r| r.session).collect();
    assert_eq!(sessions, [Some(0), None, Some(0), Some(0)]);
    let first_done = ns(r[0].arrival_ms) + ns(r[0].e2e_ms.unwrap());
    assert_eq!(ns(r[2].arrival_ms), first_done + 250_000_000);
    assert_eq!(r[3].arrival_ms, 5000.0);
    // The delayed turn shares the first turn's two blocks: 600 tokens, 37 full blocks of 16
    // in the cache.
    assert_eq!(r[2].cached_tokens, 592);
    // Turns out of order are refused naming the line and the field.
    let bad = "{\"timestamp\": 10, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1], \"session_id\": 7}\n\
               {\"timestamp\": 5, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [2], \"session_id\": 7}\n";
    let (_, errors) = pdsim::workload::parse_trace_jsonl(bad);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].message.starts_with("timestamp:"), "{errors:?}");
}

#[test]
fn sessions_and_closed_loops_keep_the_serving_invariants() {
    // The generated configs of the invariants test, each also run as sessions, as a closed
    // loop, and both.
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut checked = 0;
    for _ in 0..40 {
        let Ok(tree) = crate::invariants::arb_config().new_tree(&mut runner) else {
            continue;
        };
        let base = tree.current();
        for (sessions, closed) in [(true, false), (false, true), (true, true)] {
            let mut c = base.clone();
            c.workload.sessions = sessions.then_some(SessionConfig {
                turns: LengthDist::Uniform { min: 1, max: 4 },
                new_tokens: LengthDist::Uniform { min: 1, max: 200 },
                think_time_ms: 20.0,
            });
            c.workload.closed_loop = closed.then_some(ClosedLoopConfig {
                users: 6,
                think_time_ms: 10.0,
            });
            if crate::invariants::check_invariants(&c).is_some() {
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "{checked} runs checked");
}
