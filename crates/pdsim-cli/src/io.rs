//! Reading configs and inputs (a path, or `-` for standard input) and writing the output.

use std::io::Read;

use pdsim::Config;

/// Writes the output; a reader that closed the pipe early (`pdsim run x.json | head`) ends
/// the program quietly, as other command-line tools do.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing the output: {e}");
            std::process::exit(1);
        }
    }
}

pub fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
    }
}

pub fn load_config(path: &str) -> Result<Config, String> {
    Config::from_json(&read_input(path)?).map_err(|e| format!("{path}: {e}"))
}
