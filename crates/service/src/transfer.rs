//! Transfer of case ownership (issue 4): the owner organisation's case team proposes to hand a
//! case to another organisation; a case worker or first responder of that organisation accepts
//! (the case becomes its own, with no case worker assigned yet) or declines with a reason; the
//! proposer's side may cancel while it waits. A transfer hands over the whole case, so it needs
//! the person's consent to a referral to the receiving organisation (for a child, the child
//! rule); an emergency override does not stretch to ownership. Until it accepts, the receiver
//! sees only the transfer and the case's coded summary, never the case itself.

use crate::admin::Caller;
use crate::cases::referral_consent;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::access::CaseOp;
use palermo_domain::coordination::{ConsentState, TransferCommand, TransferStatus, next_transfer};
use palermo_domain::ids::OrgId;
use palermo_domain::policy::{Actor, Denied};
use palermo_domain::role::Role;
use palermo_store::TransferRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A proposal, as typed into the case page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewTransfer {
    /// The receiving organisation (id).
    pub to: String,
    /// Why (10–500 characters; no names).
    pub reason: String,
}

/// An answer: `accept`, `decline` (with a reason) or `cancel`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransferAction {
    pub command: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    /// The case's coded summary, for the receiver to decide (no identity).
    pub stage: Option<String>,
    pub age_group: String,
    pub sex: String,
    pub exploitation_form: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub basis: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub proposed_at: String,
    pub answered_at: Option<String>,
    /// What this user may do now.
    pub commands: Vec<String>,
}

fn fmt_time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Who may take a case on for the receiving organisation (and so accept it).
fn takes_cases(actor: &Actor) -> bool {
    actor.roles.has(Role::CaseWorker) || actor.roles.has(Role::FirstResponder)
}

/// A transfer as the caller sees it, from the transfer and its case.
fn transfer_view_of(
    actor: &Actor,
    t: &TransferRecord,
    c: palermo_store::CaseRecord,
    orgs: &std::collections::HashMap<OrgId, String>,
) -> Result<TransferView> {
    let status = TransferStatus::parse(&t.status).map_err(|e| ServiceError::Internal(e.expected))?;
    let receiver = actor.org_id == t.to_org_id && takes_cases(actor);
    let proposer_side = actor.org_id == t.from_org_id;
    let commands = if status == TransferStatus::Proposed {
        TransferCommand::ALL
            .iter()
            .filter(|c| if c.by_receiver() { receiver } else { proposer_side })
            .map(|c| c.code().to_owned())
            .collect()
    } else {
        Vec::new()
    };
    Ok(TransferView {
        id: t.id,
        case_id: t.case_id,
        case_reference: c.reference,
        stage: c.stage,
        age_group: c.age_group,
        sex: c.sex,
        exploitation_form: c.exploitation_form,
        from: orgs.get(&t.from_org_id).cloned().unwrap_or_default(),
        to: orgs.get(&t.to_org_id).cloned().unwrap_or_default(),
        reason: t.reason.clone(),
        basis: t.basis.clone(),
        status: t.status.clone(),
        decline_reason: t.decline_reason.clone(),
        proposed_at: fmt_time(t.proposed_at),
        answered_at: t.answered_at.map(fmt_time),
        commands,
    })
}

impl Palermo {
    async fn transfer_view(&self, actor: &Actor, t: &TransferRecord) -> Result<TransferView> {
        let orgs = self.org_names().await?;
        let c = self.store.get_case(t.case_id).await?.ok_or(ServiceError::NotFound)?;
        transfer_view_of(actor, t, c, &orgs)
    }

    /// Propose to hand the case to another organisation (the owner organisation's case team).
    pub async fn propose_transfer(&self, caller: &Caller, case_id: &str, input: &NewTransfer, meta: &RequestMeta) -> Result<TransferView> {
        let actor = Self::user_of(caller)?;
        let (c, _facts, _region, consents) = self.case_for(actor, case_id, CaseOp::Manage, meta).await?;
        if actor.org_id != c.owner_org_id {
            return Err(self.denied(actor, meta, "case.transfer_propose", Some(("case", c.id.to_string())), Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        if c.kind != "referral" {
            errs.push(ValidationError::new("case", "a referral case: an anonymous notification has no person to hand over"));
        }
        let orgs = self.org_names().await?;
        let to = OrgId::parse(input.to.trim()).filter(|o| orgs.contains_key(o) && *o != c.owner_org_id);
        if to.is_none() {
            errs.push(ValidationError::new("to", "another participating organisation (its id)"));
        }
        let reason = input.reason.trim();
        if !(10..=500).contains(&reason.chars().count()) {
            errs.push(ValidationError::new("reason", "why the case is handed over, 10 to 500 characters (no names)"));
        }
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let Some(to) = to else { return Err(ServiceError::Invalid(errs)) };
        if self.store.transfers_of_case(c.id).await?.iter().any(|t| t.status == TransferStatus::Proposed.code()) {
            return Err(ServiceError::Invalid(vec![ValidationError::new(
                "to",
                "no other organisation while a proposed transfer waits: cancel it first",
            )]));
        }
        let to_name = orgs.get(&to).cloned().unwrap_or_default();
        let basis = match referral_consent(&consents, to) {
            Some(ConsentState::Given) => "consent",
            _ if c.age_group == "child" => "child_rule",
            state => {
                let why = palermo_domain::coordination::consent_standing(state);
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "consent",
                    format!(
                        "the person's consent to a referral to {to_name} {why}: the whole case goes with the transfer, so record consent (purpose: referral, recipient: {to_name}) on the case first"
                    ),
                )]));
            }
        };
        let now = self.now();
        let (_, id) = self.new_ids()?;
        let t = TransferRecord {
            id: id.0,
            case_id: c.id,
            from_org_id: c.owner_org_id,
            to_org_id: to,
            proposed_by: actor.user_id,
            reason: reason.to_owned(),
            basis: basis.into(),
            status: TransferStatus::Proposed.code().into(),
            decline_reason: None,
            proposed_at: now,
            answered_at: None,
            answered_by: None,
            version: 1,
        };
        let event = self.case_event(
            actor,
            c.id,
            "transfer_proposed",
            None,
            None,
            serde_json::json!({"transfer": t.id.to_string(), "to": to.to_string(), "basis": basis}),
        )?;
        let mut ev = self.case_audit(actor, meta, "case.transfer_propose", c.id);
        ev.purpose = Some(format!("transfer {} to {} basis {basis}", t.id, to));
        let body = format!(
            "Another organisation proposes to hand over a case to yours. Until someone of your organisation accepts it, the case stays theirs.\n\nAccept or decline it on Palermo: {}",
            self.link("/coordination")
        );
        let outbox = self
            .notices_for_org(
                to,
                &[Role::CaseWorker, Role::FirstResponder],
                "transfer_offered",
                "Palermo: a case is offered to your organisation",
                &body,
            )
            .await?;
        self.store.insert_transfer(&t, &event, &outbox, &[ev]).await?;
        self.transfer_view(actor, &t).await
    }

    /// Accept or decline (the receiving organisation) or cancel (the proposer's side).
    pub async fn act_on_transfer(
        &self,
        caller: &Caller,
        transfer: &str,
        input: &TransferAction,
        meta: &RequestMeta,
    ) -> Result<TransferView> {
        let actor = Self::user_of(caller)?;
        let found = match Uuid::parse_str(transfer.trim()) {
            Ok(u) => self.store.get_transfer(u).await?,
            Err(_) => None,
        };
        let hidden = || ("transfer", transfer.trim().chars().take(36).collect::<String>());
        let Some(mut t) = found else {
            return Err(self.denied(actor, meta, "case.transfer", Some(hidden()), Denied::Hidden).await);
        };
        let receiver = actor.org_id == t.to_org_id;
        let proposer_side = actor.org_id == t.from_org_id;
        if !receiver && !proposer_side {
            return Err(self.denied(actor, meta, "case.transfer", Some(hidden()), Denied::Hidden).await);
        }
        let cmd = TransferCommand::parse(&input.command).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let allowed = if cmd.by_receiver() {
            receiver && takes_cases(actor)
        } else {
            // The proposer's side: whoever may still manage the case there.
            proposer_side && self.case_for(actor, &t.case_id.to_string(), CaseOp::Manage, meta).await.is_ok()
        };
        if !allowed {
            return Err(self.denied(actor, meta, "case.transfer", Some(hidden()), Denied::Forbidden).await);
        }
        let status = TransferStatus::parse(&t.status).map_err(|e| ServiceError::Internal(e.expected))?;
        let next = next_transfer(status, cmd).map_err(|e| ServiceError::Invalid(vec![e]))?;
        let reason = input.reason.trim();
        if cmd == TransferCommand::Decline && !(3..=500).contains(&reason.chars().count()) {
            return Err(ServiceError::Invalid(vec![ValidationError::new("reason", "why the transfer is declined, 3 to 500 characters")]));
        }
        let c = self.store.get_case(t.case_id).await?.ok_or(ServiceError::NotFound)?;
        // The consent the proposal stood on must still stand when the receiver takes the case:
        // a withdrawal since the proposal takes effect here, as it does for referrals.
        if cmd == TransferCommand::Accept && t.basis == "consent" {
            let consents = self.store.consents_of(c.id).await?;
            let state = referral_consent(&consents, t.to_org_id);
            if state != Some(ConsentState::Given) {
                let to_name = self.org_names().await?.get(&t.to_org_id).cloned().unwrap_or_default();
                let why = palermo_domain::coordination::consent_standing(state);
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "consent",
                    format!(
                        "the person's consent to a referral to {to_name} {why} since the transfer was proposed: the case cannot be taken on; the proposer may cancel the transfer"
                    ),
                )]));
            }
        }
        let now = self.now();
        t.status = next.code().into();
        t.answered_at = Some(now);
        t.answered_by = Some(actor.user_id);
        if cmd == TransferCommand::Decline {
            t.decline_reason = Some(reason.to_owned());
        }
        let kind = match next {
            TransferStatus::Accepted => "ownership_transferred",
            TransferStatus::Declined => "transfer_declined",
            _ => "transfer_cancelled",
        };
        let event = self.case_event(
            actor,
            c.id,
            kind,
            None,
            None,
            serde_json::json!({"transfer": t.id.to_string(), "from": t.from_org_id.to_string(), "to": t.to_org_id.to_string()}),
        )?;
        let mut ev = self.case_audit(actor, meta, &format!("case.transfer_{}", cmd.code()), c.id);
        ev.purpose = Some(format!("transfer {}", t.id));
        let new_owner = (next == TransferStatus::Accepted).then_some((c.version, now));
        self.store.answer_transfer(&t, new_owner, &event, &[ev]).await?;
        t.version += 1;
        self.transfer_view(actor, &t).await
    }

    /// The transfers the caller's organisation proposed or was offered: those waiting first,
    /// then the answered ones, newest first.
    pub async fn transfers(&self, caller: &Caller) -> Result<Vec<TransferView>> {
        let actor = Self::user_of(caller)?;
        let transfers = self.store.transfers_of_org(actor.org_id, 100).await?;
        let ids: Vec<Uuid> = transfers.iter().map(|t| t.case_id).collect();
        let cases: std::collections::HashMap<Uuid, palermo_store::CaseRecord> =
            self.store.get_cases(&ids).await?.into_iter().map(|c| (c.id, c)).collect();
        let orgs = self.org_names().await?;
        let mut out = Vec::new();
        for t in &transfers {
            // One read for every transfer's case (a case may appear in several transfers).
            let c = cases.get(&t.case_id).cloned().ok_or(ServiceError::NotFound)?;
            out.push(transfer_view_of(actor, t, c, &orgs)?);
        }
        out.sort_by_key(|t| t.status != TransferStatus::Proposed.code());
        Ok(out)
    }
}
