-- Tombstones of privacy erasures (issue 12): the WhatsApp ids of erased people, as a
-- keyed hash (HMAC-SHA256 under INTRINSIC_ID_KEY, never the id itself), with the time
-- of their latest erasure. A message or request of such an id that was written before
-- that time belongs to the erased person and is dropped, so that nothing in flight or
-- redelivered by the bus brings them back (store/tombstones.py).
CREATE TABLE erased_whatsapp_ids (
    id_hash    text        PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    erased_at  timestamptz NOT NULL
);
