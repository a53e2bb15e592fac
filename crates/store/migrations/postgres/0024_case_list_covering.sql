-- PostgreSQL's twin of the SQLite migration: the filter columns are INCLUDEd, so that an
-- index-only scan can answer a walk where the visibility map allows.
-- The case list walks, for each relation of the user's scope (authority, owner, case worker,
-- decision-maker, region), that relation's index in list order and takes its first page. With
-- (relation, updated_at) alone, each step read the case's table row for its id (the tie-break
-- and the join key) and for any filter on age group, exploitation form, kind or stage: for a
-- filter that one case in six meets, some three hundred row reads per page. These indexes hold
-- all of that, so the walk reads no table rows; they replace the narrower ones with the same
-- leading columns (every query those served, these serve). No data changes.
CREATE INDEX cases_list_authority_updated ON cases(authority_org_id, updated_at, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_owner_updated ON cases(owner_org_id, updated_at, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_case_worker_updated ON cases(case_worker_id, updated_at, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_decision_maker_updated ON cases(decision_maker_id, updated_at, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_region_updated ON cases(region, updated_at, id) INCLUDE (age_group, exploitation_form, kind, stage);
DROP INDEX cases_by_authority_updated;
DROP INDEX cases_by_owner;
DROP INDEX cases_by_case_worker_updated;
DROP INDEX cases_by_decision_maker_updated;
DROP INDEX cases_by_region;

CREATE INDEX cases_list_authority_deadline ON cases(authority_org_id, deadline_on, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_owner_deadline ON cases(owner_org_id, deadline_on, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_case_worker_deadline ON cases(case_worker_id, deadline_on, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_decision_maker_deadline ON cases(decision_maker_id, deadline_on, id) INCLUDE (age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_region_deadline ON cases(region, deadline_on, id) INCLUDE (age_group, exploitation_form, kind, stage);
DROP INDEX cases_by_authority;
DROP INDEX cases_by_owner_deadline;
DROP INDEX cases_by_case_worker_deadline;
DROP INDEX cases_by_decision_maker_deadline;
DROP INDEX cases_by_region_deadline;

CREATE INDEX cases_list_authority_stage ON cases(authority_org_id, stage, updated_at, id);
CREATE INDEX cases_list_owner_stage ON cases(owner_org_id, stage, updated_at, id);
CREATE INDEX cases_list_case_worker_stage ON cases(case_worker_id, stage, updated_at, id);
CREATE INDEX cases_list_decision_maker_stage ON cases(decision_maker_id, stage, updated_at, id);
DROP INDEX cases_by_authority_stage_updated;
DROP INDEX cases_by_owner_stage_updated;
DROP INDEX cases_by_case_worker_stage_updated;
DROP INDEX cases_by_decision_maker_stage_updated;

CREATE INDEX cases_list_authority_kind ON cases(authority_org_id, kind, updated_at, id);
CREATE INDEX cases_list_owner_kind ON cases(owner_org_id, kind, updated_at, id);
CREATE INDEX cases_list_case_worker_kind ON cases(case_worker_id, kind, updated_at, id);
CREATE INDEX cases_list_decision_maker_kind ON cases(decision_maker_id, kind, updated_at, id);
DROP INDEX cases_by_authority_kind_updated;
DROP INDEX cases_by_owner_kind_updated;
DROP INDEX cases_by_decision_maker_kind_updated;
DROP INDEX cases_by_case_worker_kind_updated;
