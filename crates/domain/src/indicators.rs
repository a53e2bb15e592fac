//! The ILO/EC operational indicators of trafficking (2009) and their decision rule.
//!
//! The lists are data: `data/ilo-indicators-2009.toml` in the repository, parsed here. There are
//! four lists (adults and children × labour and sexual exploitation), each organised in the six
//! dimensions of the definition, each indicator weighted strong, medium or weak. The rule turns
//! the indicators found into a *suggestion* with its reasons; it never decides.

use crate::values::{ValidationError, code_list};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The catalogue shipped with Palermo (the file is compiled in; a jurisdiction may load its own).
pub const BUILTIN: &str = include_str!("../../../data/ilo-indicators-2009.toml");

code_list! {
    /// The six dimensions of the definition used by the ILO/EC lists.
    Dimension, "dimension" {
        DeceptiveRecruitment => "DR",
        CoerciveRecruitment => "CR",
        RecruitmentByAbuseOfVulnerability => "VR",
        ExploitativeConditions => "EX",
        CoercionAtDestination => "CD",
        AbuseOfVulnerabilityAtDestination => "VD",
    }
}

code_list! {
    Weight, "weight" {
        Strong => "strong",
        Medium => "medium",
        Weak => "weak",
    }
}

code_list! {
    /// Which list applies: the person's age at the time of the facts.
    Population, "population" {
        Adult => "adult",
        Child => "child",
    }
}

code_list! {
    /// The form of exploitation the list is written for.
    ExploitationForm, "exploitation_form" {
        Labour => "labour",
        Sexual => "sexual",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// `DR.01` … unique within its list.
    pub code: String,
    pub dimension: Dimension,
    pub text: String,
    pub weight: Weight,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorList {
    pub id: String,
    pub population: Population,
    pub form: ExploitationForm,
    /// `verified` (checked against the primary source), `secondary` or `provisional`.
    pub status: String,
    pub indicators: Vec<Indicator>,
}

impl IndicatorList {
    pub fn is_verified(&self) -> bool {
        self.status == "verified"
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub version: String,
    pub source: String,
    pub rule_status: String,
    pub dimension_names: Vec<(Dimension, String)>,
    pub lists: Vec<IndicatorList>,
}

#[derive(Deserialize)]
struct FileCatalogue {
    version: String,
    source: String,
    rule: FileRule,
    dimension: Vec<FileDimension>,
    list: Vec<FileList>,
}
#[derive(Deserialize)]
struct FileRule {
    status: String,
}
#[derive(Deserialize)]
struct FileDimension {
    code: String,
    name: String,
}
#[derive(Deserialize)]
struct FileList {
    id: String,
    population: String,
    form: String,
    status: String,
    indicator: Vec<FileIndicator>,
}
#[derive(Deserialize)]
struct FileIndicator {
    code: String,
    text: String,
    weight: String,
}

/// A catalogue file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("indicator catalogue: {0}")]
pub struct CatalogueError(pub String);

impl Catalogue {
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::parse(BUILTIN)
    }

    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let f: FileCatalogue = toml::from_str(text).map_err(|e| CatalogueError(e.to_string()))?;
        let mut dimension_names = Vec::new();
        for d in f.dimension {
            let dim = Dimension::parse(&d.code).map_err(|e| CatalogueError(e.to_string()))?;
            dimension_names.push((dim, d.name));
        }
        let mut lists = Vec::new();
        for l in f.list {
            let population = Population::parse(&l.population).map_err(|e| CatalogueError(format!("list {}: {e}", l.id)))?;
            let form = ExploitationForm::parse(&l.form).map_err(|e| CatalogueError(format!("list {}: {e}", l.id)))?;
            let mut seen = BTreeSet::new();
            let mut indicators = Vec::new();
            for i in l.indicator {
                let prefix = i.code.split('.').next().unwrap_or_default();
                let dimension = Dimension::parse(prefix).map_err(|e| CatalogueError(format!("list {} indicator {}: {e}", l.id, i.code)))?;
                let weight = Weight::parse(&i.weight).map_err(|e| CatalogueError(format!("list {} indicator {}: {e}", l.id, i.code)))?;
                if !seen.insert(i.code.clone()) {
                    return Err(CatalogueError(format!("list {}: indicator {} appears twice", l.id, i.code)));
                }
                indicators.push(Indicator { code: i.code, dimension, text: i.text, weight });
            }
            if lists.iter().any(|x: &IndicatorList| x.population == population && x.form == form) {
                return Err(CatalogueError(format!("two lists for {population} / {form}")));
            }
            lists.push(IndicatorList { id: l.id, population, form, status: l.status, indicators });
        }
        Ok(Catalogue { version: f.version, source: f.source, rule_status: f.rule.status, dimension_names, lists })
    }

    pub fn list(&self, population: Population, form: ExploitationForm) -> Option<&IndicatorList> {
        self.lists.iter().find(|l| l.population == population && l.form == form)
    }

    pub fn dimension_name(&self, d: Dimension) -> &str {
        self.dimension_names.iter().find(|(x, _)| *x == d).map(|(_, n)| n.as_str()).unwrap_or(d.code())
    }
}

/// The ILO rule for one dimension: at least 2 strong; or 1 strong + 1 medium or weak; or
/// 3 medium; or 2 medium + 1 weak. Weak indicators alone never make a dimension positive.
pub fn dimension_positive(strong: usize, medium: usize, weak: usize) -> bool {
    strong >= 2 || (strong >= 1 && medium + weak >= 1) || medium >= 3 || (medium >= 2 && weak >= 1)
}

/// One dimension's tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionResult {
    pub dimension: Dimension,
    pub strong: usize,
    pub medium: usize,
    pub weak: usize,
    pub positive: bool,
}

/// The indicators' suggestion and its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub list_id: String,
    pub population: Population,
    pub dimensions: Vec<DimensionResult>,
    /// The decision rule is met: refer as a possible victim.
    pub suggests_victim: bool,
    /// Which parts of the rule are not met: each a group of dimensions any one of which would
    /// meet it (`[DR, CR, VR]`: deceptive or coercive recruitment or recruitment by abuse of
    /// vulnerability).
    pub missing: Vec<Vec<Dimension>>,
}

impl Assessment {
    pub fn positive(&self, d: Dimension) -> bool {
        self.dimensions.iter().any(|r| r.dimension == d && r.positive)
    }
}

/// Tally the indicators found (codes of `list`) and apply the rule. An unknown code is a
/// validation error naming it.
pub fn assess(list: &IndicatorList, found: &BTreeSet<String>) -> Result<Assessment, ValidationError> {
    for code in found {
        if list.indicator(code).is_none() {
            return Err(ValidationError::new("indicators", format!("codes of the {} list; {code} is not one of them", list.id)));
        }
    }
    let dimensions: Vec<DimensionResult> = Dimension::ALL
        .iter()
        .map(|&d| {
            let count = |w: Weight| list.indicators.iter().filter(|i| i.dimension == d && i.weight == w && found.contains(&i.code)).count();
            let (strong, medium, weak) = (count(Weight::Strong), count(Weight::Medium), count(Weight::Weak));
            DimensionResult { dimension: d, strong, medium, weak, positive: dimension_positive(strong, medium, weak) }
        })
        .collect();
    let pos = |d: Dimension| dimensions.iter().any(|r| r.dimension == d && r.positive);
    use Dimension::*;
    let mut missing = Vec::new();
    if !pos(ExploitativeConditions) {
        missing.push(vec![ExploitativeConditions]);
    }
    if list.population == Population::Adult {
        if !(pos(DeceptiveRecruitment) || pos(CoerciveRecruitment) || pos(RecruitmentByAbuseOfVulnerability)) {
            missing.push(vec![DeceptiveRecruitment, CoerciveRecruitment, RecruitmentByAbuseOfVulnerability]);
        }
        if !(pos(CoercionAtDestination) || pos(AbuseOfVulnerabilityAtDestination)) {
            missing.push(vec![CoercionAtDestination, AbuseOfVulnerabilityAtDestination]);
        }
    }
    Ok(Assessment { list_id: list.id.clone(), population: list.population, suggests_victim: missing.is_empty(), dimensions, missing })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn catalogue() -> Catalogue {
        Catalogue::builtin().expect("the shipped catalogue parses")
    }

    #[test]
    fn the_shipped_catalogue_has_four_lists() {
        let c = catalogue();
        assert_eq!(c.lists.len(), 4);
        for p in Population::ALL {
            for f in ExploitationForm::ALL {
                assert!(c.list(*p, *f).is_some(), "{p} {f}");
            }
        }
        let al = c.list(Population::Adult, ExploitationForm::Labour).expect("adult labour");
        // The ILO's adult-labour counts per dimension: 10 / 10 / 16 / 9 / 15 / 7.
        let per: Vec<usize> = Dimension::ALL.iter().map(|d| al.indicators.iter().filter(|i| i.dimension == *d).count()).collect();
        assert_eq!(per, vec![10, 10, 16, 9, 15, 7]);
        // The children's labour list has no weak tier.
        let cl = c.list(Population::Child, ExploitationForm::Labour).expect("child labour");
        assert!(cl.indicators.iter().all(|i| i.weight != Weight::Weak));
        // Where the lists differ: forced tasks or clients.
        let cs = c.list(Population::Child, ExploitationForm::Sexual).expect("child sexual");
        assert_eq!(al.indicator("CD.06").map(|i| i.weight), Some(Weight::Medium));
        assert_eq!(cs.indicator("CD.06").map(|i| i.weight), Some(Weight::Strong));
        assert!(!cs.is_verified());
    }

    #[test]
    fn bad_catalogues_are_refused_with_the_place() {
        let dup = BUILTIN.replacen("code = \"DR.02\"", "code = \"DR.01\"", 1);
        assert!(Catalogue::parse(&dup).err().is_some_and(|e| e.0.contains("DR.01 appears twice")));
        let bad = BUILTIN.replacen("weight = \"strong\"", "weight = \"very\"", 1);
        assert!(Catalogue::parse(&bad).err().is_some_and(|e| e.0.contains("weight")));
    }

    #[test]
    fn a_typical_adult_labour_case() {
        let c = catalogue();
        let al = c.list(Population::Adult, ExploitationForm::Labour).expect("list");
        // Deceived about the job (S) + wages (M); excessive hours (S) + low salary (M);
        // documents confiscated (S) + isolation (S).
        let found: BTreeSet<String> = ["DR.01", "DR.08", "EX.01", "EX.04", "CD.01", "CD.03"].map(String::from).into();
        let a = assess(al, &found).expect("valid codes");
        assert!(a.suggests_victim);
        // Without coercion at destination the rule is not met, and the reason says so.
        let fewer: BTreeSet<String> = ["DR.01", "DR.08", "EX.01", "EX.04"].map(String::from).into();
        let a = assess(al, &fewer).expect("valid codes");
        assert!(!a.suggests_victim);
        assert_eq!(a.missing, vec![vec![Dimension::CoercionAtDestination, Dimension::AbuseOfVulnerabilityAtDestination]]);
        let unknown: BTreeSet<String> = ["XX.01".to_owned()].into();
        assert_eq!(assess(al, &unknown).err().map(|e| e.field), Some("indicators"));
    }

    proptest! {
        /// The dimension rule, stated independently: some combination of the listed minimums fits.
        #[test]
        fn dimension_rule_matches_the_ilo_wording(s in 0usize..4, m in 0usize..4, w in 0usize..4) {
            let minimums = [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1)];
            let expected = minimums.iter().any(|&(ms, mm, mw)| s >= ms && m >= mm && w >= mw);
            prop_assert_eq!(dimension_positive(s, m, w), expected);
            if s == 0 && m == 0 {
                prop_assert!(!dimension_positive(s, m, w), "weak alone is never enough");
            }
        }

        /// Finding more indicators never withdraws a suggestion; for a child, the recruitment and
        /// destination-coercion dimensions are not required.
        #[test]
        fn more_never_hurts(list_ix in 0usize..4, picks in proptest::collection::vec(0usize..70, 0..25), extra in proptest::collection::vec(0usize..70, 0..10)) {
            let c = catalogue();
            let list = &c.lists[list_ix];
            let codes = |ix: &[usize]| -> BTreeSet<String> { ix.iter().filter_map(|i| list.indicators.get(*i)).map(|i| i.code.clone()).collect() };
            let a = assess(list, &codes(&picks)).expect("valid");
            let mut more = picks.clone();
            more.extend(extra);
            let b = assess(list, &codes(&more)).expect("valid");
            if a.suggests_victim { prop_assert!(b.suggests_victim); }
            if list.population == Population::Child {
                prop_assert_eq!(a.suggests_victim, a.positive(Dimension::ExploitativeConditions));
            }
        }
    }
}
