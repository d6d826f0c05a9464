//! Number formatting of results, one rule for every duration shown (the playground, the
//! lessons through the JS API, the CLI), and counts with thousands separators.

/// `digits` (an unsigned integer's decimal text) with a comma every three digits.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators (`50,000`).
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// A number with `decimals` decimals and thousands separators in its whole part (`-1,234.5`).
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group(whole))
    } else {
        format!("{sign}{}.{frac}", group(whole))
    }
}

/// A duration given in milliseconds, as a number and its unit, by one rule for the whole page:
/// milliseconds below 10 s (`0.042`, `5.38`, `81.2`, `1,234` ms), seconds below 10 min
/// (`12.3 s`, `117.9 s`), then minutes (`61.9 min`).
pub fn duration_parts(ms: f64) -> (String, &'static str) {
    let abs = ms.abs();
    if ms == 0.0 || !ms.is_finite() {
        ("0".into(), "ms")
    } else if abs < 0.9995 {
        (format!("{ms:.3}"), "ms")
    } else if abs < 9.995 {
        (format!("{ms:.2}"), "ms")
    } else if abs < 999.95 {
        (format!("{ms:.1}"), "ms")
    } else if abs < 9_999.5 {
        (grouped(ms, 0), "ms")
    } else if abs < 599_950.0 {
        (format!("{:.1}", ms / 1000.0), "s")
    } else {
        (grouped(ms / 60_000.0, 1), "min")
    }
}

/// A duration given in milliseconds, with its unit (see [`duration_parts`]): `81.2 ms`,
/// `117.9 s`, `61.9 min`.
pub fn duration(ms: f64) -> String {
    let (value, unit) = duration_parts(ms);
    format!("{value} {unit}")
}

/// The unit of an axis whose largest value is `max_ms`, by the rule of [`duration_parts`]:
/// (milliseconds per unit, unit).
pub fn axis_unit(max_ms: f64) -> (f64, &'static str) {
    match duration_parts(max_ms).1 {
        "min" => (60_000.0, "min"),
        "s" => (1000.0, "s"),
        _ => (1.0, "ms"),
    }
}

/// An axis tick label of `value` on an axis that reaches `range`: whole numbers with
/// separators on wide ranges, else at most two decimals without trailing zeros.
pub fn tick(value: f64, range: f64) -> String {
    if range >= 20.0 {
        grouped(value, 0)
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A rate (requests per second) with one or two decimals.
pub fn rate(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        grouped(value, 1)
    }
}

/// A share in [0, 1] as a percentage with one decimal (`45.3`).
pub fn percent(share: f64) -> String {
    format!("{:.1}", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_shares() {
        assert_eq!(percent(0.4531), "45.3");
        assert_eq!(rate(9.876), "9.88");
        assert_eq!(rate(1234.56), "1,234.6");
    }

    #[test]
    fn durations_use_ms_below_10_s_then_s_below_10_min_then_min() {
        // Hand-checked: 117,927 ms = 117.927 s; 3,715,682 ms = 61.928 min.
        let cases = [
            (0.0, "0 ms"),
            (0.0421, "0.042 ms"),
            (5.381, "5.38 ms"),
            (9.999, "10.0 ms"),
            (81.23, "81.2 ms"),
            (999.96, "1,000 ms"),
            (1234.4, "1,234 ms"),
            (9_999.4, "9,999 ms"),
            (9_999.6, "10.0 s"),
            (42_500.0, "42.5 s"),
            (117_927.0, "117.9 s"),
            (599_940.0, "599.9 s"),
            (599_960.0, "10.0 min"),
            (3_715_682.0, "61.9 min"),
            (90_000_000.0, "1,500.0 min"),
            (-1234.4, "-1,234 ms"),
            (-42_500.0, "-42.5 s"),
        ];
        for (value, text) in cases {
            assert_eq!(duration(value), text, "{value} ms");
        }
        assert_eq!(duration_parts(117_927.0), ("117.9".to_owned(), "s"));
        // Axes: 141,512 ms (1.2 x 117,927) is labelled in s, with short ticks.
        assert_eq!(axis_unit(117_927.0), (1000.0, "s"));
        assert_eq!(axis_unit(812.0), (1.0, "ms"));
        assert_eq!(axis_unit(3_715_682.0), (60_000.0, "min"));
        assert_eq!(tick(120.0, 141.5), "120");
        assert_eq!(tick(2.5, 4.0), "2.5");
        assert_eq!(tick(9000.0, 9600.0), "9,000");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(50_000), "50,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(grouped(-0.04, 1), "0.0");
        assert_eq!(grouped(-1234.56, 1), "-1,234.6");
    }
}
