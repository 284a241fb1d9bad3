-- The system of record: the nine entities of the concierge.
-- Plain SQL for PostgreSQL 13+ (Supabase included): gen_random_uuid() is core.
-- Constraints make wrong states impossible rather than merely unlikely.

-- People. A person is one row whatever WhatsApp id they write from.
CREATE TABLE users (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    is_active   boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- WhatsApp presents one person as a phone id ("...@c.us") or an opaque "...@lid":
-- both are aliases of the same user, and an id belongs to one user only.
CREATE TABLE user_whatsapp_ids (
    whatsapp_id text        PRIMARY KEY CHECK (whatsapp_id ~ '^[^@\s]+@(c\.us|lid|s\.whatsapp\.net)$'),
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_whatsapp_ids_user_idx ON user_whatsapp_ids (user_id);

-- What the concierge offers (RENSEIGNEMENT, CATECHESE, CONTACT_HUMAIN, ...).
CREATE TABLE services (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text        NOT NULL UNIQUE CHECK (name ~ '^[A-Z][A-Z0-9_]{1,63}$'),
    description      text        NOT NULL DEFAULT '',
    trigger_keywords text[]      NOT NULL DEFAULT '{}',
    processing_type  text        NOT NULL DEFAULT 'ai'
                                 CHECK (processing_type IN ('ai', 'form', 'human')),
    required_role    text        CHECK (required_role IN ('member', 'parent', 'catechist', 'agent', 'admin')),
    is_active        boolean     NOT NULL DEFAULT true,
    display_order    integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A conversation of a person with the concierge, with its state and expiry.
CREATE TABLE sessions (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_id       uuid        REFERENCES services (id) ON DELETE SET NULL,
    status           text        NOT NULL DEFAULT 'active'
                                 CHECK (status IN ('active', 'awaiting_input', 'handoff', 'closed', 'expired')),
    state            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),
    metadata         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    CHECK (expires_at >= created_at),
    -- ended_at is set exactly when the session is over
    CHECK ((status IN ('closed', 'expired')) = (ended_at IS NOT NULL))
);
-- At most one open session per person: two replicas cannot both create one.
CREATE UNIQUE INDEX sessions_one_open_per_user
    ON sessions (user_id) WHERE status IN ('active', 'awaiting_input', 'handoff');
-- The expiry job's scan.
CREATE INDEX sessions_open_expiry_idx
    ON sessions (expires_at) WHERE status IN ('active', 'awaiting_input');

-- Files received or produced. file_path is relative to the media storage root.
CREATE TABLE media (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    filename    text        NOT NULL DEFAULT '',
    file_path   text        NOT NULL UNIQUE,
    mime_type   text        NOT NULL,
    size        bigint      NOT NULL CHECK (size >= 0),
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every message in or out, once: the provider message id is the idempotency key.
CREATE TABLE interactions (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id          uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    direction           text        NOT NULL CHECK (direction IN ('in', 'out')),
    message_type        text        NOT NULL DEFAULT 'text'
                                    CHECK (message_type IN ('text', 'image', 'audio', 'video', 'document',
                                                            'location', 'contact', 'system')),
    content             text        NOT NULL DEFAULT '',
    media_id            uuid        REFERENCES media (id) ON DELETE SET NULL,
    provider_message_id text        NOT NULL UNIQUE,
    correlation_id      text        NOT NULL DEFAULT '',
    origin              text        NOT NULL DEFAULT '',
    occurred_at         timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_session_idx ON interactions (session_id, occurred_at);
CREATE INDEX interactions_media_idx ON interactions (media_id) WHERE media_id IS NOT NULL;

-- Files or documents a service produced for a session (an .ics, a PDF summary).
CREATE TABLE artifacts (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    service_id  uuid        REFERENCES services (id) ON DELETE SET NULL,
    type        text        NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    content     jsonb       NOT NULL DEFAULT '{}',
    file_url    text,
    media_id    uuid        REFERENCES media (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_session_idx ON artifacts (session_id);

-- Roles of people in services. intrinsic_id is a keyed hash of an identifier the
-- person proves (a parent code); a code may be provisioned before anyone claims it
-- (user_id NULL). attributes holds what the role gives access to (a family's children).
CREATE TABLE user_services (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        REFERENCES users (id) ON DELETE CASCADE,
    service_id   uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('member', 'parent', 'catechist', 'agent', 'admin')),
    intrinsic_id text        CHECK (intrinsic_id ~ '^[0-9a-f]{64}$'),
    attributes   jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (user_id IS NOT NULL OR intrinsic_id IS NOT NULL)
);
CREATE UNIQUE INDEX user_services_intrinsic_uq
    ON user_services (service_id, intrinsic_id) WHERE intrinsic_id IS NOT NULL;
CREATE UNIQUE INDEX user_services_role_uq
    ON user_services (user_id, service_id, role) WHERE user_id IS NOT NULL AND intrinsic_id IS NULL;
CREATE INDEX user_services_user_idx ON user_services (user_id);

-- A service's prompts, versioned: the highest version is the current one.
CREATE TABLE service_contexts (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id    uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    system_prompt text        NOT NULL CHECK (length(system_prompt) > 0),
    prompts       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(prompts) = 'object'),
    version       integer     NOT NULL CHECK (version > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (service_id, version)
);

-- The organisation's facts, each valid in [valid_from, valid_to); NULL is unbounded.
CREATE TABLE service_infos (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id  uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    content     text        NOT NULL CHECK (length(content) > 0),
    valid_from  timestamptz,
    valid_to    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX service_infos_service_idx ON service_infos (service_id, valid_from, valid_to);

-- interactions replace message_log (0001). The concierge had no deployment holding
-- message_log rows worth keeping, so it is dropped rather than copied.
DROP TABLE message_log;
