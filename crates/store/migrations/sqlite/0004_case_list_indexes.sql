-- Case list (issue 3): each relation of a user's scope walks its own index in list order
-- (most recently changed first, or soonest deadline first).
CREATE INDEX cases_by_authority_updated ON cases(authority_org_id, updated_at);
CREATE INDEX cases_by_authority_stage_updated ON cases(authority_org_id, stage, updated_at);
CREATE INDEX cases_by_owner_deadline ON cases(owner_org_id, deadline_on);
CREATE INDEX cases_by_owner_stage_updated ON cases(owner_org_id, stage, updated_at);
CREATE INDEX cases_by_case_worker_updated ON cases(case_worker_id, updated_at);
CREATE INDEX cases_by_decision_maker_updated ON cases(decision_maker_id, updated_at);
CREATE INDEX cases_by_region_deadline ON cases(region, deadline_on);
CREATE INDEX cases_by_updated ON cases(updated_at);
