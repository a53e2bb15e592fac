-- Referral statistics (issue 6: answers and response times per service kind for a year): the
-- year's referrals read from one index, in the order sent, with what the statistics need.
CREATE INDEX referrals_sent ON referrals(sent_at, kind, status, responded_at);
