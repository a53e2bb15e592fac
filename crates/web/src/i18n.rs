//! Translations: one mechanism (Fluent) for every user-visible string; the language is the
//! user's choice (a cookie) or the browser's (`Accept-Language`). Arabic is laid out
//! right-to-left.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Isolation marks around placeables are right for HTML; keep them on.
        customise: |_bundle| {},
    };
}

pub const SUPPORTED: &[&str] = &["en", "fr", "ar"];

/// The translator for one request.
#[derive(Debug, Clone)]
pub struct Tr {
    pub code: &'static str,
    pub dir: &'static str,
    lang: LanguageIdentifier,
}

impl Tr {
    pub fn new(code: &str) -> Self {
        let code = SUPPORTED.iter().copied().find(|c| *c == code).unwrap_or("en");
        let lang = code.parse().unwrap_or_default();
        Self { code, dir: if code == "ar" { "rtl" } else { "ltr" }, lang }
    }

    /// The language from the user's cookie, else the first supported one the browser accepts.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(c) = cookie.filter(|c| SUPPORTED.contains(c)) {
            return Self::new(c);
        }
        let mut best: Option<(&'static str, f32)> = None;
        for part in accept_language.unwrap_or("").split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(code) = SUPPORTED.iter().copied().find(|c| *c == primary)
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((code, q));
            }
        }
        Self::new(best.map(|b| b.0).unwrap_or("en"))
    }

    /// What separates the items of a list in this language: Arabic has its own comma.
    pub fn list_separator(&self) -> &'static str {
        if self.code == "ar" { "، " } else { ", " }
    }

    /// What introduces a value after its name: French puts a space before the colon.
    pub fn colon(&self) -> &'static str {
        if self.code == "fr" { " : " } else { ": " }
    }

    pub fn get(&self, key: &str) -> String {
        LOCALES.try_lookup(&self.lang, key).unwrap_or_else(|| key.to_owned())
    }

    /// A coded value as people read it, in this language (`c-<list>-<code>` in the locale
    /// files): "Recovery and reflection period" for the stage `recovery_period`. Forms post and
    /// the API speaks the code; a code with no label written (a value an older version stored)
    /// is shown as it is.
    pub fn label(&self, list: &str, code: impl std::fmt::Display) -> String {
        let code = code.to_string();
        LOCALES.try_lookup(&self.lang, &format!("c-{list}-{code}")).unwrap_or(code)
    }

    /// Several coded values of one list, labelled and joined with commas.
    pub fn labels<S: std::fmt::Display>(&self, list: &str, codes: &[S]) -> String {
        codes.iter().map(|c| self.label(list, c)).collect::<Vec<_>>().join(self.list_separator())
    }

    /// A code made of two, `first:second` (a protection measure with its phase,
    /// `during:video_testimony`), as "During the trial: Testimony by video".
    pub fn label_pair(&self, first: &str, second: &str, code: impl std::fmt::Display) -> String {
        let code = code.to_string();
        match code.split_once(':') {
            Some((a, b)) => format!("{}{}{}", self.label(first, a), self.colon(), self.label(second, b)),
            None => self.label(second, code),
        }
    }

    /// Alternatives (the indicator dimensions a suggestion still needs, `["DR", "CR", "VR"]`),
    /// each labelled, joined with this language's "or".
    pub fn alternatives<S: AsRef<str>>(&self, list: &str, codes: &[S]) -> String {
        codes.iter().map(|c| self.label(list, c.as_ref())).collect::<Vec<_>>().join(&format!(" {} ", self.get("or")))
    }

    /// Several two-part codes, labelled and joined with commas.
    pub fn label_pairs<S: std::fmt::Display>(&self, first: &str, second: &str, codes: &[S]) -> String {
        codes.iter().map(|c| self.label_pair(first, second, c)).collect::<Vec<_>>().join(self.list_separator())
    }

    pub fn get1(&self, key: &str, name: &str, value: &str) -> String {
        self.get_with(key, &[(name, value)])
    }

    pub fn get_with(&self, key: &str, pairs: &[(&str, &str)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        for (name, value) in pairs {
            args.insert(Cow::Owned((*name).to_owned()), FluentValue::from((*value).to_owned()));
        }
        LOCALES.try_lookup_with_args(&self.lang, key, &args).unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_cookie_then_browser() {
        assert_eq!(Tr::negotiate(Some("ar"), Some("fr")).code, "ar");
        assert_eq!(Tr::negotiate(None, Some("de-DE,fr;q=0.8,en;q=0.5")).code, "fr");
        assert_eq!(Tr::negotiate(Some("xx"), None).code, "en");
        assert_eq!(Tr::new("ar").dir, "rtl");
    }

    fn keys(ftl: &str) -> std::collections::BTreeSet<&str> {
        ftl.lines().filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim())).collect()
    }

    /// Every value of the code lists the pages show reads as words in every language (the
    /// test above holds French and Arabic to English's keys); a code without a label is shown as
    /// it is.
    #[test]
    fn every_coded_value_on_the_pages_has_a_label() {
        use palermo_domain::deadline::DeadlineKind;
        use palermo_domain::{
            assistance as a, consent as c, coordination as k, indicators as i, justice as j, nrm, org, person as p, prevention as v, role,
            screening as s,
        };
        fn all<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
            values.iter().map(ToString::to_string).collect()
        }
        let words = |w: &[&str]| w.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let deadlines = [
            DeadlineKind::ReasonableGroundsDecision,
            DeadlineKind::ConclusiveGroundsDecision,
            DeadlineKind::ReconsiderationWindowCloses,
            DeadlineKind::ReconsideredReasonableGrounds,
            DeadlineKind::ReconsideredConclusiveGrounds,
        ];
        let lists: Vec<(&str, Vec<String>)> = vec![
            ("stage", all(nrm::Stage::ALL)),
            ("decision", all(nrm::DecisionKind::ALL)),
            ("outcome", all(nrm::Outcome::ALL)),
            ("command", words(&["request_reconsideration", "withdraw", "transfer", "close", "reopen"])),
            ("deadline", deadlines.iter().map(|d| d.code().to_owned()).collect()),
            ("deadline-status", words(&["upcoming", "due_today", "overdue", "passed"])),
            ("deadline-filter", words(&["overdue", "week"])),
            ("case-kind", words(&["referral", "anonymous_notification"])),
            ("age-group", all(p::AgeGroup::ALL)),
            ("sex", all(p::Gender::ALL)),
            ("migration-status", all(p::MigrationStatus::ALL)),
            ("exploitation-form", all(i::ExploitationForm::ALL)),
            ("population", all(i::Population::ALL)),
            ("act", all(s::Act::ALL)),
            ("means", all(s::Means::ALL)),
            ("purpose", all(s::Purpose::ALL)),
            ("role", all(role::Role::ALL)),
            ("closure-reason", all(a::ClosureReason::ALL)),
            ("permit-kind", all(a::PermitKind::ALL)),
            ("permit-status", all(a::PermitStatus::ALL)),
            ("child-record", all(a::ChildRecordKind::ALL)),
            ("age-method", all(a::AgeAssessmentMethod::ALL)),
            ("tracing-status", all(a::FamilyTracingStatus::ALL)),
            ("claim-kind", all(a::ClaimKind::ALL)),
            ("claim-status", all(a::ClaimStatus::ALL)),
            ("risk-level", all(a::RiskLevel::ALL)),
            ("risk-to", all(a::RiskTo::ALL)),
            ("safety-measure", all(a::SafetyMeasure::ALL)),
            ("path", all(a::ReintegrationPath::ALL)),
            ("follow-up-outcome", all(a::FollowUpOutcome::ALL)),
            ("plan-type", all(a::SupportPlanType::ALL)),
            ("plan-status", all(a::SupportPlanStatus::ALL)),
            ("consent-purpose", all(c::ConsentPurpose::ALL)),
            ("consent-status", all(c::ConsentStatus::ALL)),
            ("consent-form", all(c::ConsentForm::ALL)),
            ("given-by", all(c::ConsentGivenBy::ALL)),
            ("checklist", all(c::ChecklistItem::ALL)),
            ("service-kind", all(k::ServiceKind::ALL)),
            ("service-ages", all(k::AgeEligibility::ALL)),
            ("service-sexes", all(k::SexEligibility::ALL)),
            ("referral-status", all(k::ReferralStatus::ALL)),
            ("referral-basis", all(k::ReferralBasis::ALL)),
            ("service-outcome", all(k::ServiceOutcome::ALL)),
            ("transfer-status", all(k::TransferStatus::ALL)),
            ("disclosure-basis", all(j::DisclosureBasis::ALL)),
            ("participation", all(j::Participation::ALL)),
            ("hearing", all(j::HearingKind::ALL)),
            ("report-channel", all(j::ReportChannel::ALL)),
            ("report-status", all(j::ReportStatus::ALL)),
            ("report-closure", all(j::ReportClosure::ALL)),
            ("investigation-status", all(j::InvestigationStatus::ALL)),
            ("investigation-closure", all(j::InvestigationClosure::ALL)),
            ("glotip-form", all(j::ExploitationForm::ALL)),
            ("suspect-role", all(j::RoleInProcess::ALL)),
            ("relation", all(j::RelationToVictims::ALL)),
            ("offence", all(j::Offence::ALL)),
            ("verdict", all(j::Verdict::ALL)),
            ("asset-kind", all(j::AssetKind::ALL)),
            ("asset-status", all(j::AssetStatus::ALL)),
            ("mla-direction", all(j::MlaDirection::ALL)),
            ("mla-status", all(j::MlaStatus::ALL)),
            ("protection-phase", all(j::ProtectionPhase::ALL)),
            ("protection-measure", all(j::ProtectionMeasure::ALL)),
            ("campaign-kind", all(v::CampaignKind::ALL)),
            ("campaign-channel", all(v::CampaignChannel::ALL)),
            ("campaign-audience", all(v::CampaignAudience::ALL)),
            ("profession", all(v::Profession::ALL)),
            ("programme-area", all(v::ProgrammeArea::ALL)),
            ("instrument", all(v::Instrument::ALL)),
            ("consent-type", all(v::ConsentType::ALL)),
            ("sector", all(org::Sector::ALL)),
            ("org-type", all(org::OrgType::ALL)),
            ("note-kind", words(&["note", "evidence_reference"])),
            ("dimension", all(i::Dimension::ALL)),
            ("weight", all(i::Weight::ALL)),
            ("list-status", words(&["verified", "secondary", "provisional"])),
            ("element", words(&["act", "means", "purpose"])),
            // The published statistics' rows and columns (crate::published).
            ("stat-glotip-group", words(palermo_service::glotip::GROUPS)),
            ("stat-victim-form", words(palermo_service::glotip::VICTIM_FORMS)),
            ("stat-sex", words(&palermo_service::report::SEX_ROWS)),
            ("stat-group", words(&palermo_service::report::SEX_ROWS)),
            ("stat-group", all(p::AgeGroup::ALL)),
            ("stat-dimension", words(&["all", "sex", "age_group", "nationality"])),
            ("stat-rg", words(&["positive", "not_positive"])),
            ("stat-row", words(&["persons", "cases", "services", "reports", "victims"])),
            ("stat-victim-report", words(&["investigated", "closed", "waiting"])),
            ("stat-proceedings", words(&["with_protection", "without"])),
            ("stat-detected", words(&["once", "more_than_once"])),
            ("stat-answer", words(&["accepted", "declined", "revoked", "not_answered"])),
            ("stat", words(&["all", "unknown", "not_bound"])),
        ];
        let en = keys(include_str!("../locales/en/main.ftl"));
        let missing: Vec<String> = lists
            .iter()
            .flat_map(|(l, codes)| codes.iter().map(move |c| format!("c-{l}-{c}")))
            .filter(|k| !en.contains(k.as_str()))
            .collect();
        assert!(missing.is_empty(), "coded values with no label: {missing:?}");
        assert_eq!(Tr::new("fr").label("stage", "recovery_period"), "Délai de rétablissement et de réflexion");
        assert_eq!(Tr::new("en").labels("risk-to", &["person", "family"]), "Person, Family");
        assert!(Tr::new("ar").labels("risk-to", &["person", "family"]).contains("، "), "Arabic's own comma");
        assert!(Tr::new("fr").label_pair("protection-phase", "protection-measure", "during:video_testimony").contains(" : "));
        assert_eq!(Tr::new("ar").label("stage", "an_older_code"), "an_older_code", "no label: the code as it is");
        let en = Tr::new("en");
        assert_eq!(
            en.label_pair("protection-phase", "protection-measure", "during:video_testimony"),
            "During the trial: Testimony by video"
        );
    }

    #[test]
    fn alternatives_are_labelled_and_joined_with_or() {
        let fr = Tr::new("fr");
        assert_eq!(fr.alternatives("dimension", &["CD", "VD"]), "Contrainte à destination ou Abus de vulnérabilité à destination");
        assert_eq!(Tr::new("en").alternatives("dimension", &["EX"]), "Exploitative conditions");
        assert!(Tr::new("ar").alternatives("dimension", &["CD", "VD"]).contains(" أو "));
    }

    #[test]
    fn every_key_exists_in_every_language() {
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert_eq!(keys(include_str!("../locales/fr/main.ftl")), en, "French");
        assert_eq!(keys(include_str!("../locales/ar/main.ftl")), en, "Arabic");
        assert_ne!(Tr::new("ar").get("sign-in-title"), Tr::new("en").get("sign-in-title"));
        assert!(Tr::new("fr").get1("home-welcome", "name", "Amina").contains("Amina"));
    }
}
