-- Case list (issue 3): the kind filter (referrals / anonymous notifications) inside each relation.
-- Without these, listing notifications as a competent authority (which has none) walked all of its
-- cases: 8.7 s at 1M cases (docs/PERFORMANCE.md).
CREATE INDEX cases_by_authority_kind_updated ON cases(authority_org_id, kind, updated_at);
CREATE INDEX cases_by_owner_kind_updated ON cases(owner_org_id, kind, updated_at);
CREATE INDEX cases_by_decision_maker_kind_updated ON cases(decision_maker_id, kind, updated_at);
CREATE INDEX cases_by_case_worker_kind_updated ON cases(case_worker_id, kind, updated_at);
