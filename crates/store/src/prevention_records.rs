//! Prevention and capacity records (issue 6): campaigns, trainings, budgets, treaty status.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

stored_record! {
    /// An awareness, education or demand-reduction campaign.
    CampaignRecord, "campaigns" {
        id: Uuid,
        org_id: Uuid,
        title: String,
        kind: String,
        /// Comma-separated codes.
        channels: String,
        audience: String,
        regions: String,
        starts_on: Date,
        ends_on: Option<Date>,
        reach: Option<i64>,
        cost_minor: Option<i64>,
        currency: Option<String>,
        partners: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A training of officials, with participants by sex.
    TrainingRecord, "trainings" {
        id: Uuid,
        org_id: Uuid,
        topic: String,
        audience: String,
        held_on: Date,
        participants_female: i64,
        participants_male: i64,
        participants_other: i64,
        organiser: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// A budget line: programme area, fiscal year, allocated and spent (minor units), funder.
    BudgetRecord, "budgets" {
        id: Uuid,
        org_id: Uuid,
        programme_area: String,
        fiscal_year: i64,
        allocated_minor: i64,
        spent_minor: i64,
        currency: String,
        funder: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// One state's status for one instrument, as imported, with its source and as-of date.
    TreatyStatusRecord, "treaty_status" {
        id: Uuid,
        country: String,
        iso3: String,
        instrument: String,
        signature_date: Option<Date>,
        consent_date: Option<Date>,
        consent_type: Option<String>,
        source: String,
        as_of: Date,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// The differential-privacy budget ε of one series of releases, in millionths.
    DpBudgetRecord, "dp_budgets" {
        id: Uuid,
        series: String,
        epsilon_budget_micro: i64,
        set_by: Uuid,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

stored_record! {
    /// One differentially private release: ε (millionths), δ, what, when, by whom.
    DpReleaseRecord, "dp_releases" {
        id: Uuid,
        series: String,
        epsilon_micro: i64,
        delta: String,
        what: String,
        released_by: Uuid,
        released_at: OffsetDateTime,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        version: i64,
    }
}

#[derive(Debug, Clone)]
pub enum PreventionRecord {
    Campaign(CampaignRecord),
    Training(TrainingRecord),
    Budget(BudgetRecord),
    Treaty(TreatyStatusRecord),
}
