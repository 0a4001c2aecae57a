//! Numbers as the user reads them: the shortest text that reads back to the
//! same f64 (`136`, `0.8807970779778823`), or rounded with `--digits`.

/// The shortest decimal that parses back to `x` exactly. Plain notation for
/// everyday magnitudes, scientific (`1e300`, `2.5e-7`) outside them.
pub fn format(x: f64) -> String {
    let mut s = String::new();
    write(&mut s, x);
    s
}

/// Appends [`format()`]'s text to `out`. ryu finds the shortest digits; it
/// already switches to scientific notation outside 1e-5 ≤ |x| < 1e16, and
/// only its `.0` on integers is dropped.
pub fn write(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x == 0.0 {
        // -0 and 0 read the same to a student; both print as 0.
        out.push('0');
    } else {
        let mut buf = ryu::Buffer::new();
        let text = buf.format_finite(x);
        out.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
}

/// `x` rounded to `digits` significant digits, then printed as [`format()`].
pub fn format_digits(x: f64, digits: Option<usize>) -> String {
    match digits {
        Some(d) if x.is_finite() => {
            let rounded: f64 = format!("{:.*e}", d.saturating_sub(1), x)
                .parse()
                .unwrap_or(x);
            format(rounded)
        }
        _ => format(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_exact() {
        assert_eq!(format(136.0), "136");
        assert_eq!(format(0.8807970779778823), "0.8807970779778823");
        assert_eq!(format(-0.11920292202211769), "-0.11920292202211769");
        assert_eq!(format(1e300), "1e300");
        assert_eq!(format(2.5e-7), "2.5e-7");
        assert_eq!(format(-0.0), "0");
        assert_eq!(format(f64::INFINITY), "inf");
        assert_eq!(format(f64::NAN), "NaN");
        assert_eq!(format(1e-5), "0.00001");
        assert_eq!(format(1e16), "1e16");
        assert_eq!(format(123456789.0), "123456789");
        for x in [
            0.1,
            1.0 / 3.0,
            123456.789,
            1e-5,
            9.999e15,
            1.7976931348623157e308,
            5e-324,
        ] {
            assert_eq!(format(x).parse::<f64>().ok(), Some(x));
        }
    }

    #[test]
    fn rounded_for_display() {
        assert_eq!(format_digits(0.8807970779778823, Some(4)), "0.8808");
        assert_eq!(format_digits(136.0, Some(6)), "136");
        assert_eq!(format_digits(-0.23840584404423537, Some(3)), "-0.238");
        assert_eq!(format_digits(f64::INFINITY, Some(3)), "inf");
    }
}
