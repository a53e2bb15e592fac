-- Differential-privacy releases (issue 6): a budget ε per series of releases (in millionths, so both engines keep it
-- exactly) and every release charged against it: ε, δ, what was released, when, by whom.

CREATE TABLE dp_budgets (
    id                      BLOB PRIMARY KEY NOT NULL,
    series                  TEXT NOT NULL UNIQUE,
    epsilon_budget_micro    INTEGER NOT NULL,
    set_by                  BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);

CREATE TABLE dp_releases (
    id                      BLOB PRIMARY KEY NOT NULL,
    series                  TEXT NOT NULL,
    epsilon_micro           INTEGER NOT NULL,
    delta                   TEXT NOT NULL,
    what                    TEXT NOT NULL,
    released_by             BLOB NOT NULL REFERENCES users(id),
    released_at             TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX dp_releases_by_series ON dp_releases(series, released_at);
