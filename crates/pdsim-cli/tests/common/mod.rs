//! Running the `pdsim` program in the integration tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `pdsim ARGS` with `stdin` on its standard input, from the repository root.
pub fn pdsim(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pdsim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pdsim");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_ref())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}
