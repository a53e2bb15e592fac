//! Prevention and capacity (resolution 58/137 ¶2, ¶5(b), ¶10, ¶12, ¶13): awareness, education
//! and demand-reduction campaigns, trainings of officials, budgets by programme area, and the
//! state's treaty status. No international standard was found for campaign records; these code
//! lists are Palermo's own.

use crate::values::code_list;

code_list! {
    CampaignKind, "kind" {
        Information => "information",
        Education => "education",
        DemandReduction => "demand_reduction",
    }
}

code_list! {
    CampaignChannel, "channels" {
        Television => "television",
        Radio => "radio",
        Print => "print",
        Online => "online",
        SocialMedia => "social_media",
        Outreach => "outreach",
        Schools => "schools",
        Hotline => "hotline",
        Other => "other",
    }
}

code_list! {
    CampaignAudience, "audience" {
        GeneralPublic => "general_public",
        ChildrenAndYouth => "children_and_youth",
        Migrants => "migrants",
        Workers => "workers",
        Employers => "employers",
        BuyersOfServices => "buyers_of_services",
        Professionals => "professionals",
    }
}

code_list! {
    /// Who a training is for (¶12: criminal-justice and other officials).
    Profession, "audience" {
        Police => "police",
        Prosecutors => "prosecutors",
        Judges => "judges",
        LabourInspectors => "labour_inspectors",
        BorderGuards => "border_guards",
        SocialWorkers => "social_workers",
        HealthWorkers => "health_workers",
        Other => "other",
    }
}

code_list! {
    ProgrammeArea, "programme_area" {
        VictimServices => "victim_services",
        Prevention => "prevention",
        LawEnforcement => "law_enforcement",
        Coordination => "coordination",
        CapacityBuilding => "capacity_building",
    }
}

code_list! {
    /// The instruments whose status the report shows: the Convention, the Trafficking Protocol,
    /// and the Optional Protocol to the CRC on the sale of children (UNTC XVIII-12, XVIII-12-a, IV-11-c).
    Instrument, "instrument" {
        Untoc => "UNTOC",
        TipProtocol => "TIP_PROTOCOL",
        CrcOpsc => "CRC_OPSC",
    }
}

code_list! {
    /// How a state consented to be bound (UNTC suffixes: none, a, A, AA, d).
    ConsentType, "consent_type" {
        Ratification => "ratification",
        Accession => "accession",
        Acceptance => "acceptance",
        Approval => "approval",
        Succession => "succession",
    }
}

/// Budget execution in per mille of the allocation (spent / allocated), `None` when nothing was allocated.
pub fn execution_per_mille(allocated_minor: i64, spent_minor: i64) -> Option<i64> {
    if allocated_minor <= 0 {
        return None;
    }
    Some(((i128::from(spent_minor) * 1000) / i128::from(allocated_minor)).clamp(0, i128::from(i64::MAX)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution() {
        assert_eq!(execution_per_mille(200_000, 150_000), Some(750));
        assert_eq!(execution_per_mille(0, 10), None);
        assert_eq!(execution_per_mille(i64::MAX, i64::MAX), Some(1000));
        assert_eq!(Instrument::parse("TIP_PROTOCOL").unwrap(), Instrument::TipProtocol);
    }
}
