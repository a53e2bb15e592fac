-- The date of each case's first reasonable-grounds and first conclusive-grounds decision, kept on
-- the case (the store sets them with every decision event), so the NRM waiting times (issue 6,
-- resolution 58/137 ¶8) are one grouped scan of the cases instead of two look-ups per case in the
-- timeline. Filled here from the timeline; nothing is dropped.
ALTER TABLE cases ADD COLUMN rg_decided_on date;
ALTER TABLE cases ADD COLUMN cg_decided_on date;
UPDATE cases SET rg_decided_on = d.rg, cg_decided_on = d.cg
FROM (SELECT case_id,
             MIN(on_date) FILTER (WHERE kind = 'decide_reasonable_grounds') AS rg,
             MIN(on_date) FILTER (WHERE kind = 'decide_conclusive_grounds') AS cg
      FROM case_events WHERE kind IN ('decide_reasonable_grounds', 'decide_conclusive_grounds') GROUP BY case_id) d
WHERE d.case_id = cases.id;
