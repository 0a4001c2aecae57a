//! Reading a number as a student writes it: its value, how many significant
//! digits it has and the place of its last written digit, in any of the
//! notations of SPEC §5 (`.127`, `1.27E-01`, `−0.2384`, `- 0.2384`,
//! `-(0.2384)`, `-2.384×10^-1`, `−2.384·10⁻¹`, `0,1269`). The checker judges
//! every notation of one number by one rule ([`crate::check`]).

/// A number as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Written {
    pub value: f64,
    /// Significant digits: from the first nonzero digit to the last written
    /// one (`0.0120`: 3); for a plain integer, to its last nonzero digit
    /// (`1230`: 3). A number with no nonzero digit (`0.0`) has none.
    pub significant: u32,
    /// The place of the last written digit as a power of ten: `0.1269` → -4,
    /// `1230` → 1 (the tens), `590e-3` → -3.
    pub last: i32,
}

impl Written {
    /// One unit of the last written digit (`0.1269` → 0.0001).
    pub fn unit(&self) -> f64 {
        10f64.powi(self.last)
    }
}

/// Reads `text` as one written number; `None` when it is anything else (an
/// expression such as `1/3`, a name, two points).
pub fn read(text: &str) -> Option<Written> {
    let mut rest = text.trim();
    let mut negative = false;
    // A sign, then maybe parentheses and a sign inside them: `-(0.2384)`,
    // `(-0.2384)`, `- 0.2384`.
    let mut signs = 0;
    loop {
        if let Some(r) = strip_sign(rest) {
            if signs > 0 {
                return None;
            }
            signs += 1;
            negative = r.0;
            rest = r.1.trim_start();
        } else if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            rest = inner.trim();
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let (mantissa, tail) = rest.split_at(end);
    let (int, frac, point) = match mantissa.find(['.', ',']) {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..], true),
        None => (mantissa, "", false),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || int.len() + frac.len() == 0 {
        return None;
    }
    let exponent = exponent(tail.trim())?;
    let all = format!("{int}{frac}");
    let leading = all.trim_start_matches('0');
    let (significant, last) = match exponent {
        None if !point => {
            let kept = leading.trim_end_matches('0');
            let zeros = if kept.is_empty() {
                0
            } else {
                leading.len() - kept.len()
            };
            (kept.len(), zeros as i32)
        }
        e => (leading.len(), e.unwrap_or(0) - frac.len() as i32),
    };
    let text = format!(
        "{}{}.{}e{}",
        if negative { "-" } else { "" },
        if int.is_empty() { "0" } else { int },
        frac,
        exponent.unwrap_or(0)
    );
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(Written {
        value,
        significant: u32::try_from(significant).ok()?,
        last,
    })
}

/// A leading sign: `-`, `+`, `−` (U+2212) or `–` (an en dash); whether it
/// is negative, and the rest.
fn strip_sign(text: &str) -> Option<(bool, &str)> {
    for (sign, negative) in [("-", true), ("−", true), ("–", true), ("+", false)] {
        if let Some(rest) = text.strip_prefix(sign) {
            return Some((negative, rest));
        }
    }
    None
}

/// After the mantissa: nothing, `e-1`, `E-01`, `*10^-1`, `×10^(-1)`,
/// `·10⁻¹`. `Some(None)` for nothing, `None` for anything else.
fn exponent(tail: &str) -> Option<Option<i32>> {
    if tail.is_empty() {
        return Some(None);
    }
    let power = if let Some(e) = tail.strip_prefix(['e', 'E']) {
        e
    } else {
        let times = ["*", "×", "·", "⋅", "x"]
            .iter()
            .find_map(|t| tail.strip_prefix(t))?;
        let ten = times.trim_start().strip_prefix("10")?.trim_start();
        if let Some(p) = ten.strip_prefix("**").or_else(|| ten.strip_prefix('^')) {
            let p = p.trim();
            p.strip_prefix('(')
                .and_then(|p| p.strip_suffix(')'))
                .or_else(|| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
                .unwrap_or(p)
                .trim()
        } else {
            return superscript(ten);
        }
    };
    let (negative, digits) = match strip_sign(power) {
        Some((negative, rest)) => (negative, rest),
        None => (false, power),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let k: i32 = digits.parse().ok()?;
    Some(Some(if negative { -k } else { k }))
}

/// `⁻¹`, `²`: an exponent in superscript digits.
fn superscript(text: &str) -> Option<Option<i32>> {
    let (negative, digits) = match text.strip_prefix('⁻') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('⁺').unwrap_or(text)),
    };
    let mut k: i32 = 0;
    let mut count = 0;
    for c in digits.chars() {
        let d = "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|s| s == c)?;
        k = k * 10 + d as i32;
        count += 1;
        if count > 4 {
            return None;
        }
    }
    (count > 0).then_some(Some(if negative { -k } else { k }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn reads(text: &str, value: f64, significant: u32, last: i32) {
        let w = read(text);
        assert_eq!(
            w,
            Some(Written {
                value,
                significant,
                last
            }),
            "{text}"
        );
    }

    /// SPEC §5: every notation of one number, 4 significant digits.
    #[test]
    fn every_notation_of_one_number() {
        reads(".127", 0.127, 3, -3);
        reads("1.27e-1", 0.127, 3, -3);
        reads("1.27E-01", 0.127, 3, -3);
        for text in [
            "-0.2384",
            "−0.2384",
            "–0.2384",
            "- 0.2384",
            "-(0.2384)",
            "(-0.2384)",
            " -0.2384 ",
        ] {
            reads(text, -0.2384, 4, -4);
        }
        for text in [
            "-2.384*10^-1",
            "-2.384×10^-1",
            "−2.384·10⁻¹",
            "-2.384 × 10^(-1)",
            "-2.384e-1",
            "-23.84e-2",
            "-2.384*10**-1",
            "-2.384x10^{-1}",
        ] {
            reads(text, -0.2384, 4, -4);
        }
        reads("0,1269", 0.1269, 4, -4);
        reads("+3", 3.0, 1, 0);
        reads("2.", 2.0, 1, 0);
    }

    /// Integers: the last nonzero digit is the last written one; with a
    /// point or an exponent every written digit counts.
    #[test]
    fn integers_and_trailing_zeros() {
        reads("112704", 112704.0, 6, 0);
        reads("1230", 1230.0, 3, 1);
        reads("590e-3", 0.59, 3, -3);
        reads("0.590", 0.59, 3, -3);
        reads("0.0120", 0.012, 3, -4);
        reads("0", 0.0, 0, 0);
        reads("0.0", 0.0, 0, -1);
        reads("1.5e3", 1500.0, 2, 2);
        reads("1e3", 1000.0, 1, 3);
    }

    #[test]
    fn anything_else_is_not_a_written_number() {
        for text in [
            "", "-", "1/3", "pi", "1.2.3", "1,2.3", "--1", "-(-1)", "1e", "1e-", "x", "2*x",
            "2*10", "10^-1", "1e99999", "1e400", "()", "1 2", "0x10", "1·10",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}
