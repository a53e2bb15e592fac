-- The national coordinator sees every case: the case list's walk for that scope has no relation
-- to lead its index, only the list order. Until now it had `cases_by_updated (updated_at)` and
-- `cases_by_deadline (deadline_on)`: each step read the case's table row for its id and filters,
-- and a cursor page (updated_at < ? OR (updated_at = ? AND id < ?)) sorted what it found in a
-- temporary tree — 2.6–3.0 s a page at 1M cases. These hold the order's columns, the tie-break
-- and every filter's column, like migration 0024's indexes for the other relations, and replace
-- the two narrower ones (every query those served, these serve). A stage or kind filter walks
-- its own index in list order (a stage with a deadline filter, in deadline order: "overdue at
-- this stage" read the stage's cases one table row at a time, 2 s). No data changes.
CREATE INDEX cases_list_all_updated ON cases(updated_at, id, age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_all_deadline ON cases(deadline_on, id, age_group, exploitation_form, kind, stage);
CREATE INDEX cases_list_all_stage ON cases(stage, updated_at, id, age_group, exploitation_form, kind);
CREATE INDEX cases_list_all_stage_deadline ON cases(stage, deadline_on, id, age_group, exploitation_form, kind);
CREATE INDEX cases_list_all_kind ON cases(kind, updated_at, id, age_group, exploitation_form, stage);
DROP INDEX cases_by_updated;
DROP INDEX cases_by_deadline;
