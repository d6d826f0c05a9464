//! Docs that cannot go stale: every fenced block in README.md, docs/*.md and BENCHMARKS.md
//! that follows a `<!-- pdsim: ARGS -->` marker is the output of `pdsim ARGS`, re-run here
//! and compared byte for byte. Stages may be piped (`example long-prompts-agg | run -
//! --summary`: each stage's output is the next one's standard input). Timings are never
//! marked: they are measurements, and say so where they appear.
//!
//! After a change that moves numbers, regenerate the blocks and review the diff:
//!
//! ```sh
//! PDSIM_BLESS_DOCS=1 cargo test -p pdsim-cli --test docs
//! ```

use std::path::{Path, PathBuf};

const MARKER: &str = "<!-- pdsim: ";

mod common;

fn run_pipeline(pipeline: &str) -> String {
    let mut input = Vec::new();
    for stage in pipeline.split(" | ") {
        let args: Vec<&str> = stage.split_whitespace().collect();
        let out = common::pdsim(&args, &input);
        assert!(
            out.status.success(),
            "`pdsim {stage}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        input = out.stdout;
    }
    String::from_utf8(input).expect("utf-8 output")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The document with every marked block replaced by its command's current output, and how
/// many blocks it has.
fn regenerate(text: &str) -> (String, usize) {
    let mut out = String::new();
    let mut rest = text;
    let mut blocks = 0;
    while let Some(at) = rest.find(MARKER) {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let end = after.find("-->").expect("marker closes with -->");
        let pipeline = after[MARKER.len()..end].trim();
        let marker_line_end = after[end..].find('\n').map_or(after.len(), |i| end + i + 1);
        out.push_str(&after[..marker_line_end]);
        let body = &after[marker_line_end..];
        let fence_end = body.find('\n').expect("a fence line after the marker") + 1;
        let fence = &body[..fence_end];
        assert!(
            fence.starts_with("```"),
            "a fenced block must follow `{pipeline}`"
        );
        let close = body[fence_end..].find("```").expect("closing fence") + fence_end;
        out.push_str(fence);
        let output = run_pipeline(pipeline);
        out.push_str(&output);
        if !output.ends_with('\n') {
            out.push('\n');
        }
        rest = &body[close..];
        blocks += 1;
    }
    out.push_str(rest);
    (out, blocks)
}

#[test]
fn quoted_outputs_match_the_commands() {
    let bless = std::env::var_os("PDSIM_BLESS_DOCS").is_some();
    let mut docs = vec![root().join("README.md"), root().join("BENCHMARKS.md")];
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut total = 0;
    let mut stale = Vec::new();
    for path in docs {
        let text = std::fs::read_to_string(&path).expect("read doc");
        let (fresh, blocks) = regenerate(&text);
        total += blocks;
        if fresh != text {
            if bless {
                std::fs::write(&path, fresh).expect("write doc");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(total >= 5, "only {total} checked blocks");
    assert!(
        stale.is_empty(),
        "stale command output in {stale:?}; regenerate with PDSIM_BLESS_DOCS=1 cargo test -p pdsim-cli --test docs and review the diff"
    );
}
