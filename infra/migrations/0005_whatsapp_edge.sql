-- The WhatsApp edge (issue 6): what became of each message the organisation sent
-- (WAHA's receipts, or a refusal), the person's reaction to a message, and a
-- received file's origin. Media rows describe files in the media storage
-- (MEDIA_STORAGE_URL); file_path is the storage key.

-- '' for a person's message; 'sent' once WAHA accepted a reply, then WhatsApp's
-- receipts ('server', 'device', 'read', 'played'; 'error'); 'failed' when WAHA
-- refused it for good (463...), with delivery_error saying why.
ALTER TABLE interactions ADD COLUMN delivery_status text NOT NULL DEFAULT ''
    CHECK (delivery_status IN ('', 'sent', 'failed', 'error', 'pending', 'server', 'device',
                               'read', 'played'));
ALTER TABLE interactions ADD COLUMN delivery_error text NOT NULL DEFAULT ''
    CHECK (length(delivery_error) <= 200);
-- The emoji the person reacted with ('' when none, or removed).
ALTER TABLE interactions ADD COLUMN reaction text NOT NULL DEFAULT ''
    CHECK (length(reaction) <= 32);
ALTER TABLE interactions ADD COLUMN reacted_at timestamptz;

-- WAHA's original file name and mime type may be absent: the sha256 identifies content.
CREATE INDEX media_sha256_idx ON media (sha256);
