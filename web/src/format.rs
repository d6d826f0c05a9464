//! Number formatting of the results.

/// A duration in milliseconds with a precision that suits its size (`0`, `0.042`, `5.38`,
/// `81.2`, `1234`).
pub fn ms(value: f64) -> String {
    let abs = value.abs();
    if value == 0.0 {
        "0".into()
    } else if abs < 1.0 {
        format!("{value:.3}")
    } else if abs < 10.0 {
        format!("{value:.2}")
    } else if abs < 1000.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// A rate (requests per second) with one or two decimals.
pub fn rate(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
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
    fn ms_precision_follows_size() {
        assert_eq!(ms(0.0), "0");
        assert_eq!(ms(0.0421), "0.042");
        assert_eq!(ms(5.381), "5.38");
        assert_eq!(ms(81.23), "81.2");
        assert_eq!(ms(1234.4), "1234");
        assert_eq!(percent(0.4531), "45.3");
        assert_eq!(rate(9.876), "9.88");
    }
}
