-- The first table of the system of record: every inbound message and every reply
-- sent, each stored once. The full schema (users, sessions, interactions...) comes
-- with issue #3. Plain SQL, compatible with Supabase.
CREATE TABLE IF NOT EXISTS message_log (
    id                  bigserial PRIMARY KEY,
    direction           text        NOT NULL CHECK (direction IN ('in', 'out')),
    dedup_key           text        NOT NULL UNIQUE,
    conversation_id     text        NOT NULL CHECK (conversation_id ~ '^[0-9a-f]{32}$'),
    session             text        NOT NULL,
    chat_id             text        NOT NULL,
    kind                text        NOT NULL DEFAULT 'text',
    body                text        NOT NULL DEFAULT '',
    provider_message_id text,
    correlation_id      text        NOT NULL,
    occurred_at         timestamptz NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS message_log_conversation_idx
    ON message_log (conversation_id, occurred_at);
