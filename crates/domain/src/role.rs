//! The roles of DESIGN.md §1. A user holds one or more roles within their organisation.

use crate::values::{ValidationError, code_list};
use std::collections::BTreeSet;

code_list! {
    /// What a user does in the national anti-trafficking system.
    Role, "roles" {
        FirstResponder => "first_responder",
        CompetentAuthority => "competent_authority",
        CaseWorker => "case_worker",
        ServiceProvider => "service_provider",
        Investigator => "investigator",
        Prosecutor => "prosecutor",
        PreventionOfficer => "prevention_officer",
        Coordinator => "coordinator",
        Analyst => "analyst",
        Liaison => "liaison",
        Auditor => "auditor",
        Administrator => "administrator",
    }
}

impl Role {
    /// Roles whose work requires reading a person's identity (names, dates of birth, documents,
    /// contacts). These roles must use a second factor at sign-in.
    pub fn can_read_identity(self) -> bool {
        matches!(
            self,
            Role::FirstResponder
                | Role::CompetentAuthority
                | Role::CaseWorker
                | Role::ServiceProvider
                | Role::Investigator
                | Role::Prosecutor
        )
    }

    /// Roles that must sign in with a second factor: identity readers, plus those who can grant
    /// access to others (administrator) or read who read what (auditor).
    pub fn requires_mfa(self) -> bool {
        self.can_read_identity() || matches!(self, Role::Administrator | Role::Auditor)
    }
}

/// A non-empty set of roles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self(roles.into_iter().collect())
    }

    /// Parse roles from codes (as submitted by a form or stored as a comma-separated list).
    /// At least one role is required; an unknown code is refused with the accepted list.
    pub fn parse<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Self, ValidationError> {
        let mut set = BTreeSet::new();
        for code in codes {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            set.insert(Role::parse(code)?);
        }
        if set.is_empty() {
            return Err(ValidationError::new("roles", "at least one role"));
        }
        Ok(Self(set))
    }

    /// Stored form: codes joined with commas, in a stable order.
    pub fn to_stored(&self) -> String {
        self.0.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
    }

    pub fn from_stored(s: &str) -> Result<Self, ValidationError> {
        Self::parse(s.split(','))
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn requires_mfa(&self) -> bool {
        self.0.iter().any(|r| r.requires_mfa())
    }

    pub fn can_read_identity(&self) -> bool {
        self.0.iter().any(|r| r.can_read_identity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_roles_round_trip() {
        let r = Roles::new([Role::CaseWorker, Role::Administrator]);
        assert_eq!(Roles::from_stored(&r.to_stored()).unwrap(), r);
    }

    #[test]
    fn unknown_role_names_the_field_and_the_list() {
        let e = Roles::parse(["case_worker", "superuser"]).unwrap_err();
        assert_eq!(e.field, "roles");
        assert!(e.expected.contains("first_responder"));
    }

    #[test]
    fn identity_readers_need_mfa() {
        for r in Role::ALL {
            if r.can_read_identity() {
                assert!(r.requires_mfa(), "{r}");
            }
        }
        assert!(!Role::Analyst.requires_mfa());
    }
}
