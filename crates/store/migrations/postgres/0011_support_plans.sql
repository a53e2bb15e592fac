-- Support plans (HTCDS spl_Type) with their tasks (issue 4). The objectives are free text and
-- sealed in identity_vault (record_type support_plan); task actions are short operational labels.
CREATE TABLE support_plans (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    plan_type               text NOT NULL,
    status                  text NOT NULL,              -- awaiting_approval | active | closed
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    created_by              uuid NOT NULL REFERENCES users(id),
    approved_by             uuid REFERENCES users(id),
    approved_at             timestamptz,
    created_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX support_plans_by_case ON support_plans(case_id);

CREATE TABLE support_plan_tasks (
    id                      uuid PRIMARY KEY,
    plan_id                 uuid NOT NULL REFERENCES support_plans(id),
    case_id                 uuid NOT NULL REFERENCES cases(id),
    action                  text NOT NULL,
    owner_id                uuid NOT NULL REFERENCES users(id),
    due_on                  date NOT NULL,
    done_on                 date,
    created_at              timestamptz NOT NULL
);
CREATE INDEX support_plan_tasks_by_plan ON support_plan_tasks(plan_id);
CREATE INDEX support_plan_tasks_by_owner ON support_plan_tasks(owner_id, due_on);
