-- The case page asks which of the case file's optional sections have any rows, so that it reads
-- only those. It asked with ten EXISTS sub-queries on every page; the answer is now kept on the
-- case, as a bit per section, by triggers on the sections' tables (the way an index is kept: no
-- writer has to remember it, the bulk generator and the importer included). A bit once set stays
-- set (no section row is ever deleted or moved to another case); a bit set with no rows behind it
-- would only cost a read that finds nothing.
--
-- Bits: 2 break-glass grants, 8 referrals, 16 services delivered, 32 residence permits,
-- 64 child records, 128 compensation claims, 256 risk assessments, 512 follow-ups,
-- 1024 support plans, 2048 disclosures. No data changes; the existing rows set the bits once here.
ALTER TABLE cases ADD COLUMN sections_present INTEGER NOT NULL DEFAULT 0;

UPDATE cases SET sections_present = sections_present | 2 WHERE id IN (SELECT case_id FROM break_glass);
UPDATE cases SET sections_present = sections_present | 8 WHERE id IN (SELECT case_id FROM referrals);
UPDATE cases SET sections_present = sections_present | 16 WHERE id IN (SELECT case_id FROM services_delivered);
UPDATE cases SET sections_present = sections_present | 32 WHERE id IN (SELECT case_id FROM residence_permits);
UPDATE cases SET sections_present = sections_present | 64 WHERE id IN (SELECT case_id FROM child_records);
UPDATE cases SET sections_present = sections_present | 128 WHERE id IN (SELECT case_id FROM compensation_claims);
UPDATE cases SET sections_present = sections_present | 256 WHERE id IN (SELECT case_id FROM risk_assessments);
UPDATE cases SET sections_present = sections_present | 512 WHERE id IN (SELECT case_id FROM follow_ups);
UPDATE cases SET sections_present = sections_present | 1024 WHERE id IN (SELECT case_id FROM support_plans);
UPDATE cases SET sections_present = sections_present | 2048 WHERE id IN (SELECT case_id FROM disclosures);

CREATE TRIGGER break_glass_marks_case AFTER INSERT ON break_glass BEGIN
    UPDATE cases SET sections_present = sections_present | 2 WHERE id = NEW.case_id AND (sections_present & 2) = 0;
END;
CREATE TRIGGER referrals_mark_case AFTER INSERT ON referrals BEGIN
    UPDATE cases SET sections_present = sections_present | 8 WHERE id = NEW.case_id AND (sections_present & 8) = 0;
END;
CREATE TRIGGER services_delivered_mark_case AFTER INSERT ON services_delivered BEGIN
    UPDATE cases SET sections_present = sections_present | 16 WHERE id = NEW.case_id AND (sections_present & 16) = 0;
END;
CREATE TRIGGER residence_permits_mark_case AFTER INSERT ON residence_permits BEGIN
    UPDATE cases SET sections_present = sections_present | 32 WHERE id = NEW.case_id AND (sections_present & 32) = 0;
END;
CREATE TRIGGER child_records_mark_case AFTER INSERT ON child_records BEGIN
    UPDATE cases SET sections_present = sections_present | 64 WHERE id = NEW.case_id AND (sections_present & 64) = 0;
END;
CREATE TRIGGER compensation_claims_mark_case AFTER INSERT ON compensation_claims BEGIN
    UPDATE cases SET sections_present = sections_present | 128 WHERE id = NEW.case_id AND (sections_present & 128) = 0;
END;
CREATE TRIGGER risk_assessments_mark_case AFTER INSERT ON risk_assessments BEGIN
    UPDATE cases SET sections_present = sections_present | 256 WHERE id = NEW.case_id AND (sections_present & 256) = 0;
END;
CREATE TRIGGER follow_ups_mark_case AFTER INSERT ON follow_ups BEGIN
    UPDATE cases SET sections_present = sections_present | 512 WHERE id = NEW.case_id AND (sections_present & 512) = 0;
END;
CREATE TRIGGER support_plans_mark_case AFTER INSERT ON support_plans BEGIN
    UPDATE cases SET sections_present = sections_present | 1024 WHERE id = NEW.case_id AND (sections_present & 1024) = 0;
END;
CREATE TRIGGER disclosures_mark_case AFTER INSERT ON disclosures BEGIN
    UPDATE cases SET sections_present = sections_present | 2048 WHERE id = NEW.case_id AND (sections_present & 2048) = 0;
END;
