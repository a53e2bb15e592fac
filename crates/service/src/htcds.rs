//! HTCDS 2.0 case exchange (issue 6, exports): one case as JSON in the field names of IOM's
//! Human Trafficking Case Data Standard, for an organisation that may receive it. There is no
//! official JSON Schema for HTCDS 2.0 (data-standards.md §2); ours is published in
//! `docs/schemas/htcds-2.0-case.schema.json` and every export validates against it.
//!
//! Rules: only the case team (owner, case worker, decision-maker) exports; the caller states a
//! purpose; the recipient must be covered by the person's consent to referral or international
//! exchange to that organisation (for a child, the child rule stands in for consent); identity
//! fields are added only when asked for and when the caller may read them. Every export is
//! audited with its purpose, recipient and whether identity left.

use crate::admin::Caller;
use crate::cases::{CaseView, ConsentView};
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::ValidationError;
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::ids::OrgId;
use palermo_domain::policy::Denied;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// What the caller asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtcdsRequest {
    /// The receiving organisation's id.
    #[serde(default)]
    pub recipient: String,
    /// Why the case is shared (written to the audit log and into the file).
    #[serde(default)]
    pub purpose: String,
    /// Add the person's name, date of birth and contacts.
    #[serde(default)]
    pub identity: bool,
}

/// `snake_case` → `PascalCase` (our codes → HTCDS value names).
fn pascal(code: &str) -> String {
    code.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// HTCDS `vic_TraffickingStatus` from the NRM stage and the last conclusive-grounds decision.
fn trafficking_status(view: &CaseView) -> &'static str {
    match view.stage.as_deref() {
        Some("assistance") => return "ActualVictimOfTrafficking",
        Some("negative_conclusive_grounds") => return "NotAVictimOfTrafficking",
        _ => {}
    }
    let last_cg = view.timeline.iter().rev().find(|e| e.kind == "decide_conclusive_grounds").and_then(|e| e.detail.get("outcome"));
    match last_cg.and_then(Value::as_str) {
        Some("positive") => "ActualVictimOfTrafficking",
        Some("negative") => "NotAVictimOfTrafficking",
        _ => "PossibleVictimOfTrafficking",
    }
}

/// HTCDS `cas_Status` from the NRM stage.
fn case_status(view: &CaseView) -> &'static str {
    match view.stage.as_deref() {
        Some("transferred") => "ClosedReferred",
        Some("closed" | "withdrawn") => "Closed",
        _ if view.kind == "anonymous_notification" => "FollowUp",
        _ => "Active",
    }
}

/// HTCDS `vic_TypeOfExploitation` from the NRM form and the screening's purposes.
fn exploitation(view: &CaseView) -> Vec<&'static str> {
    let mut out = Vec::new();
    let purposes: Vec<&str> = view.screening.as_ref().map(|s| s.purposes.iter().map(String::as_str).collect()).unwrap_or_default();
    if view.exploitation_form == "sexual" || purposes.iter().any(|p| p.contains("sexual") || p.contains("prostitution")) {
        out.push("SexualExploitation");
    }
    if view.exploitation_form == "labour" || purposes.contains(&"forced_labour_or_services") {
        out.push("ForcedLabour");
    }
    if purposes.iter().any(|p| matches!(*p, "slavery" | "practices_similar_to_slavery" | "servitude")) {
        out.push("Servitude");
    }
    if purposes.contains(&"removal_of_organs") {
        out.push("OrganRemoval");
    }
    if purposes.contains(&"other") {
        out.push("Other");
    }
    out
}

/// The consent covering `recipient` (referral or international exchange), newest last.
fn consent_for<'a>(consents: &'a [ConsentView], recipient: &str) -> Option<&'a ConsentView> {
    consents
        .iter()
        .rev()
        .find(|k| (k.purpose == "referral" || k.purpose == "international_exchange") && k.recipient.as_deref() == Some(recipient))
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<&String>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        m.insert(k.to_owned(), json!(v));
    }
}

impl Palermo {
    /// One case as HTCDS 2.0 JSON for `req.recipient`. The case is checked first (the same 404
    /// as a missing case for anyone outside it), then the right, the purpose and the consent.
    pub async fn htcds_case(&self, caller: &Caller, id: &str, req: &HtcdsRequest, meta: &RequestMeta) -> Result<Value> {
        let actor = Self::user_of(caller)?;
        let view = self.case(caller, id, meta).await?;
        if !view.can_manage {
            return Err(self.denied(actor, meta, "case.export_htcds", Some(("case", view.id.to_string())), Denied::Forbidden).await);
        }
        let mut errs = Vec::new();
        let purpose = req.purpose.trim();
        if purpose.chars().count() < 5 || purpose.chars().count() > 500 || purpose.chars().any(char::is_control) {
            errs.push(ValidationError::new("purpose", "why the case is shared, 5 to 500 characters"));
        }
        let orgs = self.org_names().await?;
        let recipient = Uuid::parse_str(req.recipient.trim()).ok().map(OrgId).filter(|o| orgs.contains_key(o));
        let recipient_name = match recipient {
            None => {
                errs.push(ValidationError::new("recipient", "the id of a participating organisation"));
                String::new()
            }
            Some(o) if o == actor.org_id => {
                errs.push(ValidationError::new("recipient", "another organisation than your own"));
                String::new()
            }
            Some(o) => orgs.get(&o).cloned().unwrap_or_default(),
        };
        if !errs.is_empty() {
            return Err(ServiceError::Invalid(errs));
        }
        let child = view.age_group == "child";
        let consent = consent_for(&view.consents, &recipient_name);
        let basis = match consent.map(|k| k.status.as_str()) {
            Some("given") => "consent",
            _ if child => "child_rule",
            other => {
                let state = other.unwrap_or("not recorded");
                return Err(ServiceError::Invalid(vec![ValidationError::new(
                    "recipient",
                    format!(
                        "an organisation the person consented to share with: consent to referral or international exchange to {recipient_name} is {state}"
                    ),
                )]));
            }
        };
        if req.identity && view.person.is_none() {
            return Err(self.denied(actor, meta, "case.export_htcds", Some(("case", view.id.to_string())), Denied::Forbidden).await);
        }
        let now = self.now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let own = orgs.get(&actor.org_id).cloned().unwrap_or_default();
        let mut doc = Map::new();
        doc.insert("htcds_version".into(), json!("2.0"));
        doc.insert(
            "export".into(),
            json!({
                "exported_at": now,
                "exporting_organisation": own,
                "recipient_organisation": recipient_name,
                "purpose": purpose,
                "basis": basis,
                "identity_included": req.identity,
            }),
        );
        doc.insert("cas_Reference".into(), json!(view.reference));
        doc.insert("cas_Status".into(), json!(case_status(&view)));
        doc.insert("cas_CaseOwner".into(), json!(view.owner_org));
        doc.insert("cas_IncomingReferralDate".into(), json!(view.referred_on));
        doc.insert("nrm_Stage".into(), json!(view.stage));
        doc.insert("nrm_AgeGroup".into(), json!(view.age_group));
        doc.insert("prs_Gender".into(), json!(view.sex));
        doc.insert("vic_TraffickingStatus".into(), json!(trafficking_status(&view)));
        doc.insert("vic_TypeOfExploitation".into(), json!(exploitation(&view)));
        if let Some(p) = &view.person {
            doc.insert("prs_Citizenship".into(), json!(p.summary.citizenships));
            if let Some(l) = p.summary.languages.first() {
                doc.insert("prs_PrimaryLanguage".into(), json!(l));
            }
            if let Some(l) = p.summary.languages.get(1) {
                doc.insert("prs_SecondaryLanguage".into(), json!(l));
            }
            if req.identity {
                let id = &p.identity;
                put(&mut doc, "prs_FirstName", id.given_name.as_ref());
                put(&mut doc, "prs_SecondName", id.family_name.as_ref());
                put(&mut doc, "prs_NameInOwnScript", id.name_native.as_ref());
                put(&mut doc, "prs_Aliases", id.aliases.as_ref());
                put(&mut doc, "prs_Birthdate", id.date_of_birth.as_ref());
                put(&mut doc, "prs_IdentityDocuments", id.documents.as_ref());
                put(&mut doc, "prs_Contacts", id.contacts.as_ref());
                put(&mut doc, "prs_MailingAddress", id.address.as_ref());
            }
        }
        if let Some(k) = consent {
            let checklist: Map<String, Value> = [
                "consent_to_interview",
                "informed_of_purpose",
                "informed_of_data_use",
                "informed_of_research_use",
                "informed_of_right_to_access",
                "informed_of_retention",
                "informed_of_withdrawal",
            ]
            .iter()
            .map(|c| ((*c).to_owned(), json!(k.checklist.iter().any(|x| x == c))))
            .collect();
            doc.insert(
                "con_Consent".into(),
                json!({"con_Consent": k.status == "given", "purpose": k.purpose, "decided_on": k.decided_on, "form": k.form, "given_by": k.given_by, "checklist": checklist}),
            );
        }
        let referrals: Vec<Value> = view
            .referrals
            .iter()
            .map(|r| {
                json!({
                    "cas_ReferredOrganisation": r.recipient,
                    "cas_OutgoingReferralDate": r.sent_at.get(..10).unwrap_or(&r.sent_at),
                    "cas_ReasonForOutgoingReferral": "AdditionalServicesRequired",
                    "service": r.kind,
                    "status": r.status,
                })
            })
            .collect();
        doc.insert("cas_OutgoingReferrals".into(), json!(referrals));
        let plans: Vec<Value> = view.support_plans.iter().map(|p| json!({"spl_Type": pascal(&p.plan_type), "status": p.status})).collect();
        doc.insert("spl_SupportPlans".into(), json!(plans));
        let mut ev = self.event(Some(actor), meta, "case.export_htcds", Some(("case", view.id.to_string())), AuditOutcome::Ok);
        ev.section = Some(if req.identity { "summary,identity" } else { "summary" }.into());
        ev.purpose = Some(format!("HTCDS 2.0 to {recipient_name} ({basis}): {purpose}"));
        self.audit_read(ev).await?;
        Ok(Value::Object(doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_htcds_value_names() {
        assert_eq!(pascal("labour_exploitation_rehabilitation"), "LabourExploitationRehabilitation");
        assert_eq!(pascal("legal"), "Legal");
    }
}
