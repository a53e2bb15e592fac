//! The jurisdiction's NRM clocks and calendar: first from the configuration file, then as the
//! operator's administrator sets them on the jurisdiction page (stored in the database, audited).
//! A value saved on the page wins over the file from then on; every instance serving the same
//! database picks a change up within [`REFRESH`] (the instance that saved it at once).

use crate::admin::Caller;
use crate::config::JurisdictionConfig;
use crate::{Palermo, RequestMeta, Result, ServiceError};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::deadline::Rules;
use palermo_domain::policy::{Action, authorize};
use palermo_domain::values::ValidationError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The instance setting that holds the page's values (JSON).
const SETTING: &str = "jurisdiction";

/// How often a serving instance re-reads the saved settings (for instances sharing PostgreSQL).
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// The settings in force and the rules built from them.
#[derive(Debug, Clone)]
pub struct Jurisdiction {
    pub settings: JurisdictionConfig,
    pub rules: Arc<Rules>,
    /// `file` (the configuration) or `page` (saved by an administrator).
    pub source: &'static str,
    pub saved: Option<Saved>,
}

/// Who saved the page's values, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub at: String,
    pub by: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    settings: JurisdictionConfig,
    saved: Saved,
}

/// What the jurisdiction page and `GET /api/v1/jurisdiction` show.
#[derive(Debug, Clone, Serialize)]
pub struct JurisdictionView {
    pub settings: JurisdictionConfig,
    pub source: &'static str,
    pub saved: Option<Saved>,
    pub can_edit: bool,
    /// The jurisdiction's date today and the instant it was read (UTC).
    pub today: String,
    pub now_utc: String,
}

/// The form's (and the API's) values, as typed. Lists are comma- or line-separated.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JurisdictionInput {
    pub name: String,
    pub time_zone: String,
    pub rg_target_working_days: String,
    pub min_recovery_days: String,
    pub earliest_cg_days_after_rg: String,
    pub cg_target_days_after_rg: String,
    pub reconsideration_window_days: String,
    pub reconsideration_target_working_days: String,
    pub weekend: String,
    pub holidays: String,
    pub break_glass_minutes: String,
    pub step_up_minutes: String,
    pub urgent_referral_hours: String,
    pub permit_expiry_alert_days: String,
    /// `true` or `false`.
    pub support_plan_approval: String,
}

impl JurisdictionInput {
    pub fn from_settings(j: &JurisdictionConfig) -> Self {
        Self {
            name: j.name.clone(),
            time_zone: j.time_zone.clone(),
            rg_target_working_days: j.rg_target_working_days.to_string(),
            min_recovery_days: j.min_recovery_days.to_string(),
            earliest_cg_days_after_rg: j.earliest_cg_days_after_rg.to_string(),
            cg_target_days_after_rg: j.cg_target_days_after_rg.to_string(),
            reconsideration_window_days: j.reconsideration_window_days.to_string(),
            reconsideration_target_working_days: j.reconsideration_target_working_days.to_string(),
            weekend: j.weekend.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
            holidays: j.holidays.join("\n"),
            break_glass_minutes: j.break_glass_minutes.to_string(),
            step_up_minutes: j.step_up_minutes.to_string(),
            urgent_referral_hours: j.urgent_referral_hours.to_string(),
            permit_expiry_alert_days: j.permit_expiry_alert_days.to_string(),
            support_plan_approval: j.support_plan_approval.to_string(),
        }
    }

    /// The settings, or every field that is wrong (each named, with what it accepts).
    pub fn parse(&self) -> std::result::Result<JurisdictionConfig, Vec<ValidationError>> {
        let mut errs = Vec::new();
        fn number<T: std::str::FromStr + Default>(field: &'static str, s: &str, what: &str, errs: &mut Vec<ValidationError>) -> T {
            s.trim().parse().unwrap_or_else(|_| {
                errs.push(ValidationError::new(field, format!("a whole number of {what}")));
                T::default()
            })
        }
        let items =
            |s: &str| -> Vec<String> { s.split([',', '\n', ';']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect() };
        let weekend = items(&self.weekend)
            .iter()
            .filter_map(|d| match d.parse::<u8>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.push(ValidationError::new("weekend", "day numbers from 1 (Monday) to 7 (Sunday), separated by commas"));
                    None
                }
            })
            .collect();
        let j = JurisdictionConfig {
            name: self.name.trim().to_owned(),
            time_zone: self.time_zone.trim().to_owned(),
            rg_target_working_days: number("rg_target_working_days", &self.rg_target_working_days, "working days", &mut errs),
            min_recovery_days: number("min_recovery_days", &self.min_recovery_days, "days", &mut errs),
            earliest_cg_days_after_rg: number("earliest_cg_days_after_rg", &self.earliest_cg_days_after_rg, "days", &mut errs),
            cg_target_days_after_rg: number("cg_target_days_after_rg", &self.cg_target_days_after_rg, "days", &mut errs),
            reconsideration_window_days: number("reconsideration_window_days", &self.reconsideration_window_days, "days", &mut errs),
            reconsideration_target_working_days: number(
                "reconsideration_target_working_days",
                &self.reconsideration_target_working_days,
                "working days",
                &mut errs,
            ),
            weekend,
            holidays: items(&self.holidays),
            break_glass_minutes: number("break_glass_minutes", &self.break_glass_minutes, "minutes", &mut errs),
            step_up_minutes: number("step_up_minutes", &self.step_up_minutes, "minutes", &mut errs),
            urgent_referral_hours: number("urgent_referral_hours", &self.urgent_referral_hours, "hours", &mut errs),
            permit_expiry_alert_days: number("permit_expiry_alert_days", &self.permit_expiry_alert_days, "days", &mut errs),
            support_plan_approval: match self.support_plan_approval.trim() {
                "true" => true,
                "false" => false,
                _ => {
                    errs.push(ValidationError::new("support_plan_approval", "true or false"));
                    true
                }
            },
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        // The same checks as the configuration file, reported against the form's field.
        match j.rules() {
            Ok(_) => Ok(j),
            Err(e) => {
                let key = e.key.strip_prefix("jurisdiction.").unwrap_or(&e.key);
                let field = FIELDS.iter().copied().find(|f| *f == key).unwrap_or("jurisdiction");
                Err(vec![ValidationError::new(field, e.message)])
            }
        }
    }
}

/// The form's fields, in the order of the page.
pub const FIELDS: &[&str] = &[
    "name",
    "time_zone",
    "rg_target_working_days",
    "min_recovery_days",
    "earliest_cg_days_after_rg",
    "cg_target_days_after_rg",
    "reconsideration_window_days",
    "reconsideration_target_working_days",
    "weekend",
    "holidays",
    "break_glass_minutes",
    "step_up_minutes",
    "urgent_referral_hours",
    "permit_expiry_alert_days",
    "support_plan_approval",
];

impl Jurisdiction {
    /// The configuration file's settings (already checked when the configuration was loaded).
    pub(crate) fn from_file(settings: &JurisdictionConfig) -> std::result::Result<Self, ServiceError> {
        let rules = settings.rules().map_err(|e| ServiceError::Setup(e.to_string()))?;
        Ok(Self { settings: settings.clone(), rules: Arc::new(rules), source: "file", saved: None })
    }

    fn from_stored(json: &str) -> Option<Self> {
        let s: Stored = serde_json::from_str(json).ok()?;
        let rules = s.settings.rules().ok()?;
        Some(Self { settings: s.settings, rules: Arc::new(rules), source: "page", saved: Some(s.saved) })
    }
}

impl Palermo {
    /// The settings in force (cheap: a clone of what is in memory).
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction.read().map(|j| j.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn set_jurisdiction(&self, j: Jurisdiction) {
        match self.jurisdiction.write() {
            Ok(mut w) => *w = j,
            Err(p) => *p.into_inner() = j,
        }
    }

    /// Load the settings saved on the page, if any (at start-up, and every [`REFRESH`] while
    /// serving). A saved value that no longer passes the checks is ignored with a warning and
    /// the file's settings stay in force.
    pub async fn refresh_jurisdiction(&self) -> Result<()> {
        let Some(json) = self.store.get_setting(SETTING).await? else { return Ok(()) };
        match Jurisdiction::from_stored(&json) {
            Some(j) => self.set_jurisdiction(j),
            None => {
                tracing::warn!("the jurisdiction settings saved in the database do not pass the checks; the configuration file's are used")
            }
        }
        Ok(())
    }

    pub fn jurisdiction_view(&self, caller: &Caller) -> Result<JurisdictionView> {
        let actor = Self::user_of(caller)?;
        let j = self.jurisdiction();
        let now = self.now();
        Ok(JurisdictionView {
            today: j.rules.local_date(now).to_string(),
            now_utc: now.to_string(),
            settings: j.settings,
            source: j.source,
            saved: j.saved,
            can_edit: authorize(actor, Action::ConfigureJurisdiction).is_ok(),
        })
    }

    /// Save new settings (operator's administrators only). Deadlines already computed for cases
    /// stay; each case's next step is counted under the new settings.
    pub async fn update_jurisdiction(&self, caller: &Caller, input: &JurisdictionInput, meta: &RequestMeta) -> Result<()> {
        let actor = Self::user_of(caller)?;
        if let Err(why) = authorize(actor, Action::ConfigureJurisdiction) {
            return Err(self.denied(actor, meta, Action::ConfigureJurisdiction.code(), None, why).await);
        }
        let settings = input.parse().map_err(ServiceError::Invalid)?;
        let rules = settings.rules().map_err(|e| ServiceError::Internal(e.to_string()))?;
        let by = self.store.get_user(actor.user_id).await?.map(|u| u.username).unwrap_or_default();
        let saved = Saved { at: self.now().to_string(), by };
        let stored = Stored { settings: settings.clone(), saved: saved.clone() };
        let json = serde_json::to_string(&stored).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let ev =
            self.event(Some(actor), meta, Action::ConfigureJurisdiction.code(), Some(("jurisdiction", SETTING.into())), AuditOutcome::Ok);
        self.store.put_setting(SETTING, &json, &[ev]).await?;
        self.set_jurisdiction(Jurisdiction { settings, rules: Arc::new(rules), source: "page", saved: Some(saved) });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_the_defaults() {
        let d = JurisdictionConfig::default();
        let back = JurisdictionInput::from_settings(&d).parse().unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&d).unwrap());
    }

    #[test]
    fn every_wrong_field_is_named() {
        let mut i = JurisdictionInput::from_settings(&JurisdictionConfig::default());
        i.rg_target_working_days = "five".into();
        i.weekend = "6, Sunday".into();
        let errs = i.parse().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["weekend", "rg_target_working_days"]);

        let mut i = JurisdictionInput::from_settings(&JurisdictionConfig::default());
        i.time_zone = "Mars/Olympus".into();
        assert_eq!(i.parse().unwrap_err()[0].field, "time_zone");
        i.time_zone = "Europe/Paris".into();
        i.holidays = "2026-12-25\n2026-13-01".into();
        let e = &i.parse().unwrap_err()[0];
        assert_eq!(e.field, "holidays");
        assert!(e.expected.contains("2026-13-01"), "{}", e.expected);
        i.holidays = "2026-12-25".into();
        i.break_glass_minutes = "90".into();
        assert_eq!(i.parse().unwrap_err()[0].field, "break_glass_minutes");
    }
}
