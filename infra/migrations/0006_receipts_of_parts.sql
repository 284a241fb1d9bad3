-- Receipts of long replies and receipts that come early (issue 6).
-- A long reply goes out as several WhatsApp messages: the interaction is keyed by
-- the first one's id and lists the others, so a receipt of any part counts.
ALTER TABLE interactions ADD COLUMN part_message_ids text[] NOT NULL DEFAULT '{}';
CREATE INDEX interactions_parts_idx ON interactions USING gin (part_message_ids);

-- WhatsApp acknowledges a message as soon as it is sent, while the reply is recorded
-- once all its parts are out: a receipt of a reply not recorded yet waits here, and
-- is applied when the reply is recorded. Only hashes of WAHA's message ids are kept
-- (those ids contain phone numbers); rows older than a day are dropped.
CREATE TABLE pending_receipts (
    id          bigserial   PRIMARY KEY,
    key_hashes  text[]      NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('ack', 'reaction')),
    value       text        NOT NULL DEFAULT '' CHECK (length(value) <= 32),
    seen_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_receipts_keys_idx ON pending_receipts USING gin (key_hashes);
CREATE INDEX pending_receipts_created_idx ON pending_receipts (created_at);
