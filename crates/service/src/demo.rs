//! The demo: a fictional country with its organisations and one user per role. Entirely
//! invented; later modules add their own demo data here.

use crate::admin::{Caller, NewOrganisation, NewUser};
use crate::{Palermo, RequestMeta, Result, ServiceError};

/// The password of every demo user (demo instances only).
pub const DEMO_PASSWORD: &str = "palermo-demo-2026";

/// How many synthetic cases the demo country has (every stage, overdue ones, anonymous
/// notifications, withdrawn consent, children's cases).
pub const DEMO_CASES: usize = 300;

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
        self.demo.store(true, std::sync::atomic::Ordering::Relaxed);
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
            let org_id: palermo_domain::ids::OrgId = org_id;
            let input = NewUser {
                organisation_id: org_id.to_string(),
                username: (*username).into(),
                display_name: (*display).into(),
                roles: vec![(*role).into()],
                password: DEMO_PASSWORD.into(),
                contact: format!("{username}@demo.palermo.invalid"),
            };
            let user = self.create_user_inner(&Caller::Console, &input, true, &meta).await?;
            if matches!(*role, "first_responder" | "case_worker") {
                let actor = palermo_domain::policy::Actor {
                    user_id: user.id,
                    org_id,
                    org_is_operator: false,
                    roles: palermo_domain::role::Roles::new(user.roles.iter().copied()),
                };
                progress(&format!("persons recorded by {username}"));
                self.demo_persons(&Caller::User(actor), &meta, if *role == "case_worker" { 7 } else { 0 }).await?;
            }
            creds.push(DemoCredential { username: (*username).into(), role: (*role).into(), organisation: org_name });
        }
        progress(&format!("{DEMO_CASES} synthetic NRM cases"));
        self.generate_cases(DEMO_CASES, 2026, &|_| {}).await?;
        Ok(creds)
    }

    /// A handful of invented persons for the persons pages.
    async fn demo_persons(&self, caller: &Caller, meta: &RequestMeta, offset: usize) -> Result<()> {
        for (i, (given, family, native, dob, sex, age, citizenship, lang)) in DEMO_PERSONS.iter().enumerate().skip(offset).take(7) {
            let input = crate::persons::NewPerson {
                given_name: (*given).into(),
                family_name: (*family).into(),
                name_native: (*native).into(),
                date_of_birth: (*dob).into(),
                sex: (*sex).into(),
                age_at_identification: (*age).into(),
                citizenships: (*citizenship).into(),
                languages: (*lang).into(),
                migration_status: if i % 3 == 0 { "irregular_migrant".into() } else { "regular_migrant".into() },
                contacts: format!("demo contact {i}"),
                ..Default::default()
            };
            self.create_person(caller, &input, meta).await?;
        }
        Ok(())
    }
}

/// An invented person: given, family, own script, date of birth, sex, age, citizenship, language.
type DemoPerson = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const DEMO_PERSONS: &[DemoPerson] = &[
    ("Layla", "Darwish", "ليلى درويش", "2008-02-11", "Feminine", "17", "SYR", "ar"),
    ("Oksana", "Levchenko", "Оксана Левченко", "1994-07-30", "Feminine", "32", "UKR", "uk"),
    ("Kwabena", "Owusu", "", "1989", "Masculine", "37", "GHA", "en"),
    ("Thi Hoa", "Nguyen", "Nguyễn Thị Hoa", "2001-10-05", "Feminine", "25", "VNM", "vi"),
    ("Arben", "Gashi", "", "1998-03-17", "Masculine", "28", "ALB", "sq"),
    ("Yesenia", "Flores Romero", "", "2010-06-21", "Feminine", "16", "HND", "es"),
    ("Ibrahima", "Sow", "", "1996", "Masculine", "30", "GIN", "fr"),
    ("Mariam", "Haddad", "مريم حداد", "1999-12-01", "Feminine", "26", "SDN", "ar"),
    ("Dmytro", "Savchuk", "Дмитро Савчук", "1987-05-09", "Masculine", "39", "UKR", "uk"),
    ("Precious", "Okafor", "", "2007-01-14", "Feminine", "19", "NGA", "en"),
    ("Siriporn", "Boonmee", "", "1992-08-08", "Feminine", "34", "THA", "th"),
    ("Jelena", "Marković", "Јелена Марковић", "1995-04-22", "Feminine", "31", "SRB", "sr"),
    ("Omar", "Nassar", "عمر نصار", "2009-09-30", "Masculine", "17", "IRQ", "ar"),
    ("Daniela", "Castro Medina", "", "1990-11-11", "Feminine", "36", "VEN", "es"),
];
