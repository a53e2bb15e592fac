//! Consent: per purpose and recipient, given, refused or withdrawn, with how it was expressed.
//! The person's consent is irrelevant to *whether* they were trafficked (Protocol art. 3(b)); it
//! governs what may be done with their data and whom it reaches. For a child, protection and
//! assistance do not wait for consent; the child's and the guardian's views are recorded.

use crate::values::code_list;

code_list! {
    /// What a consent is for.
    ConsentPurpose, "purpose" {
        Assistance => "assistance",
        Referral => "referral",
        LawEnforcement => "law_enforcement",
        Statistics => "statistics",
        InternationalExchange => "international_exchange",
    }
}

code_list! {
    ConsentStatus, "status" {
        Given => "given",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
}

code_list! {
    ConsentForm, "form" {
        Written => "written",
        Oral => "oral",
    }
}

code_list! {
    /// Who expressed the consent (for a child: the child's and the guardian's views are both
    /// recorded; protection and assistance do not wait for them).
    ConsentGivenBy, "given_by" {
        Person => "person",
        Guardian => "guardian",
        PersonAndGuardian => "person_and_guardian",
    }
}

code_list! {
    /// The HTCDS consent guidance (after the IOM screening form): what the person was told.
    ChecklistItem, "checklist" {
        ConsentToInterview => "consent_to_interview",
        InformedOfPurpose => "informed_of_purpose",
        InformedOfDataUse => "informed_of_data_use",
        InformedOfResearchUse => "informed_of_research_use",
        InformedOfRightToAccess => "informed_of_right_to_access",
        InformedOfRetention => "informed_of_retention",
        InformedOfWithdrawal => "informed_of_withdrawal",
    }
}
