//! Email addresses, checked against the RFC 5321 limits that mail servers enforce.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// Longest address a mail server must accept (RFC 5321 path limit less the brackets).
const MAX_LEN: usize = 254;
/// RFC 5321 limit for the part before the '@'.
const MAX_LOCAL_LEN: usize = 64;
/// RFC 1035 limit for one DNS label.
const MAX_LABEL_LEN: usize = 63;

/// A syntactically valid email address.
///
/// The domain is lower-cased because DNS is case-insensitive; the local part is
/// kept as given because servers may treat it case-sensitively. Only ASCII
/// addresses are accepted: internationalised domains must arrive in punycode.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Email {
    value: String,
    /// Byte index of the '@', so the parts can be borrowed without re-scanning.
    at: usize,
}

/// Why a string is not an acceptable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email must not be empty")]
    Empty,
    #[error("email must be at most 254 characters")]
    TooLong,
    #[error("email must contain exactly one '@'")]
    AtSign,
    #[error("email must have a local part before the '@'")]
    EmptyLocalPart,
    #[error("email local part (before the '@') must be at most 64 characters")]
    LocalPartTooLong,
    #[error("email local part contains the invalid character {0:?}")]
    InvalidLocalPartCharacter(char),
    #[error("email local part must not start or end with a dot or contain two dots in a row")]
    MisplacedDot,
    #[error("email must have a domain after the '@'")]
    EmptyDomain,
    #[error("email domain must contain at least one dot")]
    DomainWithoutDot,
    #[error(
        "email domain parts must be 1 to 63 letters, digits or hyphens and must not start or end with a hyphen"
    )]
    InvalidDomainLabel,
}

impl Email {
    /// Validates and normalises `input`; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = match trimmed.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::AtSign),
        };
        validate_local(local)?;
        validate_domain(domain)?;
        Ok(Self {
            value: format!("{local}@{}", domain.to_ascii_lowercase()),
            at: local.len(),
        })
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The part before the '@', exactly as given.
    pub fn local_part(&self) -> &str {
        &self.value[..self.at]
    }

    /// The lower-cased part after the '@'.
    pub fn domain(&self) -> &str {
        &self.value[self.at + 1..]
    }
}

fn validate_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong);
    }
    if let Some(bad) = local.chars().find(|&c| !is_local_char(c)) {
        return Err(EmailError::InvalidLocalPartCharacter(bad));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::MisplacedDot);
    }
    Ok(())
}

/// RFC 5322 "atext" plus the dot; quoted local parts are deliberately unsupported.
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c)
}

fn validate_domain(domain: &str) -> Result<(), EmailError> {
    // The domain cannot exceed 255 octets here: the whole address is at most 254.
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    if !domain.contains('.') {
        return Err(EmailError::DomainWithoutDot);
    }
    let label_ok = |label: &str| {
        (1..=MAX_LABEL_LEN).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(EmailError::InvalidDomainLabel)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.value
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Email {
        Email::parse(input).unwrap_or_else(|e| panic!("{input:?} should be valid: {e}"))
    }

    #[test]
    fn accepts_a_plain_address() {
        let email = ok("alice@example.com");
        assert_eq!(email.as_str(), "alice@example.com");
        assert_eq!(email.local_part(), "alice");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn trims_surrounding_whitespace() {
        assert_eq!(ok("  \t bob@example.org \n").as_str(), "bob@example.org");
    }

    #[test]
    fn lowercases_domain_but_keeps_local_part() {
        let email = ok("John.Doe@Example.COM");
        assert_eq!(email.as_str(), "John.Doe@example.com");
        assert_eq!(email, ok("John.Doe@EXAMPLE.com"));
        assert_ne!(email, ok("john.doe@example.com"));
    }

    #[test]
    fn accepts_all_special_local_characters() {
        let local = "a!#$%&'*+/=?^_`{|}~.-z";
        assert_eq!(ok(&format!("{local}@x.io")).local_part(), local);
    }

    #[test]
    fn accepts_subdomains_digits_and_inner_hyphens() {
        assert_eq!(
            ok("x@mail-1.eu.example.co.uk").domain(),
            "mail-1.eu.example.co.uk"
        );
        assert_eq!(ok("123@456.78").domain(), "456.78");
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn requires_exactly_one_at_sign() {
        assert_eq!(Email::parse("alice.example.com"), Err(EmailError::AtSign));
        assert_eq!(Email::parse("a@b@example.com"), Err(EmailError::AtSign));
        assert_eq!(
            EmailError::AtSign.to_string(),
            "email must contain exactly one '@'"
        );
    }

    #[test]
    fn requires_local_part_and_domain() {
        assert_eq!(
            Email::parse("@example.com"),
            Err(EmailError::EmptyLocalPart)
        );
        assert_eq!(Email::parse("alice@"), Err(EmailError::EmptyDomain));
    }

    #[test]
    fn local_part_limit_is_64_octets() {
        let at_limit = format!("{}@example.com", "a".repeat(64));
        assert_eq!(ok(&at_limit).local_part().len(), 64);
        let over = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&over), Err(EmailError::LocalPartTooLong));
    }

    #[test]
    fn whole_address_limit_is_254_octets() {
        // 64 + 1 + 189 = 254, built from labels of at most 63 characters.
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let at_limit = format!("{}@{domain}", "a".repeat(64));
        assert_eq!(at_limit.len(), 254);
        assert_eq!(ok(&at_limit).as_str().len(), 254);
        let over = format!("{}@{domain}x", "a".repeat(64));
        assert_eq!(Email::parse(&over), Err(EmailError::TooLong));
    }

    #[test]
    fn rejects_whitespace_and_control_characters_in_local_part() {
        assert_eq!(
            Email::parse("a b@example.com"),
            Err(EmailError::InvalidLocalPartCharacter(' '))
        );
        assert_eq!(
            Email::parse("a\u{7}b@example.com"),
            Err(EmailError::InvalidLocalPartCharacter('\u{7}'))
        );
    }

    #[test]
    fn rejects_disallowed_local_characters() {
        for c in ['(', ')', ',', ':', ';', '<', '>', '[', ']', '\\', '"', 'ü'] {
            let input = format!("a{c}b@example.com");
            assert_eq!(
                Email::parse(&input),
                Err(EmailError::InvalidLocalPartCharacter(c)),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_misplaced_dots_in_local_part() {
        for input in [".a@example.com", "a.@example.com", "a..b@example.com"] {
            assert_eq!(
                Email::parse(input),
                Err(EmailError::MisplacedDot),
                "{input}"
            );
        }
    }

    #[test]
    fn domain_needs_a_dot() {
        assert_eq!(
            Email::parse("a@localhost"),
            Err(EmailError::DomainWithoutDot)
        );
    }

    #[test]
    fn rejects_bad_domain_labels() {
        for input in [
            "a@.example.com",
            "a@example.com.",
            "a@example..com",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            "a@exa mple.com",
            "a@bücher.de",
        ] {
            assert_eq!(
                Email::parse(input),
                Err(EmailError::InvalidDomainLabel),
                "{input}"
            );
        }
    }

    #[test]
    fn domain_label_limit_is_63() {
        assert!(Email::parse(&format!("a@{}.com", "x".repeat(63))).is_ok());
        assert_eq!(
            Email::parse(&format!("a@{}.com", "x".repeat(64))),
            Err(EmailError::InvalidDomainLabel)
        );
    }

    #[test]
    fn display_and_from_str_round_trip() {
        let email: Email = "Jane@Example.com".parse().unwrap();
        assert_eq!(email.to_string(), "Jane@example.com");
        assert_eq!(email.to_string().parse::<Email>().unwrap(), email);
        assert_eq!(String::from(email.clone()), "Jane@example.com");
    }

    #[test]
    fn serde_writes_plain_string_and_reads_it_back() {
        let email = ok("Jane@example.com");
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, r#""Jane@example.com""#);
        assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), email);
    }

    #[test]
    fn serde_normalises_on_read() {
        let email: Email = serde_json::from_str(r#"" Jane@EXAMPLE.com ""#).unwrap();
        assert_eq!(email.as_str(), "Jane@example.com");
    }

    #[test]
    fn serde_rejects_invalid_addresses() {
        let err = serde_json::from_str::<Email>(r#""not-an-email""#).unwrap_err();
        assert!(err.to_string().contains("exactly one '@'"), "{err}");
        assert!(serde_json::from_str::<Email>("42").is_err());
        assert!(serde_json::from_str::<Email>("null").is_err());
    }
}
