//! Erasure of a person's identity on request (GDPR art. 17; security goal 19), and the legal
//! hold that stops it (art. 17(3)(e), art. 18): a victim whose case is disclosed to an
//! investigation and who is still in the proceedings is restricted, not erased.
//!
//! Erasure is the operator's data-protection officer's act (an auditor of the operator
//! organisation), on a written request. It deletes the identity values, never the coded facts
//! the statistics are made of (sex, age group, citizenship, the case's stages).

use crate::policy::Actor;
use crate::role::Role;
use crate::values::ValidationError;

/// Who may erase: the operator organisation's auditors (its data-protection officer).
pub fn may_erase(actor: &Actor) -> bool {
    actor.org_is_operator && actor.roles.has(Role::Auditor)
}

/// A disclosure of one of the person's cases to an investigation: the investigation's
/// reference, and whether the victim's part in it has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosed {
    pub investigation: String,
    pub ended: bool,
}

/// Why an erasure is held: the first investigation the person is still part of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub investigation: String,
}

/// The legal hold on a person's erasure, if any.
pub fn legal_hold(disclosures: &[Disclosed]) -> Option<Hold> {
    disclosures.iter().find(|d| !d.ended).map(|d| Hold { investigation: d.investigation.clone() })
}

/// The erasure request as the data-protection officer records it (a reference to the request
/// and its legal ground; not the person's name): 10 to 1000 characters.
pub fn request(text: &str) -> Result<String, ValidationError> {
    let t = text.trim();
    let n = t.chars().count();
    if (10..=1000).contains(&n) {
        Ok(t.to_owned())
    } else {
        Err(ValidationError::new(
            "request",
            "10 to 1000 characters naming the request and its ground (e.g. \"Request 2026/17 of 3 December, art. 17(1)(a)\"), without the person's name",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_disclosure_holds_the_erasure() {
        let ended = Disclosed { investigation: "INV-2026-000001".into(), ended: true };
        let live = Disclosed { investigation: "INV-2026-000002".into(), ended: false };
        assert_eq!(legal_hold(&[]), None);
        assert_eq!(legal_hold(std::slice::from_ref(&ended)), None);
        assert_eq!(legal_hold(&[ended, live]), Some(Hold { investigation: "INV-2026-000002".into() }));
    }

    #[test]
    fn the_request_is_named_when_too_short_or_long() {
        assert!(request("Request 2026/17, art. 17(1)(a)").is_ok());
        assert_eq!(request("  short ").unwrap_err().field, "request");
        assert!(request(&"x".repeat(1001)).is_err());
    }
}
