-- Statistics columns on the case (issue 6: the report's figures over 1M cases in seconds):
-- the person's first citizenship when the case was opened (`nationality`, ISO 3166-1 alpha-2),
-- and the waiting days from referral to the first reasonable-grounds decision and from it to
-- the first conclusive-grounds decision. The store keeps them with every case write; two
-- indexes in the order the statistics group by, so SQLite streams the groups without sorting.
-- Filled here; nothing is dropped.
ALTER TABLE cases ADD COLUMN nationality TEXT;
ALTER TABLE cases ADD COLUMN rg_wait_days INTEGER;
ALTER TABLE cases ADD COLUMN cg_wait_days INTEGER;
UPDATE cases SET nationality = (
    SELECT CASE WHEN instr(p.citizenships, ',') > 0 THEN substr(p.citizenships, 1, instr(p.citizenships, ',') - 1)
                ELSE NULLIF(p.citizenships, '') END
    FROM persons p WHERE p.id = cases.person_id)
WHERE person_id IS NOT NULL;
UPDATE cases SET
    rg_wait_days = CAST(julianday(rg_decided_on) - julianday(referred_on) AS INTEGER),
    cg_wait_days = CAST(julianday(cg_decided_on) - julianday(rg_decided_on) AS INTEGER)
WHERE rg_decided_on IS NOT NULL;
CREATE INDEX cases_waits ON cases(kind, sex, age_group, nationality, rg_wait_days, cg_wait_days, referred_on, rg_positive_on);
CREATE INDEX cases_detected ON cases(sex, age_group, exploitation_form, referred_on);
