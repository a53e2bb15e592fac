//! The access policy: the one place that decides who may do what. Deny by default.
//!
//! Every use case in the service crate asks [`authorize`] before it touches the store; no
//! handler decides access by itself. A refusal on a specific record the actor has no relation
//! to is [`Denied::Hidden`], which every edge renders exactly like a record that does not exist.

use crate::ids::{OrgId, UserId};
use crate::role::{Role, Roles};

/// Who is asking: a signed-in user (second factor done where required) and their organisation.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub org_id: OrgId,
    /// The organisation runs the platform for the country (national coordination office).
    /// Its administrators administer every organisation.
    pub org_is_operator: bool,
    pub roles: Roles,
}

/// What the actor wants to do, with the records it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The home dashboard and navigation.
    ViewHome,
    /// The directory of organisations (every participant may see who is in the system).
    ListOrganisations,
    ViewOrganisation {
        org: OrgId,
    },
    CreateOrganisation,
    /// The users of one organisation.
    ListUsers {
        org: OrgId,
    },
    ViewUser {
        org: OrgId,
        user: UserId,
    },
    CreateUser {
        org: OrgId,
    },
    /// Disable, reset a password, reset a second factor.
    ManageUser {
        org: OrgId,
        user: UserId,
    },
    /// Give a user a role. Checked for each role granted.
    GrantRole {
        org: OrgId,
        role: Role,
    },
    /// Read the audit log and verify its chain.
    ViewAuditLog,
    /// Record a person (identification).
    CreatePerson,
    /// Read a person's record, identity included. Need-to-know, for now: the organisation that
    /// recorded the person (issue 3 extends it to the case team and consented referrals).
    ViewPerson {
        org: OrgId,
    },
    /// Search persons by reference or exact name (results limited to those the actor may see).
    SearchPersons,
    /// Review possible duplicates among an organisation's persons (both records' identity side
    /// by side), merge them or mark them different, and undo a merge. Need-to-know as for
    /// reading a person: the organisation that recorded both.
    ReviewDuplicates {
        org: OrgId,
    },
    /// Change the jurisdiction's NRM clocks and calendar (the settings every case's deadlines
    /// are computed from).
    ConfigureJurisdiction,
}

impl Action {
    /// A stable code for the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Action::ViewHome => "home.view",
            Action::ListOrganisations => "organisation.list",
            Action::ViewOrganisation { .. } => "organisation.view",
            Action::CreateOrganisation => "organisation.create",
            Action::ListUsers { .. } => "user.list",
            Action::ViewUser { .. } => "user.view",
            Action::CreateUser { .. } => "user.create",
            Action::ManageUser { .. } => "user.manage",
            Action::GrantRole { .. } => "user.grant_role",
            Action::ViewAuditLog => "audit.view",
            Action::CreatePerson => "person.create",
            Action::ViewPerson { .. } => "person.view",
            Action::SearchPersons => "person.search",
            Action::ReviewDuplicates { .. } => "person.duplicates",
            Action::ConfigureJurisdiction => "jurisdiction.update",
        }
    }
}

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The actor has no relation to the record: answer exactly as if it did not exist.
    #[error("not found")]
    Hidden,
    /// The actor's roles do not allow this kind of action at all.
    #[error("forbidden")]
    Forbidden,
}

impl Actor {
    fn is(&self, role: Role) -> bool {
        self.roles.has(role)
    }

    /// Roles that identify and register persons.
    fn works_with_persons(&self) -> bool {
        self.is(Role::FirstResponder) || self.is(Role::CaseWorker) || self.is(Role::CompetentAuthority)
    }

    fn administers(&self, org: OrgId) -> bool {
        self.is(Role::Administrator) && (self.org_is_operator || self.org_id == org)
    }
}

/// Decide whether `actor` may perform `action`. Deny by default.
pub fn authorize(actor: &Actor, action: Action) -> Result<(), Denied> {
    use Action::*;
    let allowed = match action {
        ViewHome | ListOrganisations | ViewOrganisation { .. } => true,
        CreateOrganisation | ConfigureJurisdiction => actor.is(Role::Administrator) && actor.org_is_operator,
        ListUsers { org } | CreateUser { org } => {
            if actor.administers(org) {
                true
            } else if actor.is(Role::Administrator) {
                return Err(Denied::Hidden);
            } else {
                false
            }
        }
        ViewUser { org, user } => {
            if actor.user_id == user || actor.administers(org) {
                true
            } else {
                return Err(Denied::Hidden);
            }
        }
        ManageUser { org, user: _ } => {
            if actor.administers(org) {
                true
            } else {
                return Err(Denied::Hidden);
            }
        }
        GrantRole { org, role } => match role {
            // Only the operator's administrators create administrators and auditors: an
            // organisation cannot give itself oversight powers.
            Role::Administrator | Role::Auditor => actor.is(Role::Administrator) && actor.org_is_operator,
            _ => actor.administers(org),
        },
        ViewAuditLog => actor.is(Role::Auditor),
        CreatePerson | SearchPersons => actor.works_with_persons(),
        ViewPerson { org } | ReviewDuplicates { org } => {
            if actor.works_with_persons() && actor.org_id == org {
                true
            } else {
                return Err(Denied::Hidden);
            }
        }
    };
    if allowed { Ok(()) } else { Err(Denied::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn org(n: u8) -> OrgId {
        OrgId(Uuid::from_bytes([n; 16]))
    }
    fn user(n: u8) -> UserId {
        UserId(Uuid::from_bytes([n; 16]))
    }

    fn arb_roles() -> impl Strategy<Value = Roles> {
        proptest::sample::subsequence(Role::ALL.to_vec(), 0..=Role::ALL.len()).prop_map(Roles::new)
    }

    fn arb_action() -> impl Strategy<Value = Action> {
        let o = (0u8..3).prop_map(org);
        let u = (0u8..3).prop_map(user);
        let r = proptest::sample::select(Role::ALL.to_vec());
        prop_oneof![
            Just(Action::ViewHome),
            Just(Action::ListOrganisations),
            o.clone().prop_map(|org| Action::ViewOrganisation { org }),
            Just(Action::CreateOrganisation),
            o.clone().prop_map(|org| Action::ListUsers { org }),
            (o.clone(), u.clone()).prop_map(|(org, user)| Action::ViewUser { org, user }),
            o.clone().prop_map(|org| Action::CreateUser { org }),
            (o.clone(), u).prop_map(|(org, user)| Action::ManageUser { org, user }),
            (o, r).prop_map(|(org, role)| Action::GrantRole { org, role }),
            Just(Action::ViewAuditLog),
            Just(Action::CreatePerson),
            Just(Action::SearchPersons),
            Just(Action::ConfigureJurisdiction),
            (0u8..3).prop_map(|o| Action::ViewPerson { org: org(o) }),
            (0u8..3).prop_map(|o| Action::ReviewDuplicates { org: org(o) }),
        ]
    }

    proptest! {
        /// The model, written independently of the implementation: who may touch users of an
        /// organisation, and that nothing is granted without a role that explains it.
        #[test]
        fn policy_matches_the_model(roles in arb_roles(), operator in any::<bool>(), me in 0u8..3, my_org in 0u8..3, action in arb_action()) {
            let actor = Actor { user_id: user(me), org_id: org(my_org), org_is_operator: operator, roles: roles.clone() };
            let admin = roles.has(Role::Administrator);
            let admin_of = |o: OrgId| admin && (operator || o == org(my_org));
            let expected = match action {
                Action::ViewHome | Action::ListOrganisations | Action::ViewOrganisation { .. } => true,
                Action::CreateOrganisation | Action::ConfigureJurisdiction => admin && operator,
                Action::ListUsers { org } | Action::CreateUser { org } | Action::ManageUser { org, .. } => admin_of(org),
                Action::ViewUser { org, user: u } => u == user(me) || admin_of(org),
                Action::GrantRole { org, role } => if matches!(role, Role::Administrator | Role::Auditor) { admin && operator } else { admin_of(org) },
                Action::ViewAuditLog => roles.has(Role::Auditor),
                Action::CreatePerson | Action::SearchPersons => [Role::FirstResponder, Role::CaseWorker, Role::CompetentAuthority].iter().any(|r| roles.has(*r)),
                Action::ViewPerson { org } | Action::ReviewDuplicates { org } => [Role::FirstResponder, Role::CaseWorker, Role::CompetentAuthority].iter().any(|r| roles.has(*r)) && org == self::org(my_org),
            };
            prop_assert_eq!(authorize(&actor, action).is_ok(), expected);
        }

        /// A user without any role can do nothing beyond looking at the directory and themself.
        #[test]
        fn no_roles_no_power(me in 0u8..3, my_org in 0u8..3, operator in any::<bool>(), action in arb_action()) {
            let actor = Actor { user_id: user(me), org_id: org(my_org), org_is_operator: operator, roles: Roles::default() };
            let ok = authorize(&actor, action).is_ok();
            let harmless = matches!(action, Action::ViewHome | Action::ListOrganisations | Action::ViewOrganisation { .. })
                || matches!(action, Action::ViewUser { user: u, .. } if u == user(me));
            prop_assert!(!ok || harmless);
        }
    }

    #[test]
    fn other_organisations_users_are_hidden_not_forbidden() {
        let admin = Actor { user_id: user(1), org_id: org(1), org_is_operator: false, roles: Roles::new([Role::Administrator]) };
        assert_eq!(authorize(&admin, Action::ViewUser { org: org(2), user: user(2) }), Err(Denied::Hidden));
        assert_eq!(authorize(&admin, Action::ViewUser { org: org(1), user: user(2) }), Ok(()));
        assert_eq!(authorize(&admin, Action::CreateOrganisation), Err(Denied::Forbidden));
        assert_eq!(authorize(&admin, Action::GrantRole { org: org(1), role: Role::Administrator }), Err(Denied::Forbidden));
    }
}
