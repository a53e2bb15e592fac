//! Validated value types. Each has a private inner value and a `parse` that names the field and
//! says what would be accepted, so an invalid value cannot exist past the edge.

use unicode_normalization::UnicodeNormalization;

/// A field that did not validate: which field, and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {expected}")]
pub struct ValidationError {
    pub field: &'static str,
    pub expected: String,
}

impl ValidationError {
    pub fn new(field: &'static str, expected: impl Into<String>) -> Self {
        Self { field, expected: expected.into() }
    }
}

/// Declares a closed code list: an enum with a stable code per value, `parse` that names the
/// field and lists the accepted codes, and `ALL` for forms.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::values::ValidationError> {
                Self::from_code(s.trim()).ok_or_else(|| {
                    $crate::values::ValidationError::new(
                        $field,
                        format!("one of: {}", [$($code),+].join(", ")),
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}
pub(crate) use code_list;

fn nfc_trimmed(s: &str) -> String {
    s.nfc().collect::<String>().trim().to_owned()
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A sign-in name: 3 to 64 characters, lower-case ASCII letters, digits, `.`, `_` and `-`.
/// Kept to ASCII so it can never be confused with a look-alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_lowercase();
        let ok =
            (3..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok { Ok(Self(s)) } else { Err(ValidationError::new("username", "3 to 64 characters: letters a-z, digits, '.', '_' or '-'")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A human-readable name for a user or an organisation: 1 to `max` characters after trimming,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &'static str, s: &str, max: usize) -> Result<Self, ValidationError> {
        let s = nfc_trimmed(s);
        let len = s.chars().count();
        if len == 0 || len > max || has_control(&s) {
            return Err(ValidationError::new(field, format!("1 to {max} characters, without control characters")));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A new password as chosen by a person: 12 to 1024 characters (ASVS 6.2.1: at least 12;
/// long pass-phrases welcome). No composition rules (ASVS 6.2.5).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let len = s.chars().count();
        if (Self::MIN_CHARS..=1024).contains(&len) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new("password", "12 to 1024 characters"))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// A written reason or purpose, as required for break-glass access or identity exports:
/// 10 to 1000 characters, so "x" is not a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ValidationError> {
        let s = nfc_trimmed(s);
        let len = s.chars().count();
        if (10..=1000).contains(&len) && !s.chars().any(|c| c.is_control() && c != '\n') {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(field, "a written reason of 10 to 1000 characters"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn username_is_normalised_and_checked() {
        assert_eq!(Username::parse(" Amina.K ").unwrap().as_str(), "amina.k");
        let e = Username::parse("a b").unwrap_err();
        assert_eq!(e.field, "username");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("аmina").is_err(), "Cyrillic look-alike refused");
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("ثمانيةعشرحرفاًهنا").is_ok());
        assert!(format!("{:?}", NewPassword::parse("correct horse battery").unwrap()).contains('…'));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = Username::parse(&s);
            let _ = Name::parse("name", &s, 200);
            let _ = NewPassword::parse(&s);
            let _ = Reason::parse("reason", &s);
            let _ = crate::org::Region::parse("region", &s);
        }

        #[test]
        fn accepted_names_have_no_control_chars(s in "\\PC*") {
            if let Ok(n) = Name::parse("name", &s, 200) {
                prop_assert!(!n.as_str().chars().any(char::is_control));
                prop_assert!(!n.as_str().is_empty());
            }
        }
    }
}
