//! The NRM case and its legal stages, as a state machine.
//!
//! A first responder refers a presumed victim; a competent authority takes a reasonable-grounds
//! (RG) decision; a positive RG opens the recovery and reflection period; a conclusive-grounds
//! (CG) decision follows; a positive CG leads to assistance; the case is closed. A negative
//! decision can be reconsidered on a first responder's request within a window. The person can
//! withdraw, be transferred to another country, and a closed case can be reopened.
//!
//! [`apply`] is pure: it returns the next state or a [`Refusal`] that says why, and the caller
//! stores nothing when it refuses. Dates are local calendar dates of the jurisdiction.

use crate::deadline::Rules;
use crate::values::code_list;
use time::Date;

code_list! {
    /// Where the case stands.
    Stage, "stage" {
        // Referred into the NRM; waiting for the reasonable-grounds decision.
        Referred => "referred",
        // Positive RG decision: recovery and reflection period; waiting for the CG decision.
        RecoveryPeriod => "recovery_period",
        // Positive CG decision: the person is recognised as a victim and assisted.
        Assistance => "assistance",
        // Negative RG decision (reconsideration may be requested).
        NegativeReasonableGrounds => "negative_reasonable_grounds",
        // Negative CG decision (reconsideration may be requested).
        NegativeConclusiveGrounds => "negative_conclusive_grounds",
        // A first responder asked for a negative decision to be reconsidered; waiting for it.
        Reconsideration => "reconsideration",
        // The person withdrew from the NRM.
        Withdrawn => "withdrawn",
        // The case was transferred to another country.
        Transferred => "transferred",
        // Closed.
        Closed => "closed",
    }
}

impl Stage {
    /// No further work is expected (it can only be reopened).
    pub fn is_ended(self) -> bool {
        matches!(self, Stage::Withdrawn | Stage::Transferred | Stage::Closed)
    }
}

code_list! {
    /// Which decision.
    DecisionKind, "decision" {
        ReasonableGrounds => "reasonable_grounds",
        ConclusiveGrounds => "conclusive_grounds",
    }
}

code_list! {
    /// The outcome of a decision.
    Outcome, "outcome" {
        Positive => "positive",
        Negative => "negative",
    }
}

/// The state of a case that the rules need. Everything else (who, reasons) is recorded on the
/// case's timeline but does not change what may happen next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub stage: Stage,
    pub referred_on: Date,
    /// Date of the positive RG decision (start of the recovery period).
    pub rg_positive_on: Option<Date>,
    /// The decision a reconsideration is about, and the date the person was told of the negative
    /// decision (start of the reconsideration window).
    pub last_negative: Option<(DecisionKind, Date)>,
    /// The stage before the case ended, to which a reopening returns.
    pub ended_from: Option<Stage>,
}

impl CaseState {
    pub fn referred(on: Date) -> Self {
        Self { stage: Stage::Referred, referred_on: on, rg_positive_on: None, last_negative: None, ended_from: None }
    }

    /// The decision the case is waiting for, if any.
    pub fn awaited_decision(&self) -> Option<DecisionKind> {
        match self.stage {
            Stage::Referred => Some(DecisionKind::ReasonableGrounds),
            Stage::RecoveryPeriod => Some(DecisionKind::ConclusiveGrounds),
            Stage::Reconsideration => self.last_negative.map(|(k, _)| k),
            _ => None,
        }
    }
}

/// A decision as the competent authority records it. The decision-maker and the reasons are
/// checked by the service (who) and by [`crate::values::Reason`] (text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    pub outcome: Outcome,
    pub decided_on: Date,
    /// The date the person was told. Required for a negative decision (the reconsideration
    /// window runs from it); may be recorded later for a positive one.
    pub told_on: Option<Date>,
}

/// What someone asks the case to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Decide(Decision),
    /// A first responder asks for the last negative decision to be reconsidered.
    RequestReconsideration {
        requested_on: Date,
    },
    /// The person withdraws from the NRM.
    Withdraw {
        on: Date,
    },
    /// The case moves to another country's NRM.
    Transfer {
        on: Date,
    },
    Close {
        on: Date,
    },
    Reopen {
        on: Date,
    },
}

impl Command {
    pub fn code(&self) -> &'static str {
        match self {
            Command::Decide(d) => match d.kind {
                DecisionKind::ReasonableGrounds => "decide_reasonable_grounds",
                DecisionKind::ConclusiveGrounds => "decide_conclusive_grounds",
            },
            Command::RequestReconsideration { .. } => "request_reconsideration",
            Command::Withdraw { .. } => "withdraw",
            Command::Transfer { .. } => "transfer",
            Command::Close { .. } => "close",
            Command::Reopen { .. } => "reopen",
        }
    }

    /// The date the command takes effect (the decision date for a decision).
    pub fn date(&self) -> Date {
        match *self {
            Command::Decide(d) => d.decided_on,
            Command::RequestReconsideration { requested_on: on }
            | Command::Withdraw { on }
            | Command::Transfer { on }
            | Command::Close { on }
            | Command::Reopen { on } => on,
        }
    }
}

/// Why a command was refused. The text says what would be allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a case at stage {stage} cannot {command}; allowed here: {allowed}")]
    NotAllowedAtStage { stage: Stage, command: &'static str, allowed: String },
    #[error("the {kind} decision is not the one this case is waiting for")]
    WrongDecision { kind: DecisionKind },
    #[error("{field}: the date cannot be before {earliest}")]
    TooEarly { field: &'static str, earliest: Date },
    #[error("{field}: the date cannot be in the future (today is {today})")]
    InFuture { field: &'static str, today: Date },
    #[error("told_on: the date the person was told of a negative decision is required")]
    NegativeNotTold,
    #[error("reconsideration can be requested until {last_day}")]
    ReconsiderationWindowClosed { last_day: Date },
}

impl Refusal {
    /// The form field the refusal is about, if any.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::TooEarly { field, .. } | Refusal::InFuture { field, .. } => field,
            Refusal::NegativeNotTold => "told_on",
            Refusal::ReconsiderationWindowClosed { .. } => "requested_on",
            Refusal::NotAllowedAtStage { .. } | Refusal::WrongDecision { .. } => "command",
        }
    }
}

/// The commands that may be asked of a case at this stage (for forms and error texts).
pub fn allowed(state: &CaseState) -> Vec<&'static str> {
    let mut out = Vec::new();
    match state.stage {
        Stage::Referred => out.push("decide_reasonable_grounds"),
        Stage::RecoveryPeriod => out.push("decide_conclusive_grounds"),
        Stage::Reconsideration => match state.last_negative {
            Some((DecisionKind::ReasonableGrounds, _)) => out.push("decide_reasonable_grounds"),
            Some((DecisionKind::ConclusiveGrounds, _)) => out.push("decide_conclusive_grounds"),
            None => {}
        },
        Stage::NegativeReasonableGrounds | Stage::NegativeConclusiveGrounds => out.push("request_reconsideration"),
        Stage::Assistance | Stage::Withdrawn | Stage::Transferred | Stage::Closed => {}
    }
    if !state.stage.is_ended() {
        out.extend(["withdraw", "transfer"]);
    }
    if matches!(state.stage, Stage::Assistance | Stage::NegativeReasonableGrounds | Stage::NegativeConclusiveGrounds) {
        out.push("close");
    }
    if state.stage.is_ended() {
        out.push("reopen");
    }
    out
}

/// Apply a command to a case. `today` is the jurisdiction's local date now; `rules` carry the
/// legal time limits. Returns the new state; the input is untouched either way.
pub fn apply(state: &CaseState, command: Command, today: Date, rules: &Rules) -> Result<CaseState, Refusal> {
    let refuse = || Refusal::NotAllowedAtStage { stage: state.stage, command: command.code(), allowed: allowed(state).join(", ") };
    let date_field = match command {
        Command::Decide(_) => "decided_on",
        Command::RequestReconsideration { .. } => "requested_on",
        _ => "on",
    };
    if !allowed(state).contains(&command.code()) {
        return Err(refuse());
    }
    let on = command.date();
    if on > today {
        return Err(Refusal::InFuture { field: date_field, today });
    }
    if on < state.referred_on {
        return Err(Refusal::TooEarly { field: date_field, earliest: state.referred_on });
    }
    let mut next = state.clone();
    match command {
        Command::Decide(d) => {
            if state.awaited_decision() != Some(d.kind) {
                return Err(Refusal::WrongDecision { kind: d.kind });
            }
            if let Some(told) = d.told_on {
                if told < d.decided_on {
                    return Err(Refusal::TooEarly { field: "told_on", earliest: d.decided_on });
                }
                if told > today {
                    return Err(Refusal::InFuture { field: "told_on", today });
                }
            }
            if d.kind == DecisionKind::ConclusiveGrounds {
                // The CG decision cannot come before the recovery period allows it. After a
                // reconsideration of a negative CG the period has already run.
                if let Some(rg) = state.rg_positive_on {
                    let earliest = rules.earliest_conclusive_grounds(rg);
                    if d.decided_on < earliest {
                        return Err(Refusal::TooEarly { field: "decided_on", earliest });
                    }
                }
            }
            match d.outcome {
                Outcome::Positive => {
                    next.last_negative = None;
                    match d.kind {
                        DecisionKind::ReasonableGrounds => {
                            next.stage = Stage::RecoveryPeriod;
                            next.rg_positive_on = Some(d.decided_on);
                        }
                        DecisionKind::ConclusiveGrounds => next.stage = Stage::Assistance,
                    }
                }
                Outcome::Negative => {
                    let Some(told) = d.told_on else { return Err(Refusal::NegativeNotTold) };
                    next.last_negative = Some((d.kind, told));
                    next.stage = match d.kind {
                        DecisionKind::ReasonableGrounds => Stage::NegativeReasonableGrounds,
                        DecisionKind::ConclusiveGrounds => Stage::NegativeConclusiveGrounds,
                    };
                }
            }
        }
        Command::RequestReconsideration { requested_on } => {
            let Some((_, told)) = state.last_negative else { return Err(refuse()) };
            let last_day = rules.reconsideration_last_day(told);
            if requested_on > last_day {
                return Err(Refusal::ReconsiderationWindowClosed { last_day });
            }
            if requested_on < told {
                return Err(Refusal::TooEarly { field: "requested_on", earliest: told });
            }
            next.stage = Stage::Reconsideration;
        }
        Command::Withdraw { .. } | Command::Transfer { .. } => {
            next.ended_from = Some(state.stage);
            next.stage = if matches!(command, Command::Withdraw { .. }) { Stage::Withdrawn } else { Stage::Transferred };
        }
        Command::Close { .. } => {
            next.ended_from = Some(state.stage);
            next.stage = Stage::Closed;
        }
        Command::Reopen { .. } => {
            next.stage = state.ended_from.unwrap_or(Stage::Referred);
            next.ended_from = None;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn rules() -> Rules {
        Rules::default()
    }

    fn arb_command(start: Date) -> impl Strategy<Value = Command> {
        let day = (0i64..200).prop_map(move |d| start + Duration::days(d));
        let kind = prop_oneof![Just(DecisionKind::ReasonableGrounds), Just(DecisionKind::ConclusiveGrounds)];
        let outcome = prop_oneof![Just(Outcome::Positive), Just(Outcome::Negative)];
        let told = proptest::option::of(0i64..20);
        prop_oneof![
            4 => (kind, outcome, day.clone(), told).prop_map(|(kind, outcome, decided_on, told)| Command::Decide(Decision {
                kind,
                outcome,
                decided_on,
                told_on: told.map(|t| decided_on + Duration::days(t)),
            })),
            1 => day.clone().prop_map(|requested_on| Command::RequestReconsideration { requested_on }),
            1 => day.clone().prop_map(|on| Command::Withdraw { on }),
            1 => day.clone().prop_map(|on| Command::Transfer { on }),
            1 => day.clone().prop_map(|on| Command::Close { on }),
            1 => day.prop_map(|on| Command::Reopen { on }),
        ]
    }

    /// The invariants every reachable state keeps.
    fn legal(s: &CaseState) -> Result<(), String> {
        match s.stage {
            Stage::RecoveryPeriod if s.rg_positive_on.is_none() => Err("recovery period without a positive RG".into()),
            Stage::NegativeReasonableGrounds | Stage::NegativeConclusiveGrounds | Stage::Reconsideration if s.last_negative.is_none() => {
                Err("negative stage without a negative decision".into())
            }
            Stage::Withdrawn | Stage::Transferred | Stage::Closed if s.ended_from.is_none() => {
                Err("ended without a stage to reopen to".into())
            }
            st if !st.is_ended() && s.ended_from.is_some() => Err("open case remembers an end".into()),
            Stage::Assistance if s.rg_positive_on.is_none() => Err("assistance without a positive RG".into()),
            _ => Ok(()),
        }
    }

    proptest! {
        /// Any sequence of commands leaves the case in a legal state, and a refused command
        /// changes nothing.
        #[test]
        fn any_sequence_stays_legal(cmds in proptest::collection::vec(arb_command(date!(2026-01-05)), 0..40)) {
            let today = date!(2026-12-31);
            let mut s = CaseState::referred(date!(2026-01-05));
            for c in cmds {
                let before = s.clone();
                match apply(&s, c, today, &rules()) {
                    Ok(n) => s = n,
                    Err(_) => prop_assert_eq!(&s, &before),
                }
                prop_assert!(legal(&s).is_ok(), "{:?} after {:?}: {:?}", s, c, legal(&s));
            }
        }

        /// A negative decision is never followed by assistance unless a reconsideration was
        /// requested in between (ending and reopening does not get round it).
        #[test]
        fn no_assistance_after_negative_without_reconsideration(cmds in proptest::collection::vec(arb_command(date!(2026-01-05)), 0..40)) {
            let today = date!(2026-12-31);
            let mut s = CaseState::referred(date!(2026-01-05));
            let mut negative_pending = false;
            for c in cmds {
                let Ok(n) = apply(&s, c, today, &rules()) else { continue };
                if matches!(n.stage, Stage::NegativeReasonableGrounds | Stage::NegativeConclusiveGrounds) && !matches!(s.stage, Stage::Withdrawn | Stage::Transferred | Stage::Closed) {
                    negative_pending = true;
                }
                if matches!(c, Command::RequestReconsideration { .. }) {
                    negative_pending = false;
                }
                if n.stage == Stage::Assistance && s.stage != Stage::Assistance {
                    prop_assert!(!negative_pending, "assistance reached from {:?} by {:?}", s, c);
                }
                s = n;
            }
        }

        /// Decisions and requests dated in the future are refused.
        #[test]
        fn future_dates_are_refused(c in arb_command(date!(2026-03-01))) {
            let s = CaseState::referred(date!(2026-01-05));
            if apply(&s, c, date!(2026-02-28), &rules()).is_ok() {
                prop_assert!(c.date() <= date!(2026-02-28));
            }
        }
    }

    fn decide(kind: DecisionKind, outcome: Outcome, on: Date, told: Option<Date>) -> Command {
        Command::Decide(Decision { kind, outcome, decided_on: on, told_on: told })
    }

    #[test]
    fn the_whole_path() {
        let r = rules();
        let today = date!(2026 - 12 - 31);
        let s = CaseState::referred(date!(2026 - 03 - 02));
        let s = apply(&s, decide(DecisionKind::ReasonableGrounds, Outcome::Positive, date!(2026 - 03 - 05), None), today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::RecoveryPeriod);
        // Too early: the recovery period runs at least 30 days.
        let early = apply(&s, decide(DecisionKind::ConclusiveGrounds, Outcome::Positive, date!(2026 - 03 - 20), None), today, &r);
        assert_eq!(early, Err(Refusal::TooEarly { field: "decided_on", earliest: date!(2026 - 04 - 04) }));
        let s = apply(&s, decide(DecisionKind::ConclusiveGrounds, Outcome::Positive, date!(2026 - 04 - 04), None), today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::Assistance);
        let s = apply(&s, Command::Close { on: date!(2026 - 09 - 01) }, today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::Closed);
        let s = apply(&s, Command::Reopen { on: date!(2026 - 10 - 01) }, today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::Assistance);
    }

    #[test]
    fn negative_then_reconsidered() {
        let r = rules();
        let today = date!(2026 - 12 - 31);
        let s = CaseState::referred(date!(2026 - 03 - 02));
        assert_eq!(
            apply(&s, decide(DecisionKind::ReasonableGrounds, Outcome::Negative, date!(2026 - 03 - 04), None), today, &r),
            Err(Refusal::NegativeNotTold)
        );
        let s = apply(
            &s,
            decide(DecisionKind::ReasonableGrounds, Outcome::Negative, date!(2026 - 03 - 04), Some(date!(2026 - 03 - 05))),
            today,
            &r,
        )
        .unwrap_or(s);
        assert_eq!(s.stage, Stage::NegativeReasonableGrounds);
        let err = apply(&s, decide(DecisionKind::ConclusiveGrounds, Outcome::Positive, date!(2026 - 05 - 01), None), today, &r);
        assert!(matches!(err, Err(Refusal::NotAllowedAtStage { .. })), "{err:?}");
        // The window (default 90 days from being told) closes.
        let late = apply(&s, Command::RequestReconsideration { requested_on: date!(2026 - 06 - 04) }, today, &r);
        assert_eq!(late, Err(Refusal::ReconsiderationWindowClosed { last_day: date!(2026 - 06 - 03) }));
        let s = apply(&s, Command::RequestReconsideration { requested_on: date!(2026 - 04 - 01) }, today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::Reconsideration);
        assert_eq!(s.awaited_decision(), Some(DecisionKind::ReasonableGrounds));
        let s = apply(&s, decide(DecisionKind::ReasonableGrounds, Outcome::Positive, date!(2026 - 04 - 03), None), today, &r).unwrap_or(s);
        assert_eq!(s.stage, Stage::RecoveryPeriod);
    }

    #[test]
    fn refusal_says_what_is_allowed() {
        let s = CaseState::referred(date!(2026 - 03 - 02));
        let err = apply(&s, Command::Close { on: date!(2026 - 03 - 03) }, date!(2026 - 12 - 31), &rules());
        let text = err.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        assert_eq!(text, "a case at stage referred cannot close; allowed here: decide_reasonable_grounds, withdraw, transfer");
    }
}
