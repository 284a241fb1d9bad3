-- Limits on code guessing across identities (store.claim_limits, SECURITY.md item 1).
--
-- A person's own lockout (code_attempts) stops nobody who changes identity, and
-- identities are cheap. Each wrong code is therefore also written here, once per
-- scope it counts in: "global", "channel:<whatsapp|api|other>", "source:<...>"
-- (an API channel's token subject, or the parish's WhatsApp number), and
-- "weak:<service id>" when the code typed had the old, short format. A scope
-- whose wrong codes within the window reach its budget pauses every claim in it.
-- Nothing personal is kept: no person, no code, only when and where.
CREATE TABLE code_claim_failures (
    id        bigserial   PRIMARY KEY,
    scope     text        NOT NULL CHECK (length(scope) BETWEEN 1 AND 120),
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_claim_failures_scope_idx ON code_claim_failures (scope, failed_at);

-- A service whose short (weak) codes stopped working: too many wrong short codes
-- across identities. Only codes staff re-issue in the strong format work again.
CREATE TABLE weak_code_suspensions (
    service_id   uuid        PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    suspended_at timestamptz NOT NULL DEFAULT now()
);

-- Lockouts of a person in a row (no right code in between): each one lasts twice
-- as long as the one before.
ALTER TABLE code_attempts
    ADD COLUMN lockouts integer NOT NULL DEFAULT 0 CHECK (lockouts >= 0);
