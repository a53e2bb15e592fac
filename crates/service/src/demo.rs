//! The demo: a fictional country with its organisations and one user per role. Entirely
//! invented; later modules add their own demo data here.

use crate::admin::{Caller, NewOrganisation, NewUser};
use crate::{Palermo, RequestMeta, Result, ServiceError};

/// The password of every demo user (demo instances only).
pub const DEMO_PASSWORD: &str = "palermo-demo-2026";

/// A demo sign-in, printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoCredential {
    pub username: String,
    pub role: String,
    pub organisation: String,
}

const ORGS: &[(&str, &str, &str, &str)] = &[
    ("National Anti-Trafficking Coordination Office", "CentralGovernmentOrganisation", "national_coordination", "capital"),
    ("Veridia National Police, Anti-Trafficking Unit", "LawEnforcement", "police", "capital"),
    ("Office of the Prosecutor General", "CentralGovernmentOrganisation", "prosecution", "capital"),
    ("District Court of Port Verity", "CentralGovernmentOrganisation", "judiciary", "coast"),
    ("State Labour Inspectorate", "CentralGovernmentOrganisation", "labour_inspection", "north"),
    ("Border and Migration Service", "ImmigrationService", "immigration", "east"),
    ("Victim Support Directorate, Ministry of Social Affairs", "CentralGovernmentOrganisation", "social_services", "capital"),
    ("Northern Regional Hospital", "HealthServiceOrganisation", "health", "north"),
    ("Safe Harbour Shelter", "NGO", "shelter", "south"),
    ("Legal Aid Collective", "LegalService", "legal_aid", "capital"),
    ("Street Outreach Network", "NGO", "ngo_outreach", "coast"),
    ("International Migration Partners Office", "NGO", "international_organisation", "capital"),
];

/// (username, display name, role, organisation index)
const USERS: &[(&str, &str, &str, usize)] = &[
    ("first-responder", "Tomas Reyes", "first_responder", 1),
    ("competent-authority", "Nadia Haddad", "competent_authority", 6),
    ("case-worker", "Grace Mensah", "case_worker", 8),
    ("service-provider", "Ivan Petrenko", "service_provider", 9),
    ("investigator", "Leila Karimi", "investigator", 1),
    ("prosecutor", "Daniel Osei", "prosecutor", 2),
    ("prevention-officer", "Mei Lin Tan", "prevention_officer", 0),
    ("coordinator", "Sofia Marin", "coordinator", 0),
    ("analyst", "Kwame Asante", "analyst", 0),
    ("liaison", "Elena Popescu", "liaison", 11),
    ("auditor", "Hassan Idris", "auditor", 0),
    ("administrator", "Ana Lucia Torres", "administrator", 0),
];

impl Palermo {
    /// Fill an empty database with the demo country. Refuses a database that already holds
    /// organisations. `progress` is told each step.
    pub async fn create_demo(&self, progress: &dyn Fn(&str)) -> Result<Vec<DemoCredential>> {
        if !self.store.list_organisations().await?.is_empty() {
            return Err(ServiceError::Setup("the database already holds data; the demo needs an empty one".into()));
        }
        let meta = RequestMeta { request_id: "demo".into(), client_ip: RequestMeta::cli().client_ip };
        let ev = self.event(None, &meta, "instance.mark_demo", None, palermo_domain::audit::Outcome::Ok);
        self.store.put_setting("demo", "true", &[ev]).await?;
        let mut org_ids = Vec::new();
        for (i, (name, org_type, sector, region)) in ORGS.iter().enumerate() {
            progress(&format!("organisation {name}"));
            let input =
                NewOrganisation { name: (*name).into(), org_type: (*org_type).into(), sector: (*sector).into(), region: (*region).into() };
            let org = self.insert_organisation(&Caller::Console, &input, i == 0, &meta).await?;
            org_ids.push((org.id, org.name));
        }
        let mut creds = Vec::new();
        for (username, display, role, org) in USERS {
            progress(&format!("user {username}"));
            let (org_id, org_name) = org_ids.get(*org).cloned().ok_or_else(|| ServiceError::Internal("demo organisation index".into()))?;
            let input = NewUser {
                organisation_id: org_id.to_string(),
                username: (*username).into(),
                display_name: (*display).into(),
                roles: vec![(*role).into()],
                password: DEMO_PASSWORD.into(),
                contact: format!("{username}@demo.palermo.invalid"),
            };
            self.create_user_inner(&Caller::Console, &input, true, &meta).await?;
            creds.push(DemoCredential { username: (*username).into(), role: (*role).into(), organisation: org_name });
        }
        Ok(creds)
    }
}
