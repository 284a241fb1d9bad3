-- Conversation flows (issue 4): handoffs to a human, their audit trail, and the
-- attempts of people proving a code (parent codes), with a lockout.
-- Plain SQL for PostgreSQL 13+ (Supabase included).

-- A conversation handed to a human. While it is open (requested, assigned,
-- active) a human owns the conversation and the bot stays silent; returned
-- (back to the bot) and closed are terminal. reference is the short handle
-- staff type ("H7K2P"): "H" and four characters without 0/O/1/I/L.
CREATE TABLE handoffs (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    reference            text        NOT NULL UNIQUE CHECK (reference ~ '^H[A-HJKMNP-Z2-9]{4}$'),
    conversation_id      text        NOT NULL CHECK (length(conversation_id) BETWEEN 1 AND 200),
    user_id              uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id           uuid        REFERENCES sessions (id) ON DELETE SET NULL,
    wa_session           text        NOT NULL DEFAULT '',
    chat_id              text        NOT NULL CHECK (length(chat_id) BETWEEN 1 AND 200),
    state                text        NOT NULL DEFAULT 'requested'
                                     CHECK (state IN ('requested', 'assigned', 'active', 'returned', 'closed')),
    reason               text        NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    requested_by         text        NOT NULL
                                     CHECK (requested_by IN ('person', 'ai', 'error', 'lockout', 'operator')),
    summary              text        NOT NULL DEFAULT '' CHECK (length(summary) <= 4000),
    assigned_to          text        CHECK (length(assigned_to) BETWEEN 1 AND 200),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    first_staff_reply_at timestamptz,
    last_person_at       timestamptz,
    last_staff_at        timestamptz,
    notice_sent_at       timestamptz,
    ended_at             timestamptz,
    -- ended_at is set exactly when the handoff is over
    CHECK ((state IN ('returned', 'closed')) = (ended_at IS NOT NULL))
);
-- At most one open handoff per conversation: two replicas cannot both open one.
CREATE UNIQUE INDEX handoffs_one_open_per_conversation
    ON handoffs (conversation_id) WHERE state IN ('requested', 'assigned', 'active');
-- The staff desk lists open handoffs, oldest first; the sweeper scans them.
CREATE INDEX handoffs_open_created_idx
    ON handoffs (created_at) WHERE state IN ('requested', 'assigned', 'active');
CREATE INDEX handoffs_created_idx ON handoffs (created_at);
CREATE INDEX handoffs_user_idx ON handoffs (user_id);
CREATE INDEX handoffs_session_idx ON handoffs (session_id) WHERE session_id IS NOT NULL;

-- The audit trail of a handoff: every state it entered, who moved it, when.
-- from_state is NULL for the creation.
CREATE TABLE handoff_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handoff_id  uuid        NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    from_state  text        CHECK (from_state IN ('requested', 'assigned', 'active', 'returned', 'closed')),
    to_state    text        NOT NULL
                            CHECK (to_state IN ('requested', 'assigned', 'active', 'returned', 'closed')),
    actor       text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    note        text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000)
);
CREATE INDEX handoff_events_handoff_idx ON handoff_events (handoff_id, at, id);

-- Wrong codes a person typed for a service, counted in a window; too many lock
-- them out until locked_until (no attempt counts meanwhile, even a right code).
CREATE TABLE code_attempts (
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id       uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    failures         integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    first_failure_at timestamptz,
    locked_until     timestamptz,
    PRIMARY KEY (user_id, service_id)
);
CREATE INDEX code_attempts_service_idx ON code_attempts (service_id);

-- Both parents of a family prove the same code: each gets a row of their own
-- with the same intrinsic_id (a copy of the family's record). A code has at most
-- one row nobody claimed yet, and one row per person.
DROP INDEX user_services_intrinsic_uq;
CREATE UNIQUE INDEX user_services_code_unclaimed_uq
    ON user_services (service_id, intrinsic_id) WHERE intrinsic_id IS NOT NULL AND user_id IS NULL;
CREATE UNIQUE INDEX user_services_code_per_user_uq
    ON user_services (service_id, intrinsic_id, user_id)
    WHERE intrinsic_id IS NOT NULL AND user_id IS NOT NULL;
CREATE INDEX user_services_code_idx
    ON user_services (service_id, intrinsic_id) WHERE intrinsic_id IS NOT NULL;
