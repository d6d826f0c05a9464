//! Decimal text to `f64` for the page's inputs, with the browser's parser.
//!
//! `str::parse::<f64>` links the standard library's decimal parser and its 10 KB table of
//! powers of five (about 10 KB of the bundle gzipped); the browser has a correctly rounded
//! parser already. [`parse_f64`] accepts exactly the texts `str::parse::<f64>` accepts (it
//! checks Rust's grammar itself: the browser's `parseFloat` would read a number off the front
//! of any text) and gives the same value: both round the decimal to the nearest `f64`.
//! Off wasm (the native unit tests) it is `str::parse::<f64>` itself.

/// `text` as an `f64`, or `None` where `text.parse::<f64>()` is an error.
pub fn parse_f64(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let negative = text.starts_with('-');
    let special =
        if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
            Some(f64::INFINITY)
        } else if unsigned.eq_ignore_ascii_case("nan") {
            Some(f64::NAN)
        } else {
            None
        };
    if let Some(value) = special {
        return Some(if negative { -value } else { value });
    }
    is_decimal(unsigned).then(|| decimal_value(text))
}

/// Whether `text` (no sign) is Rust's decimal float: digits with at most one `.` and at least
/// one digit, then optionally `e` or `E`, an optional sign and at least one digit.
fn is_decimal(text: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(target_arch = "wasm32")]
fn decimal_value(text: &str) -> f64 {
    js_sys::Number::parse_float(text)
}

#[cfg(not(target_arch = "wasm32"))]
fn decimal_value(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::parse_f64;

    #[test]
    fn accepts_what_rust_accepts_and_nothing_else() {
        let texts = [
            "0",
            "-0",
            "+1",
            "1.",
            ".5",
            "-.5",
            "1e5",
            "1E-5",
            "2.5e+3",
            "0012",
            "inf",
            "-Infinity",
            "NaN",
            "1e400",
            "",
            ".",
            "e5",
            "1e",
            "1e+",
            "+",
            "-",
            "1.2.3",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "1,5",
            "infinit",
            "++1",
            "1e5.0",
            "abc",
            "5e-324",
        ];
        for text in texts {
            let ours = parse_f64(text);
            let std = text.parse::<f64>().ok();
            assert_eq!(ours.is_some(), std.is_some(), "{text:?}");
            if let (Some(a), Some(b)) = (ours, std) {
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{text:?}"
                );
            }
        }
    }
}
