//! Organisations: the HTCDS `org_Type` of an organisation and the sector it works in.

use crate::values::{ValidationError, code_list};

code_list! {
    /// HTCDS v2.0 `org_Type` (IOM Human Trafficking Case Data Standard).
    OrgType, "org_type" {
        Ngo => "NGO",
        LawEnforcement => "LawEnforcement",
        HealthServiceOrganisation => "HealthServiceOrganisation",
        CentralGovernmentOrganisation => "CentralGovernmentOrganisation",
        LocalGovernmentOrganisation => "LocalGovernmentOrganisation",
        ImmigrationService => "ImmigrationService",
        LegalService => "LegalService",
        CorporateBusiness => "CorporateBusiness",
        SchoolOrCollege => "SchoolOrCollege",
    }
}

code_list! {
    /// The sector an organisation works in within the national anti-trafficking system.
    Sector, "sector" {
        Police => "police",
        Prosecution => "prosecution",
        Judiciary => "judiciary",
        LabourInspection => "labour_inspection",
        Immigration => "immigration",
        SocialServices => "social_services",
        Health => "health",
        Shelter => "shelter",
        LegalAid => "legal_aid",
        NgoOutreach => "ngo_outreach",
        InternationalOrganisation => "international_organisation",
        NationalCoordination => "national_coordination",
    }
}

/// A region of the country, as a short code (`north`, `capital-district`). The list of regions
/// is the deployment's own; the code only has to be well-formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let ok = !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                field,
                "a region code of 1 to 40 characters: lower-case letters a-z, digits and '-' (for example north or capital-district)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
