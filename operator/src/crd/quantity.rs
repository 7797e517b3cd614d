//! Kubernetes quantities (`500m`, `10Gi`, `1e9`), read with apimachinery's grammar.
//!
//! k8s-openapi's `Quantity` is an unchecked string; the apiserver accepts only what this
//! grammar allows, so the operator checks quantities before it builds objects from them:
//!
//! ```text
//! <quantity>  ::= <sign>? <number> <suffix>
//! <number>    ::= <digits> | <digits> "." <digits>? | "." <digits>
//! <suffix>    ::= "" | Ki | Mi | Gi | Ti | Pi | Ei | m | k | M | G | T | P | E
//!               | ("e" | "E") <sign>? <digits>
//! ```

/// A string that is not a Kubernetes quantity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Kubernetes quantity (such as 500m, 10Gi or 1e9)")]
pub struct QuantityError(pub String);

/// The value of `text`, in base units (bytes, cores); approximate beyond `f64`'s precision,
/// which is enough to compare sizes and check signs.
pub fn parse_quantity(text: &str) -> Result<f64, QuantityError> {
    let invalid = || QuantityError(text.to_owned());
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let number_end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(invalid());
    }
    let mantissa: f64 = number.parse().map_err(|_| invalid())?;
    let multiplier = multiplier(suffix).ok_or_else(invalid)?;
    Ok(sign * mantissa * multiplier)
}

fn multiplier(suffix: &str) -> Option<f64> {
    let binary = |power: i32| Some(1024_f64.powi(power));
    let decimal = |exponent: i32| Some(10_f64.powi(exponent));
    match suffix {
        "" => Some(1.0),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            decimal(exponent.parse().ok()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_suffix_of_the_grammar() {
        let cases = [
            ("1", 1.0),
            ("500m", 0.5),
            ("1.5", 1.5),
            ("0.5Gi", 512.0 * 1024.0 * 1024.0),
            (".5k", 500.0),
            ("5.", 5.0),
            ("10Gi", 10.0 * 1024.0 * 1024.0 * 1024.0),
            ("1Ki", 1024.0),
            ("1Mi", 1024.0 * 1024.0),
            ("1Ti", 1024_f64.powi(4)),
            ("1Pi", 1024_f64.powi(5)),
            ("1Ei", 1024_f64.powi(6)),
            ("1k", 1e3),
            ("1M", 1e6),
            ("2G", 2e9),
            ("1T", 1e12),
            ("1P", 1e15),
            ("1E", 1e18),
            ("1e9", 1e9),
            ("1E3", 1e3),
            ("1e+3", 1e3),
            ("1e-3", 1e-3),
            ("+1", 1.0),
            ("-1Gi", -(1024_f64.powi(3))),
        ];
        for (text, expected) in cases {
            let value = parse_quantity(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((value - expected).abs() <= expected.abs() * 1e-12, "{text}");
        }
    }

    #[test]
    fn refuses_what_the_apiserver_refuses() {
        for text in [
            "", "Gi", "+", ".", "1.2.3", "10GB", "10gi", "1Kib", "1 Gi", " 1", "1e", "1e1.5",
            "1e+", "ten", "0x10", "1_000", "--1",
        ] {
            assert_eq!(
                parse_quantity(text),
                Err(QuantityError(text.to_owned())),
                "{text:?}"
            );
        }
    }
}
