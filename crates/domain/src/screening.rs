//! The Trafficking Protocol's definition (art. 3) as a rule: act + means + purpose, where for a
//! child (under 18, art. 3(d)) the means are not required (art. 3(c)). The screening *suggests*
//! and says why; a competent authority decides. Consent of the person is irrelevant once a means
//! was used (art. 3(b)), so it is not an input here.

use crate::values::code_list;
use std::collections::BTreeSet;

code_list! {
    /// Art. 3(a): the act.
    Act, "acts" {
        Recruitment => "recruitment",
        Transportation => "transportation",
        Transfer => "transfer",
        Harbouring => "harbouring",
        Receipt => "receipt",
    }
}

code_list! {
    /// Art. 3(a): the means.
    Means, "means" {
        ThreatOfForce => "threat_of_force",
        UseOfForce => "use_of_force",
        OtherFormsOfCoercion => "other_forms_of_coercion",
        Abduction => "abduction",
        Fraud => "fraud",
        Deception => "deception",
        AbuseOfPower => "abuse_of_power",
        AbuseOfPositionOfVulnerability => "abuse_of_position_of_vulnerability",
        PaymentsToPersonInControl => "payments_to_person_having_control",
    }
}

code_list! {
    /// Art. 3(a): the purpose of exploitation ("at a minimum": national law may add more, kept as
    /// `other` with the national provision recorded elsewhere).
    Purpose, "purposes" {
        ExploitationOfProstitutionOfOthers => "exploitation_of_prostitution_of_others",
        OtherFormsOfSexualExploitation => "other_forms_of_sexual_exploitation",
        ForcedLabourOrServices => "forced_labour_or_services",
        Slavery => "slavery",
        PracticesSimilarToSlavery => "practices_similar_to_slavery",
        Servitude => "servitude",
        RemovalOfOrgans => "removal_of_organs",
        Other => "other",
    }
}

/// What a screening found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elements {
    pub acts: BTreeSet<Act>,
    pub means: BTreeSet<Means>,
    pub purposes: BTreeSet<Purpose>,
    /// Under 18 at the time of the act.
    pub child: bool,
}

/// An element of the definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    Act,
    Means,
    Purpose,
}

/// The suggestion, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// All required elements are present: refer into the NRM as a presumed victim.
    pub elements_met: bool,
    /// Whether means were required (adults) or not (children).
    pub means_required: bool,
    /// The required elements not found.
    pub missing: Vec<Element>,
}

/// Apply art. 3 to the elements found.
pub fn suggest(e: &Elements) -> Suggestion {
    let means_required = !e.child;
    let mut missing = Vec::new();
    if e.acts.is_empty() {
        missing.push(Element::Act);
    }
    if means_required && e.means.is_empty() {
        missing.push(Element::Means);
    }
    if e.purposes.is_empty() {
        missing.push(Element::Purpose);
    }
    Suggestion { elements_met: missing.is_empty(), means_required, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_elements() -> impl Strategy<Value = Elements> {
        (
            proptest::sample::subsequence(Act::ALL.to_vec(), 0..=Act::ALL.len()),
            proptest::sample::subsequence(Means::ALL.to_vec(), 0..=Means::ALL.len()),
            proptest::sample::subsequence(Purpose::ALL.to_vec(), 0..=Purpose::ALL.len()),
            any::<bool>(),
        )
            .prop_map(|(a, m, p, child)| Elements {
                acts: a.into_iter().collect(),
                means: m.into_iter().collect(),
                purposes: p.into_iter().collect(),
                child,
            })
    }

    proptest! {
        /// The rule as the Protocol states it, written independently.
        #[test]
        fn matches_article_3(e in arb_elements()) {
            let expected = !e.acts.is_empty() && !e.purposes.is_empty() && (e.child || !e.means.is_empty());
            prop_assert_eq!(suggest(&e).elements_met, expected);
        }

        /// For a child, means never matter.
        #[test]
        fn means_are_irrelevant_for_children(mut e in arb_elements()) {
            e.child = true;
            let with = suggest(&e);
            e.means.clear();
            prop_assert_eq!(suggest(&e).elements_met, with.elements_met);
            prop_assert!(!suggest(&e).missing.contains(&Element::Means));
        }

        /// Finding more never withdraws the suggestion.
        #[test]
        fn more_elements_never_hurt(e in arb_elements(), extra in arb_elements()) {
            let mut more = e.clone();
            more.acts.extend(extra.acts);
            more.means.extend(extra.means);
            more.purposes.extend(extra.purposes);
            if suggest(&e).elements_met {
                prop_assert!(suggest(&more).elements_met);
            }
        }
    }

    #[test]
    fn the_reasons_name_what_is_missing() {
        let adult = Elements { acts: [Act::Recruitment].into(), purposes: [Purpose::ForcedLabourOrServices].into(), ..Default::default() };
        assert_eq!(suggest(&adult).missing, vec![Element::Means]);
        let child = Elements { child: true, ..adult };
        assert!(suggest(&child).elements_met);
        assert!(!suggest(&child).means_required);
    }
}
