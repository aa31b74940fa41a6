-- Promotion-based ASHA (Li et al. 2020): a trial that reaches a rung is paused there (promoted = false) and promoted
-- later, when a free worker finds it among the top floor(n/eta) of the rung's results; promoted_at records when, so
-- every promotion can be checked against the results the rung had at that moment.
ALTER TABLE sweep_rungs ADD COLUMN promoted_at timestamptz;
UPDATE sweep_rungs SET promoted_at = recorded_at WHERE promoted;
ALTER TABLE sweep_rungs ADD CONSTRAINT sweep_rung_promoted_at CHECK (promoted = (promoted_at IS NOT NULL));
