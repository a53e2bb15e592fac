//! The year's cases, released once. Every table Palermo publishes about the victims detected in a
//! year counts the same people: the GLOTIP tables by form, citizenship and country of exploitation
//! and the SDG 16.2.2 observations (the cases: referrals and anonymous notifications), the
//! dashboard's cases per month, and the referrals' tables (the report's ¶8 sex × reasonable-grounds
//! decision and the waiting times' counts per sex, age group and nationality — a subset of the
//! same cases). Each of the three releases is safe on its own ([`crate::glotip::joint_victims_release`],
//! [`crate::statistics::joint_referral_release`], the gate); side by side, the year's cases minus
//! the year's referrals would publish the anonymous notifications by subtraction, and a
//! nationality's cases minus its referrals the notifications of that nationality, whatever their
//! size. [`release_cases`] checks all of them together.
//!
//! The check is [`palermo_stats::joint::protect_given`] over glued blocks of atoms: a hub of the
//! dimensions the releases share (sex × age group × nationality × referral or notification), and
//! one block per release for its own dimension (form of exploitation, country of exploitation,
//! month, reasonable-grounds decision), tied to the hub by its totals. The hidden figures it must
//! keep hidden are every figure the releases hide and, besides, the counts of referrals and of
//! notifications by the classes the releases use (all, sex, age group, GLOTIP group, nationality,
//! nationality × group) that are small: none of them is published, and none may follow from what
//! is.

use crate::glotip::{
    GROUPS, VICTIM_FORMS, VictimsRelease, age_index, citizenship, group_cells, joint_victims_release, sex_index, victim_form,
};
use crate::report::SEX_ROWS;
use crate::statistics::{ReferralRelease, SDG_SERIES, joint_referral_release};
use crate::{Palermo, Result, ServiceError};
use palermo_stats::{Cell, Policy, Released, Suppressed, Table};

/// Cases by (sex, age group, nationality, country of exploitation, cases).
pub type Place = (String, String, String, String, i64);

/// What the year's releases are made of, as read from the store.
#[derive(Debug, Clone, Default)]
pub struct CaseCounts {
    /// (sex, age group, form of exploitation, cases): [`palermo_store::Store::victims_by_day`] summed over the days.
    pub by_form: Vec<(String, String, String, i64)>,
    /// (sex, age group, nationality, country of exploitation, cases).
    pub by_place: Vec<Place>,
    /// Cases per month, January first.
    pub months: [u64; 12],
    /// (sex, age group, nationality, referrals, of them with a positive reasonable-grounds decision).
    pub referrals: Vec<(String, String, String, i64, i64)>,
}

/// The year's cases as published everywhere.
#[derive(Debug, Clone)]
pub struct CasesRelease {
    /// The GLOTIP victims tables and the SDG 16.2.2 observations.
    pub victims: VictimsRelease,
    /// The cases per month (one row, twelve columns).
    pub by_month: Released,
    /// The ¶8 table and the waiting times' referral counts.
    pub referrals: ReferralRelease,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The victims tables by form, citizenship and country of exploitation (× group) and the finest
/// cells of the SDG observations (form × sex × age), released together.
fn victims_tables(c: &CaseCounts, year: i32, policy: &Policy) -> Result<VictimsRelease> {
    let groups: Vec<String> = GROUPS.iter().map(|g| (*g).to_owned()).collect();
    let mut forms = vec![vec![0u64; GROUPS.len()]; VICTIM_FORMS.len()];
    let mut atoms = vec![0u64; 27];
    for (sex, age, form, n) in &c.by_form {
        let (f, s, a) = (victim_form(form), sex_index(sex), age_index(age));
        forms[f][crate::glotip::group_of(sex, age)] += count(*n);
        atoms[f * 9 + s * 3 + a] += count(*n);
    }
    let by_label = |place: &dyn Fn(&Place) -> String| {
        crate::glotip::by_label(c.by_place.iter().map(|r| (place(r), crate::glotip::group_of(&r.0, &r.1), count(r.4))))
    };
    let (cit_labels, cit_cells) = by_label(&|r| citizenship(&r.2));
    let (where_labels, where_cells) = by_label(&|r| citizenship(&r.3));
    let tables = [
        Table {
            title: format!("Victims detected by form of exploitation, {year}"),
            row_labels: VICTIM_FORMS.iter().map(|f| (*f).to_owned()).collect(),
            col_labels: groups.clone(),
            cells: forms,
        },
        Table {
            title: format!("Victims detected by citizenship, {year}"),
            row_labels: cit_labels,
            col_labels: groups.clone(),
            cells: cit_cells,
        },
        Table {
            title: format!("Victims detected by country of exploitation, {year}"),
            row_labels: where_labels,
            col_labels: groups,
            cells: where_cells,
        },
    ];
    joint_victims_release(&tables, &atoms, policy)
}

/// The glued blocks of atoms (see the module's doc): where each block starts and how big it is.
struct Layout {
    nationalities: Vec<String>,
    countries: Vec<String>,
}

impl Layout {
    const FORMS: usize = 3;

    fn n(&self) -> usize {
        self.nationalities.len()
    }
    /// Hub: sex × age × nationality × (0 referral, 1 notification).
    fn hub(&self, s: usize, a: usize, k: usize, kind: usize) -> usize {
        ((s * 3 + a) * self.n() + k) * 2 + kind
    }
    fn form(&self, f: usize, s: usize, a: usize) -> usize {
        18 * self.n() + f * 9 + s * 3 + a
    }
    fn country(&self, c: usize, s: usize, a: usize) -> usize {
        18 * self.n() + 9 * Self::FORMS + c * 9 + s * 3 + a
    }
    fn month(&self, m: usize) -> usize {
        18 * self.n() + 9 * Self::FORMS + 9 * self.countries.len() + m
    }
    /// Referrals by sex × (0 positive, 1 not positive) reasonable-grounds decision.
    fn decision(&self, s: usize, r: usize) -> usize {
        self.month(12) + s * 2 + r
    }
    fn atoms(&self) -> usize {
        self.decision(3, 0)
    }
    fn nationality(&self, label: &str) -> usize {
        self.nationalities.iter().position(|n| n == label).unwrap_or(0)
    }
    /// The hub's atoms of (sex, age) cells `cells`, nationalities `ks` and kinds `kinds`.
    fn hub_of(&self, cells: &[(usize, usize)], ks: &[usize], kinds: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        for &(s, a) in cells {
            for &k in ks {
                for &kind in kinds {
                    out.push(self.hub(s, a, k, kind));
                }
            }
        }
        out
    }
}

/// Every figure of the releases (and the small unpublished counts) as sums of the layout's atoms.
#[derive(Default)]
struct Figures {
    atoms: Vec<Vec<usize>>,
    hidden: Vec<bool>,
}

impl Figures {
    fn push(&mut self, atoms: Vec<usize>, hidden: bool) {
        self.atoms.push(atoms);
        self.hidden.push(hidden);
    }

    /// A released table's figures ([`palermo_stats::figures_over`]); returns where they start.
    fn table(&mut self, r: &Released, cell: impl Fn(usize, usize) -> Vec<usize>) -> usize {
        let start = self.atoms.len();
        let (figures, hidden) = palermo_stats::figures_over(r, cell);
        self.atoms.extend(figures);
        self.hidden.extend(hidden);
        start
    }
}

/// The year's releases of the cases, checked together (the module's doc).
pub fn release_cases(c: &CaseCounts, year: i32, policy: &Policy) -> Result<CasesRelease> {
    let internal = |e: palermo_stats::GateError| ServiceError::Internal(e.to_string());
    let mut victims = victims_tables(c, year, policy)?;
    let labels: Vec<String> = (1..=12).map(|m| format!("{year}-{m:02}")).collect();
    let months = Table {
        title: format!("Victims detected per month, {year}"),
        row_labels: vec!["cases".into()],
        col_labels: labels,
        cells: vec![c.months.to_vec()],
    };
    let mut by_month = palermo_stats::release(&months, policy).map_err(internal)?;
    let mut referrals = joint_referral_release(&c.referrals, year, policy)?;
    let [by_form, by_citizenship, by_country] = &mut victims.tables[..] else {
        return Err(ServiceError::Internal("the victims tables are three".into()));
    };

    // The layout: every nationality of the cases and of the referrals, every country.
    let mut nationalities: Vec<String> = by_citizenship.row_labels.clone();
    for r in &c.referrals {
        let k = citizenship(&r.2);
        if !nationalities.contains(&k) {
            nationalities.push(k);
        }
    }
    if nationalities.is_empty() {
        nationalities.push("unknown".into());
    }
    let l = Layout { nationalities, countries: by_country.row_labels.clone() };
    let every_k: Vec<usize> = (0..l.n()).collect();
    let every_cell: Vec<(usize, usize)> = (0..3).flat_map(|s| (0..3).map(move |a| (s, a))).collect();

    // The atoms' values.
    let mut value = vec![0u64; l.atoms()];
    let mut cases = vec![0u64; l.atoms()];
    for (sex, age, nat, _, n) in &c.by_place {
        cases[l.hub(sex_index(sex), age_index(age), l.nationality(&citizenship(nat)), 0)] += count(*n);
    }
    for (sex, age, nat, n, positive) in &c.referrals {
        let (s, a, k) = (sex_index(sex), age_index(age), l.nationality(&citizenship(nat)));
        value[l.hub(s, a, k, 0)] += count(*n);
        let positive = count(*positive).min(count(*n));
        value[l.decision(s, 0)] += positive;
        value[l.decision(s, 1)] += count(*n) - positive;
    }
    for &(s, a) in &every_cell {
        for k in 0..l.n() {
            value[l.hub(s, a, k, 1)] = cases[l.hub(s, a, k, 0)].saturating_sub(value[l.hub(s, a, k, 0)]);
        }
    }
    for (sex, age, form, n) in &c.by_form {
        value[l.form(victim_form(form), sex_index(sex), age_index(age))] += count(*n);
    }
    for (sex, age, _, country, n) in &c.by_place {
        let ci = l.countries.iter().position(|x| *x == citizenship(country)).unwrap_or(0);
        value[l.country(ci, sex_index(sex), age_index(age))] += count(*n);
    }
    for (m, n) in c.months.iter().enumerate() {
        value[l.month(m)] = *n;
    }

    // What every attacker knows: each block's totals are the hub's.
    let mut constraints: Vec<Vec<(usize, i64)>> = Vec::new();
    for &(s, a) in &every_cell {
        let minus_hub: Vec<(usize, i64)> = l.hub_of(&[(s, a)], &every_k, &[0, 1]).into_iter().map(|x| (x, -1)).collect();
        let mut forms: Vec<(usize, i64)> = (0..Layout::FORMS).map(|f| (l.form(f, s, a), 1)).collect();
        forms.extend(&minus_hub);
        constraints.push(forms);
        let mut countries: Vec<(usize, i64)> = (0..l.countries.len()).map(|ci| (l.country(ci, s, a), 1)).collect();
        countries.extend(&minus_hub);
        constraints.push(countries);
    }
    let mut months: Vec<(usize, i64)> = (0..12).map(|m| (l.month(m), 1)).collect();
    months.extend(l.hub_of(&every_cell, &every_k, &[0, 1]).into_iter().map(|x| (x, -1)));
    constraints.push(months);
    for s in 0..3 {
        let cells: Vec<(usize, usize)> = (0..3).map(|a| (s, a)).collect();
        let mut decisions: Vec<(usize, i64)> = (0..2).map(|r| (l.decision(s, r), 1)).collect();
        decisions.extend(l.hub_of(&cells, &every_k, &[0]).into_iter().map(|x| (x, -1)));
        constraints.push(decisions);
    }

    // The published tables' figures.
    let mut fig = Figures::default();
    let l = &l;
    let form_cells = |f: &[usize], cells: &[(usize, usize)]| -> Vec<usize> {
        f.iter().flat_map(|&f| cells.iter().map(move |&(s, a)| l.form(f, s, a))).collect()
    };
    let at_form = fig.table(by_form, |i, j| form_cells(&[i], &group_cells(j)));
    let cit_index: Vec<usize> = by_citizenship.row_labels.iter().map(|x| l.nationality(x)).collect();
    let at_citizenship = fig.table(by_citizenship, |i, j| l.hub_of(&group_cells(j), &[cit_index[i]], &[0, 1]));
    let at_country = fig.table(by_country, |i, j| group_cells(j).into_iter().map(|(s, a)| l.country(i, s, a)).collect());
    let at_month = fig.table(&by_month, |_, j| vec![l.month(j)]);
    let at_decisions = fig.table(&referrals.decisions, |i, j| vec![l.decision(i, j)]);
    // The SDG observations.
    let at_sdg = fig.atoms.len();
    for ((_, form), obs) in SDG_SERIES.iter().zip(&victims.sdg) {
        for ((sex, age), cell) in crate::glotip::SDG_OBSERVATIONS.iter().zip(obs) {
            let (forms, cells) = crate::glotip::sdg_cells(*form, sex, age);
            fig.push(form_cells(&forms, &cells), cell.count().is_none());
        }
    }
    // The waiting times' referral counts.
    let at_counts = fig.atoms.len();
    let keys: Vec<(&'static str, String)> = referrals.counts.keys().cloned().collect();
    for (dimension, group) in &keys {
        let atoms = match *dimension {
            "sex" => {
                let s = SEX_ROWS.iter().position(|x| x == group).unwrap_or(2);
                l.hub_of(&(0..3).map(|a| (s, a)).collect::<Vec<_>>(), &every_k, &[0])
            }
            "age_group" => {
                let a = age_index(group);
                l.hub_of(&(0..3).map(|s| (s, a)).collect::<Vec<_>>(), &every_k, &[0])
            }
            "nationality" => l.hub_of(&every_cell, &[l.nationality(group)], &[0]),
            _ => l.hub_of(&every_cell, &every_k, &[0]),
        };
        let hidden = referrals.counts.get(&(*dimension, group.clone())).is_some_and(|c| c.count().is_none());
        fig.push(atoms, hidden);
    }
    // The small counts of referrals and notifications no figure may give away.
    let small = |atoms: &[usize]| {
        let v: u64 = atoms.iter().map(|&x| value[x]).sum();
        v > 0 && v < policy.threshold
    };
    for kind in [0, 1] {
        let mut classes: Vec<Vec<usize>> = vec![l.hub_of(&every_cell, &every_k, &[kind])];
        for s in 0..3 {
            classes.push(l.hub_of(&(0..3).map(|a| (s, a)).collect::<Vec<_>>(), &every_k, &[kind]));
        }
        for a in 0..3 {
            classes.push(l.hub_of(&(0..3).map(|s| (s, a)).collect::<Vec<_>>(), &every_k, &[kind]));
        }
        for g in 0..GROUPS.len() {
            classes.push(l.hub_of(&group_cells(g), &every_k, &[kind]));
            for k in 0..l.n() {
                classes.push(l.hub_of(&group_cells(g), &[k], &[kind]));
            }
        }
        for k in 0..l.n() {
            classes.push(l.hub_of(&every_cell, &[k], &[kind]));
        }
        for class in classes.into_iter().filter(|x| small(x)) {
            fig.push(class, true);
        }
    }

    let values: Vec<u64> = fig.atoms.iter().map(|f| f.iter().map(|&x| value[x]).sum()).collect();
    palermo_stats::joint::protect_given(&fig.atoms, &constraints, &values, &mut fig.hidden, l.atoms());

    // Back into the releases.
    palermo_stats::hide_figures(by_form, &fig.hidden[at_form..]);
    palermo_stats::hide_figures(by_citizenship, &fig.hidden[at_citizenship..]);
    palermo_stats::hide_figures(by_country, &fig.hidden[at_country..]);
    palermo_stats::hide_figures(&mut by_month, &fig.hidden[at_month..]);
    palermo_stats::hide_figures(&mut referrals.decisions, &fig.hidden[at_decisions..]);
    let hide = Cell::Suppressed(Suppressed::Complementary);
    for (i, c) in victims.sdg.iter_mut().flatten().enumerate() {
        if fig.hidden[at_sdg + i] && c.count().is_some() {
            *c = hide;
        }
    }
    for (i, key) in keys.into_iter().enumerate() {
        if let Some(c) = referrals.counts.get_mut(&key)
            && fig.hidden[at_counts + i]
            && c.count().is_some()
        {
            *c = hide;
        }
    }
    Ok(CasesRelease { victims, by_month, referrals })
}

impl Palermo {
    /// [`CasesRelease`] for `year`: three grouped reads of the year's cases, at once.
    pub(crate) async fn cases_release(&self, year: i32) -> Result<CasesRelease> {
        let (from, to) = crate::statistics::year_range(year)?;
        let (by_day, by_place, referrals) = tokio::try_join!(
            async { self.store.victims_by_day(from, to).await.map_err(ServiceError::from) },
            async { self.store.victims_by_country(from, to).await.map_err(ServiceError::from) },
            async { self.store.referrals_by_group(from, to).await.map_err(ServiceError::from) },
        )?;
        // By form and per month from the same read.
        let mut months = [0u64; 12];
        let mut forms: std::collections::BTreeMap<(String, String, String), i64> = std::collections::BTreeMap::new();
        for (sex, age, form, day, n) in by_day {
            months[usize::from(u8::from(day.month())) - 1] += count(n);
            *forms.entry((sex, age, form)).or_default() += n;
        }
        let by_form = forms.into_iter().map(|((sex, age, form), n)| (sex, age, form, n)).collect();
        release_cases(&CaseCounts { by_form, by_place, months, referrals }, year, &self.disclosure())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    /// A case: (sex, age group, nationality, form, country, month, referral?, positive RG?).
    type Case = (&'static str, &'static str, &'static str, &'static str, &'static str, usize, bool, bool);

    fn counts(cases: &[Case]) -> CaseCounts {
        let mut c = CaseCounts::default();
        let bump4 = |v: &mut Vec<(String, String, String, i64)>, k: (&str, &str, &str)| match v
            .iter_mut()
            .find(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()) == k)
        {
            Some(r) => r.3 += 1,
            None => v.push((k.0.into(), k.1.into(), k.2.into(), 1)),
        };
        for x in cases {
            bump4(&mut c.by_form, (x.0, x.1, x.3));
            match c.by_place.iter_mut().find(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str(), r.3.as_str()) == (x.0, x.1, x.2, x.4)) {
                Some(r) => r.4 += 1,
                None => c.by_place.push((x.0.into(), x.1.into(), x.2.into(), x.4.into(), 1)),
            }
            c.months[x.5] += 1;
            if x.6 {
                match c.referrals.iter_mut().find(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()) == (x.0, x.1, x.2)) {
                    Some(r) => {
                        r.3 += 1;
                        r.4 += i64::from(x.7);
                    }
                    None => c.referrals.push((x.0.into(), x.1.into(), x.2.into(), 1, i64::from(x.7))),
                }
            }
        }
        c
    }

    /// Every published count of the release, with what it says (for the messages).
    fn everything(r: &CasesRelease) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut table = |name: &str, t: &Released| {
            let (_, hidden, values) = palermo_stats::figures_of(t);
            for (i, (v, h)) in values.into_iter().zip(hidden).enumerate() {
                if !h {
                    out.push((format!("{name} figure {i}"), v));
                }
            }
        };
        for t in &r.victims.tables {
            table(&t.title, t);
        }
        table("by month", &r.by_month);
        table("¶8", &r.referrals.decisions);
        for (k, c) in &r.referrals.counts {
            if let Some(v) = c.count() {
                out.push((format!("referrals {k:?}"), v));
            }
        }
        for (s, obs) in r.victims.sdg.iter().enumerate() {
            for (o, c) in obs.iter().enumerate() {
                if let Some(v) = c.count() {
                    out.push((format!("SDG {s}/{o}"), v));
                }
            }
        }
        out
    }

    fn many(n: usize, case: Case) -> Vec<Case> {
        vec![case; n]
    }

    #[test]
    fn the_notifications_are_not_the_cases_minus_the_referrals() {
        // 40 referrals and 3 anonymous notifications: alone, each release publishes its total.
        let mut cases = many(20, ("Feminine", "adult", "ROU", "sexual", "ITA", 0, true, true));
        cases.extend(many(20, ("Masculine", "adult", "MDA", "labour", "DEU", 1, true, false)));
        cases.extend(many(3, ("Feminine", "adult", "", "sexual", "ITA", 2, false, false)));
        let policy = Policy { threshold: 11, round_to: None };
        let r = release_cases(&counts(&cases), 2026, &policy).unwrap();
        let cases_total = r.victims.tables[0].total.count();
        let referrals_all = r.referrals.counts[&("all", "all".to_owned())].count();
        assert!(cases_total.is_none() || referrals_all.is_none(), "cases {cases_total:?} and referrals {referrals_all:?} both published");
        assert_eq!(r.by_month.total.count(), cases_total, "the months' total is the same figure as the cases'");
        // Without the notifications nothing of the sort is hidden.
        let r = release_cases(&counts(&cases[..40]), 2026, &policy).unwrap();
        assert_eq!(r.victims.tables[0].total.count(), Some(40));
        assert_eq!(r.referrals.counts[&("all", "all".to_owned())].count(), Some(40));
    }

    const SEXES: [&str; 3] = ["Feminine", "Masculine", "Other"];
    const AGES: [&str; 3] = ["child", "adult", "unknown"];
    const NATS: [&str; 3] = ["ROU", "NGA", ""];
    const FORMS: [&str; 3] = ["sexual", "labour", "other"];
    const COUNTRIES: [&str; 2] = ["ITA", ""];

    fn case_of(x: (usize, usize, usize, usize, usize, usize, bool, bool)) -> Case {
        (SEXES[x.0], AGES[x.1], NATS[x.2], FORMS[x.3], COUNTRIES[x.4], x.5, x.6, x.7)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        /// Whatever the year's cases: nothing published is small, what is published is true, and
        /// no notifications' count follows by subtraction — the cases minus the referrals, in all,
        /// per nationality (GLOTIP's citizenship row against the waiting times' group) and per sex
        /// (the SDG file's against the waiting times').
        #[test]
        fn the_years_releases_hold_the_gate_together(
            groups in proptest::collection::vec(((0usize..3, 0usize..3, 0usize..3, 0usize..3, 0usize..2, 0usize..12, any::<bool>(), any::<bool>()), 1usize..25), 1..12),
            threshold in 3u64..12,
        ) {
            let cases: Vec<Case> = groups.iter().flat_map(|(x, n)| many(*n, case_of(*x))).collect();
            let policy = Policy { threshold, round_to: None };
            let r = release_cases(&counts(&cases), 2026, &policy).unwrap();
            for (what, v) in everything(&r) {
                prop_assert!(v == 0 || v >= threshold, "{} published as {}", what, v);
            }
            let small = |n: usize| n > 0 && (n as u64) < threshold;
            let notified = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| !c.6 && f(c)).count();
            let referrals = |k: (&'static str, &str)| r.referrals.counts.get(&(k.0, k.1.to_owned())).and_then(|c| c.count());
            // All.
            let total = r.victims.tables[0].total.count();
            prop_assert_eq!(total.unwrap_or(cases.len() as u64), cases.len() as u64);
            if small(notified(&|_| true)) {
                prop_assert!(total.is_none() || referrals(("all", "all")).is_none());
            }
            // Per nationality.
            let cit = &r.victims.tables[1];
            for (i, label) in cit.row_labels.iter().enumerate() {
                let nat = if label == "unknown" { "" } else { label.as_str() };
                if small(notified(&|c| c.2 == nat)) {
                    prop_assert!(cit.row_totals[i].count().is_none() || referrals(("nationality", label)).is_none(), "nationality {}", label);
                }
            }
            // Per sex: SDG all forms, F and M at all ages.
            for (sex, code, obs) in [("Feminine", "female", 2), ("Masculine", "male", 5)] {
                if small(notified(&|c| c.0 == sex)) {
                    prop_assert!(r.victims.sdg[0][obs].count().is_none() || referrals(("sex", code)).is_none(), "sex {}", sex);
                }
            }
        }
    }
}
