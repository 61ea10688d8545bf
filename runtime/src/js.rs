//! JavaScript-exact JSON: numbers as `Number.prototype.toString` writes them, and
//! `JSON.stringify` of a parsed value. XStak recomputes request signatures over
//! `JSON.stringify(JSON.parse(body))`, so our bytes must be a fixed point of that.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// A decimal that no JavaScript number holds exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRepresentable(pub String);

impl fmt::Display for NotRepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot be sent exactly: a JavaScript number would change it",
            self.0
        )
    }
}

impl std::error::Error for NotRepresentable {}

/// The decimal as JavaScript writes the nearest double, if that double is the decimal exactly.
pub fn format_decimal(d: &Decimal) -> Result<String, NotRepresentable> {
    let text = d.normalize().to_string();
    let f: f64 = text.parse().map_err(|_| NotRepresentable(text.clone()))?;
    let js = format_f64(f).ok_or_else(|| NotRepresentable(text.clone()))?;
    let back = Decimal::from_str(&js).or_else(|_| Decimal::from_scientific(&js));
    match back {
        Ok(b) if b == *d => Ok(js),
        _ => Err(NotRepresentable(text)),
    }
}

/// `Number.prototype.toString()` for a finite double (ECMA-262 Number::toString).
pub fn format_f64(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some("0".into());
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e6".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let e = n - 1;
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.abs().to_string());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_javascript() {
        for (d, js) in [
            ("5", "5"),
            ("5.0", "5"),
            ("5.50", "5.5"),
            ("0.1", "0.1"),
            ("1234567.891", "1234567.891"),
            ("1000000000000000000000", "1e+21"),
            ("0.0000001", "1e-7"),
            ("-2.5", "-2.5"),
        ] {
            assert_eq!(format_decimal(&d.parse().unwrap()).unwrap(), js, "{d}");
        }
        assert!(format_decimal(&"12345678901234567891".parse().unwrap()).is_err());
    }
}
