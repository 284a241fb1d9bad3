-- Retention (store/retention.py): the purge finds what is older than each kind's
-- window by the time it was recorded. Without these, each run would read the
-- whole of interactions, artifacts and media.
CREATE INDEX IF NOT EXISTS interactions_created_idx ON interactions (created_at);
CREATE INDEX IF NOT EXISTS artifacts_created_idx ON artifacts (created_at);
CREATE INDEX IF NOT EXISTS media_created_idx ON media (created_at);
-- A file's referrers, for the media purge (interactions already have theirs).
CREATE INDEX IF NOT EXISTS artifacts_media_idx ON artifacts (media_id) WHERE media_id IS NOT NULL;
