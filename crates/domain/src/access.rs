//! Need-to-know on NRM cases: who may read which section of a case, and who may act on it.
//!
//! Access follows relations, never the mere role:
//! * the **case team**: the assigned case worker (every section) and the decision-maker;
//! * the **referring organisation** (first responders and case workers there) and the
//!   **competent authority** (its competent-authority users): summary, identity, screening and
//!   decisions — not health, counselling or the shelter location;
//! * organisations a **live referral** reached (`coordination`): only the sections that referral's
//!   service needs, and only while its basis stands (a withdrawn consent takes effect on the next
//!   request);
//! * **coordinators** scoped to the case's region (the national operator's: every region):
//!   summary and decisions, never identity;
//! * **break-glass**: a user with a live grant (written reason, time-boxed, alerted) reads every
//!   section.
//!
//! The shelter location also needs a recent re-authentication (step-up), except through
//! break-glass. Anyone with no relation at all gets [`CaseDenied::Hidden`]: the same answer as a
//! case that does not exist.

use crate::ids::{OrgId, UserId};
use crate::policy::Actor;
use crate::role::Role;
use crate::values::code_list;

code_list! {
    /// The parts of a case that are protected separately.
    Section, "section" {
        Summary => "summary",
        Identity => "identity",
        Screening => "screening",
        Decisions => "decisions",
        Health => "health",
        Counselling => "counselling",
        Location => "location",
    }
}

/// What someone wants to do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOp {
    Read(Section),
    /// Take a reasonable-grounds or conclusive-grounds decision.
    Decide,
    /// Ask for a negative decision to be reconsidered.
    RequestReconsideration,
    /// Record consent, assign the team, withdraw, transfer, close, reopen.
    Manage,
}

impl CaseOp {
    pub fn code(self) -> &'static str {
        match self {
            CaseOp::Read(_) => "case.view",
            CaseOp::Decide => "case.decide",
            CaseOp::RequestReconsideration => "case.request_reconsideration",
            CaseOp::Manage => "case.manage",
        }
    }
}

/// The facts about one case that access depends on (all read from the store at request time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub owner_org: Option<OrgId>,
    pub authority_org: Option<OrgId>,
    pub case_worker: Option<UserId>,
    pub decision_maker: Option<UserId>,
    /// The user who referred the case (or notified it). Grants nothing by itself: the
    /// referring organisation's access does; it marks the case as that user's own caseload
    /// for the bulk-read watch.
    pub referred_by: Option<UserId>,
    pub region: String,
    /// Organisations reached by a referral the person consented to, with the sections it covers.
    /// Only live consents are listed.
    pub shared_with: Vec<(OrgId, Vec<Section>)>,
    /// Users holding a live break-glass grant on this case.
    pub break_glass: Vec<UserId>,
    /// The latest risk assessment is high: the location is then for the assigned case worker
    /// alone (after step-up) — break-glass no longer opens it.
    pub high_risk: bool,
}

/// Facts about the actor beyond [`Actor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Circumstances<'a> {
    /// The region of the actor's organisation.
    pub org_region: &'a str,
    /// The actor re-entered their password within the step-up window.
    pub recently_authenticated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaseDenied {
    /// No relation to the case: answer as if it did not exist.
    #[error("not found")]
    Hidden,
    /// Related to the case, but not for this section or action.
    #[error("forbidden")]
    Forbidden,
    /// Allowed after re-entering the password.
    #[error("re-authentication required")]
    Reauthenticate,
}

/// The roles that may ask for break-glass access to a case they have no relation to.
pub fn may_request_break_glass(actor: &Actor) -> bool {
    [Role::FirstResponder, Role::CaseWorker, Role::CompetentAuthority].iter().any(|r| actor.roles.has(*r))
}

/// Decide whether `actor` may do `op` on the case described by `facts`.
pub fn case_access(actor: &Actor, c: Circumstances<'_>, facts: &CaseFacts, op: CaseOp) -> Result<(), CaseDenied> {
    let has = |r: Role| actor.roles.has(r);
    let me = Some(actor.user_id);
    let case_worker = me == facts.case_worker && (has(Role::CaseWorker) || has(Role::FirstResponder));
    let decision_maker = me == facts.decision_maker && has(Role::CompetentAuthority);
    let referrer = Some(actor.org_id) == facts.owner_org && (has(Role::FirstResponder) || has(Role::CaseWorker));
    let authority = Some(actor.org_id) == facts.authority_org && has(Role::CompetentAuthority);
    let shared: Vec<Section> = if has(Role::CaseWorker) || has(Role::ServiceProvider) {
        facts.shared_with.iter().filter(|(o, _)| *o == actor.org_id).flat_map(|(_, s)| s.iter().copied()).collect()
    } else {
        Vec::new()
    };
    let coordinator = has(Role::Coordinator) && (actor.org_is_operator || (!facts.region.is_empty() && c.org_region == facts.region));
    let glass = facts.break_glass.contains(&actor.user_id);

    if !(case_worker || decision_maker || referrer || authority || !shared.is_empty() || coordinator || glass) {
        return Err(CaseDenied::Hidden);
    }
    let ok = match op {
        CaseOp::Read(section) => {
            let glass_opens = glass && !(facts.high_risk && section == Section::Location);
            let allowed = glass_opens
                || shared.contains(&section)
                || match section {
                    Section::Summary => true,
                    Section::Decisions => case_worker || decision_maker || referrer || authority || coordinator,
                    Section::Identity | Section::Screening => case_worker || decision_maker || referrer || authority,
                    Section::Health | Section::Counselling | Section::Location => case_worker,
                };
            if allowed && section == Section::Location && !glass_opens && !c.recently_authenticated {
                return Err(CaseDenied::Reauthenticate);
            }
            allowed
        }
        CaseOp::Decide => decision_maker || authority,
        CaseOp::RequestReconsideration => (referrer && has(Role::FirstResponder)) || case_worker,
        CaseOp::Manage => case_worker || decision_maker || referrer || authority,
    };
    if ok { Ok(()) } else { Err(CaseDenied::Forbidden) }
}

/// The sections of `facts` the actor may read right now (for rendering a case page).
pub fn readable_sections(actor: &Actor, c: Circumstances<'_>, facts: &CaseFacts) -> Vec<Section> {
    Section::ALL.iter().copied().filter(|s| case_access(actor, c, facts, CaseOp::Read(*s)).is_ok()).collect()
}

/// The sections most referrals to another organisation carry (`coordination::sections_for` gives
/// each service's own).
pub const REFERRAL_SECTIONS: [Section; 2] = [Section::Summary, Section::Identity];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Roles;
    use proptest::prelude::*;
    use uuid::Uuid;

    const CORE: [Section; 4] = [Section::Summary, Section::Identity, Section::Screening, Section::Decisions];

    fn org(n: u8) -> OrgId {
        OrgId(Uuid::from_bytes([n; 16]))
    }
    fn user(n: u8) -> UserId {
        UserId(Uuid::from_bytes([n; 16]))
    }

    fn arb_facts() -> impl Strategy<Value = CaseFacts> {
        let o = proptest::option::of((0u8..3).prop_map(org));
        let u = proptest::option::of((0u8..3).prop_map(user));
        let sections = proptest::sample::subsequence(Section::ALL.to_vec(), 0..=Section::ALL.len());
        (
            o.clone(),
            o,
            u.clone(),
            u,
            proptest::sample::select(vec!["", "north", "south"]),
            proptest::collection::vec(((0u8..3).prop_map(org), sections), 0..3),
            proptest::collection::vec((0u8..3).prop_map(user), 0..2),
            any::<bool>(),
        )
            .prop_map(|(owner_org, authority_org, case_worker, decision_maker, region, shared_with, break_glass, high_risk)| {
                CaseFacts {
                    owner_org,
                    authority_org,
                    case_worker,
                    decision_maker,
                    referred_by: None,
                    region: region.into(),
                    shared_with,
                    break_glass,
                    high_risk,
                }
            })
    }

    fn arb_op() -> impl Strategy<Value = CaseOp> {
        prop_oneof![
            proptest::sample::select(Section::ALL.to_vec()).prop_map(CaseOp::Read),
            Just(CaseOp::Decide),
            Just(CaseOp::RequestReconsideration),
            Just(CaseOp::Manage),
        ]
    }

    /// The model, written as a table of grants: (who, what) pairs, independent of the code above.
    fn model(actor: &Actor, region: &str, fresh: bool, f: &CaseFacts, op: CaseOp) -> bool {
        let r = |x: Role| actor.roles.has(x);
        let mut grants: Vec<CaseOp> = Vec::new();
        let all_reads = Section::ALL.iter().map(|s| CaseOp::Read(*s));
        let glass = f.break_glass.contains(&actor.user_id);
        if glass {
            // High risk: break-glass reads everything but the location.
            grants.extend(all_reads.clone().filter(|op| !(f.high_risk && *op == CaseOp::Read(Section::Location))));
        }
        if f.case_worker == Some(actor.user_id) && (r(Role::CaseWorker) || r(Role::FirstResponder)) {
            grants.extend(all_reads.clone());
            grants.extend([CaseOp::Manage, CaseOp::RequestReconsideration]);
        }
        let core = CORE.iter().map(|s| CaseOp::Read(*s));
        if f.decision_maker == Some(actor.user_id) && r(Role::CompetentAuthority) {
            grants.extend(core.clone());
            grants.extend([CaseOp::Decide, CaseOp::Manage]);
        }
        if f.owner_org == Some(actor.org_id) && (r(Role::FirstResponder) || r(Role::CaseWorker)) {
            grants.extend(core.clone());
            grants.push(CaseOp::Manage);
            if r(Role::FirstResponder) {
                grants.push(CaseOp::RequestReconsideration);
            }
        }
        if f.authority_org == Some(actor.org_id) && r(Role::CompetentAuthority) {
            grants.extend(core);
            grants.extend([CaseOp::Decide, CaseOp::Manage]);
        }
        if r(Role::CaseWorker) || r(Role::ServiceProvider) {
            for (o, secs) in &f.shared_with {
                if *o == actor.org_id {
                    grants.extend(secs.iter().map(|s| CaseOp::Read(*s)));
                }
            }
        }
        if r(Role::Coordinator) && (actor.org_is_operator || (!f.region.is_empty() && region == f.region)) {
            grants.extend([CaseOp::Read(Section::Summary), CaseOp::Read(Section::Decisions)]);
        }
        // Any relation at all lets the actor see the summary.
        if !grants.is_empty() {
            grants.push(CaseOp::Read(Section::Summary));
        }
        let granted = grants.contains(&op);
        if op == CaseOp::Read(Section::Location) && (!glass || f.high_risk) {
            return granted && fresh;
        }
        granted
    }

    proptest! {
        /// A user can do something with a case if and only if the model grants it; no relation
        /// at all is always `Hidden`.
        #[test]
        fn access_matches_the_model(
            roles in proptest::sample::subsequence(Role::ALL.to_vec(), 0..=4),
            me in 0u8..3, my_org in 0u8..3, operator in any::<bool>(),
            region in proptest::sample::select(vec!["north", "south"]), fresh in any::<bool>(),
            facts in arb_facts(), op in arb_op(),
        ) {
            let actor = Actor { user_id: user(me), org_id: org(my_org), org_is_operator: operator, roles: Roles::new(roles) };
            let c = Circumstances { org_region: region, recently_authenticated: fresh };
            let got = case_access(&actor, c, &facts, op);
            prop_assert_eq!(got.is_ok(), model(&actor, region, fresh, &facts, op), "{:?}", got);
            let any_relation = Section::ALL.iter().any(|s| model(&actor, region, true, &facts, CaseOp::Read(*s)));
            if !any_relation {
                prop_assert_eq!(got, Err(CaseDenied::Hidden));
            }
        }

        /// Withdrawing the consent behind a referral removes that organisation's access at once
        /// (unless it has another relation to the case).
        #[test]
        fn withdrawn_consent_ends_access(facts in arb_facts(), section in proptest::sample::select(Section::ALL.to_vec())) {
            let actor = Actor { user_id: user(9), org_id: org(9), org_is_operator: false, roles: Roles::new([Role::ServiceProvider]) };
            let c = Circumstances { org_region: "north", recently_authenticated: true };
            let mut shared = facts.clone();
            shared.shared_with.push((org(9), vec![section]));
            prop_assert!(case_access(&actor, c, &shared, CaseOp::Read(section)).is_ok());
            // The consent is withdrawn: the store no longer lists the referral.
            prop_assert_eq!(case_access(&actor, c, &facts, CaseOp::Read(section)), Err(CaseDenied::Hidden));
        }
    }

    #[test]
    fn location_needs_a_step_up() {
        let actor = Actor { user_id: user(1), org_id: org(1), org_is_operator: false, roles: Roles::new([Role::CaseWorker]) };
        let facts = CaseFacts { case_worker: Some(user(1)), ..Default::default() };
        let stale = Circumstances { org_region: "", recently_authenticated: false };
        assert_eq!(case_access(&actor, stale, &facts, CaseOp::Read(Section::Location)), Err(CaseDenied::Reauthenticate));
        assert_eq!(case_access(&actor, stale, &facts, CaseOp::Read(Section::Health)), Ok(()));
        let other = Actor { user_id: user(2), ..actor.clone() };
        assert_eq!(case_access(&other, stale, &facts, CaseOp::Read(Section::Summary)), Err(CaseDenied::Hidden));
    }
}
