-- A stage or kind filter walks its relation's (relation, stage|kind, updated_at, id) index
-- (migration 0024); a second filter (an age group, an exploitation form) then read the table row
-- of every case of that stage, or SQLite chose to scan the relation's covering index instead:
-- the competent authority's "referred, children" list took 0.2–0.4 s at 1M cases. These hold the
-- other filters' columns too, so the walk and its count read no table rows. Same names, wider
-- columns; no data changes.
DROP INDEX cases_list_authority_stage;
DROP INDEX cases_list_owner_stage;
DROP INDEX cases_list_case_worker_stage;
DROP INDEX cases_list_decision_maker_stage;
CREATE INDEX cases_list_authority_stage ON cases(authority_org_id, stage, updated_at, id, age_group, exploitation_form, kind);
CREATE INDEX cases_list_owner_stage ON cases(owner_org_id, stage, updated_at, id, age_group, exploitation_form, kind);
CREATE INDEX cases_list_case_worker_stage ON cases(case_worker_id, stage, updated_at, id, age_group, exploitation_form, kind);
CREATE INDEX cases_list_decision_maker_stage ON cases(decision_maker_id, stage, updated_at, id, age_group, exploitation_form, kind);

DROP INDEX cases_list_authority_kind;
DROP INDEX cases_list_owner_kind;
DROP INDEX cases_list_case_worker_kind;
DROP INDEX cases_list_decision_maker_kind;
CREATE INDEX cases_list_authority_kind ON cases(authority_org_id, kind, updated_at, id, age_group, exploitation_form, stage);
CREATE INDEX cases_list_owner_kind ON cases(owner_org_id, kind, updated_at, id, age_group, exploitation_form, stage);
CREATE INDEX cases_list_case_worker_kind ON cases(case_worker_id, kind, updated_at, id, age_group, exploitation_form, stage);
CREATE INDEX cases_list_decision_maker_kind ON cases(decision_maker_id, kind, updated_at, id, age_group, exploitation_form, stage);
