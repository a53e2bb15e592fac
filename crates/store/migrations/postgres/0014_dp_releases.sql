-- Differential-privacy releases (issue 6): a budget ε per series of releases (in millionths, so both engines keep it
-- exactly) and every release charged against it: ε, δ, what was released, when, by whom.

CREATE TABLE dp_budgets (
    id                      uuid PRIMARY KEY,
    series                  text NOT NULL UNIQUE,
    epsilon_budget_micro    bigint NOT NULL,
    set_by                  uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);

CREATE TABLE dp_releases (
    id                      uuid PRIMARY KEY,
    series                  text NOT NULL,
    epsilon_micro           bigint NOT NULL,
    delta                   text NOT NULL,
    what                    text NOT NULL,
    released_by             uuid NOT NULL REFERENCES users(id),
    released_at             timestamptz NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX dp_releases_by_series ON dp_releases(series, released_at);
