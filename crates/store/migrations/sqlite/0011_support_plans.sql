-- Support plans (HTCDS spl_Type) with their tasks (issue 4). The objectives are free TEXT and
-- sealed in identity_vault (record_type support_plan); task actions are short operational labels.
CREATE TABLE support_plans (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    plan_type               TEXT NOT NULL,
    status                  TEXT NOT NULL,              -- awaiting_approval | active | closed
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    created_by              BLOB NOT NULL REFERENCES users(id),
    approved_by             BLOB REFERENCES users(id),
    approved_at             TEXT,
    created_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX support_plans_by_case ON support_plans(case_id);

CREATE TABLE support_plan_tasks (
    id                      BLOB PRIMARY KEY NOT NULL,
    plan_id                 BLOB NOT NULL REFERENCES support_plans(id),
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    action                  TEXT NOT NULL,
    owner_id                BLOB NOT NULL REFERENCES users(id),
    due_on                  TEXT NOT NULL,
    done_on                 TEXT,
    created_at              TEXT NOT NULL
);
CREATE INDEX support_plan_tasks_by_plan ON support_plan_tasks(plan_id);
CREATE INDEX support_plan_tasks_by_owner ON support_plan_tasks(owner_id, due_on);
