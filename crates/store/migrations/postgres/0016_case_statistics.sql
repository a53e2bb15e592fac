-- Statistics columns on the case (issue 6: the report's figures over 1M cases in seconds):
-- the person's first citizenship when the case was opened (`nationality`, ISO 3166-1 alpha-2),
-- and the waiting days from referral to the first reasonable-grounds decision and from it to
-- the first conclusive-grounds decision. The store keeps them with every case write; two
-- covering indexes for the statistics. Filled here; nothing is dropped.
ALTER TABLE cases ADD COLUMN nationality text;
ALTER TABLE cases ADD COLUMN rg_wait_days integer;
ALTER TABLE cases ADD COLUMN cg_wait_days integer;
UPDATE cases SET nationality = NULLIF(split_part(p.citizenships, ',', 1), '')
FROM persons p WHERE p.id = cases.person_id;
UPDATE cases SET
    rg_wait_days = rg_decided_on - referred_on,
    cg_wait_days = cg_decided_on - rg_decided_on
WHERE rg_decided_on IS NOT NULL;
CREATE INDEX cases_waits ON cases(kind, sex, age_group, nationality, rg_wait_days, cg_wait_days, referred_on, rg_positive_on);
CREATE INDEX cases_detected ON cases(sex, age_group, exploitation_form, referred_on);
