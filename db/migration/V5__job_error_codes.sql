-- A failed job shows users a stable error code and a safe message; the exception itself (SQL text, server paths)
-- goes to the log only. Earlier rows stored "ExceptionClass: detail": their detail is replaced, their code derived.
ALTER TABLE training_jobs ADD COLUMN error_code text;

UPDATE training_jobs
   SET error_code = CASE WHEN error LIKE 'The worker lease expired %' THEN 'worker_lost'
                         WHEN error ~ '^[A-Za-z0-9_$.]+(Exception|Error|Problem): ' THEN 'training_error'
                         ELSE 'invalid_training_input' END
 WHERE status = 'failed' AND error IS NOT NULL;

UPDATE training_jobs
   SET error = 'Training failed with an internal error; the service log has the details'
 WHERE error_code = 'training_error';

UPDATE training_job_events
   SET message = 'Job failed: Training failed with an internal error; the service log has the details'
 WHERE type = 'failed' AND message ~ '^Job failed: [A-Za-z0-9_$.]+(Exception|Error|Problem): ';
