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
        let meta = RequestMeta::task("demo");
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
        let mut actors = std::collections::HashMap::new();
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
            actors.insert(
                *username,
                palermo_domain::policy::Actor {
                    user_id: user.id,
                    org_id,
                    org_is_operator: *org == 0,
                    roles: palermo_domain::role::Roles::new(user.roles.iter().copied()),
                },
            );
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
        progress("service directory and referrals");
        self.demo_coordination(&org_ids, &actors, &meta).await?;
        progress("reports, investigations, prosecutions and proceeds");
        self.demo_justice(&org_ids, &actors, &meta).await?;
        progress("campaigns, trainings, budgets and treaty status");
        self.demo_prevention(&actors, &meta).await?;
        progress("an identity erased on request");
        self.demo_erasure(&actors, &meta).await?;
        progress("search for possible duplicates");
        self.refresh_duplicates(&meta).await?;
        Ok(creds)
    }

    /// A person registered by the first responder whose identity the auditor (the operator's
    /// data-protection officer) erased on request: a row on the erasure page.
    async fn demo_erasure(
        &self,
        actors: &std::collections::HashMap<&str, palermo_domain::policy::Actor>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let (Some(fr), Some(dpo)) = (actors.get("first-responder"), actors.get("auditor")) else { return Ok(()) };
        let input = crate::persons::NewPerson {
            given_name: "Marisol".into(),
            family_name: "Quintero".into(),
            sex: "Feminine".into(),
            age_at_identification: "29".into(),
            citizenships: "COL".into(),
            ..Default::default()
        };
        let person = self.create_person(&Caller::User(fr.clone()), &input, meta).await?;
        let request = crate::erasure::ErasureInput {
            person: person.reference,
            request: "Demo request 2026/3 of 2 December, art. 17(1)(a): consent withdrawn, no case opened (fictional)".into(),
        };
        self.erase_person(&Caller::User(dpo.clone()), &request, meta).await?;
        Ok(())
    }

    /// Campaigns, trainings of officials, two fiscal years of budgets, the UN Treaty Collection
    /// snapshot shipped in `data/` (stale; its as-of date travels with it) and the demo country's
    /// own (invented) treaty status.
    async fn demo_prevention(
        &self,
        actors: &std::collections::HashMap<&str, palermo_domain::policy::Actor>,
        meta: &RequestMeta,
    ) -> Result<()> {
        use crate::prevention::{NewBudget, NewCampaign, NewTraining};
        let (Some(po), Some(co)) = (actors.get("prevention-officer"), actors.get("coordinator")) else { return Ok(()) };
        let (po, co) = (Caller::User(po.clone()), Caller::User(co.clone()));
        let today = self.rules().local_date(self.now());
        let year = today.year();
        let ago = |days: i64| (today - time::Duration::days(days)).to_string();
        let list = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        for (title, kind, channels, audience, regions, start, end, reach, cost) in [
            (
                "Know your rights at work",
                "information",
                list(&["radio", "social_media", "outreach"]),
                list(&["workers", "migrants"]),
                "north,coast",
                200,
                Some(110),
                "184000",
                "18500",
            ),
            (
                "Safe online, safe offline",
                "education",
                list(&["schools", "online"]),
                list(&["children_and_youth"]),
                "national",
                150,
                Some(60),
                "42000",
                "9200",
            ),
            (
                "Who made your strawberries?",
                "demand_reduction",
                list(&["television", "print"]),
                list(&["general_public", "employers"]),
                "national",
                90,
                None,
                "650000",
                "61000",
            ),
        ] {
            let c = NewCampaign {
                title: title.into(),
                kind: kind.into(),
                channels,
                audience,
                regions: regions.into(),
                starts_on: ago(start),
                ends_on: end.map(ago).unwrap_or_default(),
                reach: reach.into(),
                cost: cost.into(),
                currency: "EUR".into(),
                partners: "Street Outreach Network, International Migration Partners Office".into(),
            };
            self.record_campaign(&po, &c, meta).await?;
        }
        for (topic, audience, days, f, m, organiser) in [
            ("Identifying victims at the border", "border_guards", 170, "12", "31", "Border and Migration Service academy"),
            ("Victim-centred interviewing", "police", 120, "18", "22", "Veridia National Police academy"),
            ("Trafficking cases in court: protecting witnesses", "judges", 80, "9", "7", "Judicial Training Institute"),
            ("Forced labour indicators in inspections", "labour_inspectors", 40, "14", "11", "State Labour Inspectorate"),
            ("Caring for trafficked children", "social_workers", 20, "27", "5", "Victim Support Directorate"),
        ] {
            let t = NewTraining {
                topic: topic.into(),
                audience: audience.into(),
                held_on: ago(days),
                participants_female: f.into(),
                participants_male: m.into(),
                participants_other: String::new(),
                organiser: organiser.into(),
            };
            self.record_training(&po, &t, meta).await?;
        }
        for (y, area, allocated, spent, funder) in [
            (year - 1, "victim_services", "1200000", "1164000", "State budget"),
            (year - 1, "prevention", "300000", "241500", "State budget"),
            (year - 1, "law_enforcement", "800000", "792000", "State budget"),
            (year, "victim_services", "1350000", "1012500", "State budget"),
            (year, "prevention", "320000", "176000", "State budget and EU Internal Security Fund"),
            (year, "law_enforcement", "850000", "680000", "State budget"),
            (year, "coordination", "150000", "121000", "State budget"),
            (year, "capacity_building", "90000", "72000", "International Migration Partners Office"),
        ] {
            let b = NewBudget {
                programme_area: area.into(),
                fiscal_year: y.to_string(),
                allocated: allocated.into(),
                spent: spent.into(),
                currency: "EUR".into(),
                funder: funder.into(),
            };
            self.record_budget(&co, &b, meta).await?;
        }
        self.import_treaty_status(
            &Caller::Console,
            include_bytes!("../../../data/treaty-status.csv"),
            "UN Treaty Collection status pages via github.com/zmjones/untreaties (stale snapshot; see data/treaty-status-SOURCES.md)",
            "2015-01-27",
            meta,
        )
        .await?;
        let veridia = "country,iso3,instrument,signature_date,consent_date,consent_type\n\
                       Veridia (demo),XVR,UNTOC,2000-12-13,2004-03-02,ratification\n\
                       Veridia (demo),XVR,TIP_PROTOCOL,2000-12-13,2004-03-02,ratification\n\
                       Veridia (demo),XVR,CRC_OPSC,2001-09-06,2006-11-20,ratification\n";
        self.import_treaty_status(&Caller::Console, veridia.as_bytes(), "Demo country (invented)", &today.to_string(), meta).await?;
        Ok(())
    }

    /// The justice track through the real use cases: reports from a victim, a hotline and a labour
    /// inspection (one waiting, one closed), a forced-labour investigation referred to the
    /// prosecutor with convictions, an acquittal, assets confiscated and an MLA request, a
    /// sexual-exploitation investigation with a joint team still open, and one victim's case
    /// disclosed on consent with protection measures and a hearing coming up.
    async fn demo_justice(
        &self,
        orgs: &[(palermo_domain::ids::OrgId, String)],
        actors: &std::collections::HashMap<&str, palermo_domain::policy::Actor>,
        meta: &RequestMeta,
    ) -> Result<()> {
        use crate::justice as j;
        let (Some(inv), Some(pros), Some(fr)) = (actors.get("investigator"), actors.get("prosecutor"), actors.get("first-responder"))
        else {
            return Ok(());
        };
        let (inv, pros, fr) = (Caller::User(inv.clone()), Caller::User(pros.clone()), Caller::User(fr.clone()));
        let today = self.rules().local_date(self.now());
        let ago = |days: i64| (today - time::Duration::days(days)).to_string();
        let report = |channel: &str, days: i64, summary: &str| j::NewReport {
            channel: channel.into(),
            received_on: ago(days),
            risk: "medium".into(),
            summary: summary.into(),
        };
        let farm = self
            .record_report(&inv, &report("victim", 60, "A worker escaped a berry farm; says twenty others are kept there"), meta)
            .await?;
        let inspection = self
            .record_report(
                &inv,
                &report("labour_inspection", 58, "Inspection found workers without contracts or passports at the same farm"),
                meta,
            )
            .await?;
        self.record_report(&inv, &report("victim", 3, "A woman reports being made to work in a massage parlour to repay a debt"), meta)
            .await?;
        let dup = self.record_report(&inv, &report("hotline", 57, "Anonymous call about the berry farm"), meta).await?;
        let action = |command: &str, reason: &str, investigation: &str, forms: &[&str]| j::ReportAction {
            command: command.into(),
            reason: reason.into(),
            investigation: investigation.into(),
            forms: forms.iter().map(|f| (*f).to_owned()).collect(),
        };
        let opened = self.act_on_report(&inv, &farm.id.to_string(), &action("investigate", "", "", &["forced_labour"]), meta).await?;
        let inv_id = opened.investigation_id.map(|u| u.to_string()).unwrap_or_default();
        let file = self.investigation(&inv, &inv_id, meta).await?;
        self.act_on_report(&inv, &inspection.id.to_string(), &action("investigate", "", &file.reference, &[]), meta).await?;
        self.act_on_report(&inv, &dup.id.to_string(), &action("close", "duplicate", "", &[]), meta).await?;
        let suspect = |given: &str, family: &str, sex: &str, age: &str, cit: &str, roles: &[&str], relation: &str| j::NewSuspect {
            given_name: given.into(),
            family_name: family.into(),
            sex: sex.into(),
            age: age.into(),
            citizenships: cit.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            relation_to_victims: relation.into(),
            suspected_on: ago(55),
            arrested_on: ago(50),
            ..Default::default()
        };
        let owner = self
            .add_suspect(&inv, &inv_id, &suspect("Borislav", "Kestrel", "Masculine", "52", "MDA", &["Exploiter"], "employer"), meta)
            .await?;
        let recruiter = self
            .add_suspect(
                &inv,
                &inv_id,
                &suspect("Ilinca", "Voda", "Feminine", "38", "ROU", &["RecruiterOrIntermediary"], "acquaintance"),
                meta,
            )
            .await?;
        let driver = self
            .add_suspect(&inv, &inv_id, &suspect("Petar", "Lisac", "Masculine", "29", "MDA", &["Transporter"], "stranger"), meta)
            .await?;
        let charge = |offence: &str, iccs: &str, provision: &str| j::NewCharge {
            offence: offence.into(),
            iccs: iccs.into(),
            legal_provision: provision.into(),
            charged_on: ago(40),
        };
        let mut tip_charges = Vec::new();
        for s in [owner, recruiter, driver] {
            tip_charges.push(
                self.add_charge(&inv, &s.to_string(), &charge("trafficking_in_persons", "02042", "Criminal Code art. 165"), meta).await?,
            );
        }
        let ml = self.add_charge(&inv, &owner.to_string(), &charge("money_laundering", "", "Anti-Money Laundering Act s. 3"), meta).await?;
        let asset = |kind: &str, status: &str, value: &str, charge: String| j::NewAsset {
            kind: kind.into(),
            status: status.into(),
            value: value.into(),
            currency: "EUR".into(),
            authority: "District Court of Port Verity".into(),
            on: ago(45),
            charge,
        };
        let account = self.add_asset(&inv, &inv_id, &asset("bank_account", "frozen", "48200", ml.id.to_string()), meta).await?;
        self.add_asset(&inv, &inv_id, &asset("vehicle", "seized", "12500", String::new()), meta).await?;
        let mla = self
            .add_mla(
                &inv,
                &inv_id,
                &j::NewMla {
                    direction: "sent".into(),
                    country: "ROU".into(),
                    requested_on: ago(44),
                    subject: "Bank records and a witness hearing".into(),
                },
                meta,
            )
            .await?;
        self.update_mla(&inv, &mla.id.to_string(), &j::MlaUpdate { status: "executed".into(), answered_on: ago(20) }, meta).await?;
        let (prosecution, _) = orgs.get(2).cloned().ok_or_else(|| ServiceError::Internal("demo prosecution office".into()))?;
        let refer = j::InvestigationAction {
            command: "refer_to_prosecution".into(),
            prosecution_office: prosecution.to_string(),
            reason: String::new(),
            on: ago(35),
        };
        self.investigation_command(&inv, &inv_id, &refer, meta).await?;
        for (i, c) in tip_charges.iter().enumerate() {
            let v = j::VerdictInput {
                verdict: if i == 2 { "acquitted".into() } else { "convicted".into() },
                verdict_on: ago(5),
                sentence_months: match i {
                    0 => "108".into(),
                    1 => "60".into(),
                    _ => String::new(),
                },
                ..Default::default()
            };
            self.record_verdict(&pros, &c.id.to_string(), &v, meta).await?;
        }
        self.asset_step(&pros, &account.id.to_string(), &j::AssetStep { status: "confiscated".into(), on: ago(5) }, meta).await?;

        // A second investigation, still open, with a joint team.
        let second = j::NewInvestigation {
            opened_on: ago(25),
            forms: vec!["sexual_exploitation".into()],
            origin_countries: "NGA".into(),
            transit_countries: "LBY".into(),
            destination_countries: "ITA".into(),
            joint_team: true,
            jit_countries: "ITA, NGA".into(),
        };
        let second = self.open_investigation(&inv, &second, meta).await?;
        let second_id = second.id.to_string();
        let madam = self
            .add_suspect(
                &inv,
                &second_id,
                &suspect("Joy", "Edosa", "Feminine", "41", "NGA", &["Exploiter", "ControlledIndividual"], "acquaintance"),
                meta,
            )
            .await?;
        self.add_charge(&inv, &madam.to_string(), &charge("trafficking_in_persons", "02041", "Criminal Code art. 165"), meta).await?;
        self.add_asset(&inv, &second_id, &asset("cash", "seized", "6300", String::new()), meta).await?;

        // One victim's case disclosed on consent, with protection and a hearing coming up.
        let (police, _) = orgs.get(1).cloned().ok_or_else(|| ServiceError::Internal("demo police".into()))?;
        let scope = crate::cases::CaseListQuery { kind: "referral".into(), stage: "assistance".into(), ..Default::default() };
        let cases = self.list_cases(&fr, &scope, meta).await?;
        if let Some(c) = cases.rows.iter().find(|c| c.age_group == "adult") {
            let consent = crate::cases::ConsentInput {
                purpose: "law_enforcement".into(),
                recipient: police.to_string(),
                status: "given".into(),
                decided_on: ago(30),
                form: "written".into(),
                given_by: "person".into(),
                interpreter_language: String::new(),
                checklist: vec!["informed_of_purpose".into(), "informed_of_withdrawal".into()],
            };
            self.record_consent(&fr, &c.id.to_string(), &consent, meta).await?;
            let d = j::NewDisclosure { investigation: file.reference.clone(), basis: "consent".into(), legal_obligation: String::new() };
            let d = self.disclose_case(&fr, &c.id.to_string(), &d, meta).await?;
            let p = j::ProceedingsInput {
                participation: vec!["witness".into(), "injured_party".into()],
                protection: vec!["before:police_protection".into(), "during:video_testimony".into(), "during:separate_waiting_room".into()],
                interpreter_language: "ro".into(),
                legal_representative: "Legal Aid Collective".into(),
            };
            self.record_proceedings(&pros, &d.id.to_string(), &p, meta).await?;
            let h = j::NewHearing {
                held_on: (today + time::Duration::days(12)).to_string(),
                kind: "appeal".into(),
                court: "Court of Appeal, Port Verity".into(),
            };
            self.add_hearing(&pros, &d.id.to_string(), &h, meta).await?;
        }
        Ok(())
    }

    /// The directory (services of the shelter, the hospital, legal aid, the directorate and the
    /// international organisation) and referrals through the real use cases: consented
    /// referrals from the police to the shelter, some accepted with services delivered, some
    /// waiting (some urgent), one declined, and one emergency override to the hospital.
    async fn demo_coordination(
        &self,
        orgs: &[(palermo_domain::ids::OrgId, String)],
        actors: &std::collections::HashMap<&str, palermo_domain::policy::Actor>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut ids = std::collections::HashMap::new();
        let now = self.now();
        for (org, kind, name, regions, languages, ages, sexes, capacity, available) in DEMO_SERVICES {
            let (org_id, _) = orgs.get(*org).cloned().ok_or_else(|| ServiceError::Internal("demo organisation index".into()))?;
            let (_, id) = self.new_ids()?;
            let rec = palermo_store::OrgServiceRecord {
                id: id.0,
                organisation_id: org_id,
                kind: (*kind).into(),
                name: (*name).into(),
                regions: (*regions).into(),
                languages: (*languages).into(),
                ages: (*ages).into(),
                sexes: (*sexes).into(),
                capacity: *capacity,
                available: *available,
                active: true,
                created_at: now,
                updated_at: now,
            };
            let mut ev =
                self.event(None, meta, "service.create", Some(("service", rec.id.to_string())), palermo_domain::audit::Outcome::Ok);
            ev.actor_user_id = Some("console".into());
            self.store.insert_org_service(&rec, &[ev]).await?;
            ids.insert(*name, rec.id);
        }
        let (Some(police), Some(shelter_worker)) = (actors.get("first-responder"), actors.get("case-worker")) else { return Ok(()) };
        let (shelter, _) = orgs.get(8).cloned().ok_or_else(|| ServiceError::Internal("demo shelter".into()))?;
        let fr = Caller::User(police.clone());
        let sw = Caller::User(shelter_worker.clone());
        let scope = crate::cases::CaseListQuery { kind: "referral".into(), stage: "assistance".into(), ..Default::default() };
        let cases = self.list_cases(&fr, &scope, meta).await?;
        let today = self.rules().local_date(now);
        let beds = ids.get("Safe Harbour women's shelter").copied().unwrap_or_default();
        let home = ids.get("Safe Harbour children's home").copied().unwrap_or_default();
        for (i, c) in cases.rows.iter().take(9).enumerate() {
            let child = c.age_group == "child";
            if !child {
                let consent = crate::cases::ConsentInput {
                    purpose: "referral".into(),
                    recipient: shelter.to_string(),
                    status: "given".into(),
                    decided_on: today.to_string(),
                    form: "written".into(),
                    given_by: "person".into(),
                    interpreter_language: String::new(),
                    checklist: vec!["informed_of_purpose".into(), "informed_of_withdrawal".into()],
                };
                self.record_consent(&fr, &c.id.to_string(), &consent, meta).await?;
            }
            let service = if child { home } else { beds };
            let input = crate::coordination::NewReferral { service: service.to_string(), urgent: i % 4 == 3, emergency_reason: None };
            let r = self.send_referral(&fr, &c.id.to_string(), &input, meta).await?;
            let action =
                |command: &str, reason: &str| crate::coordination::ReferralAction { command: command.into(), reason: reason.into() };
            match i % 4 {
                0 | 1 => {
                    self.act_on_referral(&sw, &r.id.to_string(), &action("accept", ""), meta).await?;
                    for (kind, outcome) in [("accommodation", "ongoing"), ("medical", "provided")] {
                        let d = crate::coordination::NewServiceDelivered {
                            kind: kind.into(),
                            delivered_on: today.to_string(),
                            outcome: outcome.into(),
                        };
                        self.record_service(&sw, &c.id.to_string(), &d, meta).await?;
                    }
                }
                2 if i == 2 => {
                    self.act_on_referral(&sw, &r.id.to_string(), &action("decline", "No place for a family with two children"), meta)
                        .await?;
                }
                _ => {}
            }
        }
        // Residence, risk, compensation and a child's protection records on a few of them.
        let ahead = |days: i64| (today + time::Duration::days(days)).to_string();
        for (i, c) in cases.rows.iter().take(4).enumerate() {
            let id = c.id.to_string();
            let permit = crate::assistance::PermitInput {
                kind: if i % 2 == 0 { "temporary_residence".into() } else { "reflection_period".into() },
                status: "granted".into(),
                valid_from: today.to_string(),
                valid_until: ahead(if i == 0 { 20 } else { 120 }),
                authority: "Border and Migration Service".into(),
                linked_decision: "reasonable_grounds".into(),
                ..Default::default()
            };
            self.record_permit(&fr, &id, &permit, meta).await?;
            if c.age_group == "child" {
                for kind in ["guardian_appointment", "best_interests_assessment"] {
                    let r = crate::assistance::ChildRecordInput {
                        kind: kind.into(),
                        on_date: today.to_string(),
                        guardian_organisation: shelter.to_string(),
                        ..Default::default()
                    };
                    self.record_child_protection(&fr, &id, &r, meta).await?;
                }
            }
        }
        if let Some(c) = cases.rows.first() {
            let risk = crate::assistance::RiskInput {
                assessed_on: today.to_string(),
                level: "high".into(),
                risk_to: vec!["person".into(), "family".into()],
                safety_measures: vec!["relocation".into(), "confidential_address".into()],
                review_on: ahead(14),
            };
            self.record_risk(&fr, &c.id.to_string(), &risk, meta).await?;
            let claim = crate::assistance::ClaimInput {
                kind: "labour_back_pay".into(),
                status: "awarded".into(),
                currency: "EUR".into(),
                claimed: "4800".into(),
                awarded: "3650.50".into(),
                paid: "1000".into(),
                filed_on: today.to_string(),
                ..Default::default()
            };
            self.record_claim(&fr, &c.id.to_string(), &claim, meta).await?;
        }
        if let (Some(c), Some(care)) = (cases.rows.get(9), ids.get("Northern Regional Hospital outpatient care")) {
            let input = crate::coordination::NewReferral {
                service: care.to_string(),
                urgent: true,
                emergency_reason: Some("Injuries need treatment tonight; the person cannot be asked for consent now".into()),
            };
            self.send_referral(&fr, &c.id.to_string(), &input, meta).await?;
        }
        Ok(())
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

/// (organisation index, kind, name, regions, languages, ages, sexes, capacity, free places)
type DemoService = (usize, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, Option<i64>, Option<i64>);

const DEMO_SERVICES: &[DemoService] = &[
    (8, "accommodation", "Safe Harbour women's shelter", "south,coast,capital", "en,ro,ar,uk", "adults", "female", Some(12), Some(9)),
    (8, "accommodation", "Safe Harbour children's home", "south,north,capital", "en,ro,es", "children", "any", Some(6), Some(4)),
    (8, "psychological", "Safe Harbour counselling", "south,coast", "en,ar", "all", "any", None, None),
    (7, "medical", "Northern Regional Hospital outpatient care", "north,east", "en,ro,uk,ru", "all", "any", None, None),
    (7, "psychological", "Northern Regional Hospital trauma clinic", "north", "en,uk", "all", "any", Some(8), Some(2)),
    (9, "legal_aid", "Legal Aid Collective victims' lawyers", "capital,coast,south,north,east", "en,fr,es,ar", "all", "any", None, None),
    (
        6,
        "social_assistance",
        "Victim Support Directorate case management",
        "capital,north,south,east,coast",
        "en",
        "all",
        "any",
        None,
        None,
    ),
    (
        6,
        "financial_support",
        "Victim Support Directorate subsistence allowance",
        "capital,north,south,east,coast",
        "en",
        "all",
        "any",
        None,
        None,
    ),
    (
        11,
        "interpretation",
        "Migration Partners interpreters",
        "capital,north,south,east,coast",
        "ar,ro,uk,vi,th,es,fr,sq",
        "all",
        "any",
        None,
        None,
    ),
    (11, "family_tracing", "Migration Partners family tracing", "capital", "en,fr,ar", "all", "any", None, None),
    (11, "return_and_reintegration", "Migration Partners assisted return", "capital", "en,fr,ar,es", "adults", "any", None, None),
];
