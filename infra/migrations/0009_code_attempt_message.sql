-- The message that carried a person's last wrong code (the bus message id given to
-- code.claim), or NULL. A message redelivered after its first attempt's failure was
-- counted (the store's reply lost, or a crash) finds its own id here and is not
-- counted a second time: one wrong code costs one attempt. Cleared when the count
-- is (a right code, a lockout).
ALTER TABLE code_attempts
    ADD COLUMN last_failed_message text CHECK (length(last_failed_message) BETWEEN 1 AND 200);
