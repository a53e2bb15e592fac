-- GLOTIP's victims by citizenship and by country of exploitation come from one grouped read
-- (sex, age group, nationality, country of exploitation) of the year's cases; this index holds
-- every column of it in that order, so the read streams from the index without touching the
-- table (at 1M cases on SQLite: 4 s → 0.15 s).
CREATE INDEX cases_victims_by_country ON cases(sex, age_group, nationality, exploitation_country, referred_on);
