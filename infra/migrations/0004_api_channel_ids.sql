-- People who reach the concierge through POST /orchestrate (another channel: a web
-- chat, a voice gateway...) are known by the caller's opaque id as "<id>@api". They
-- are users like WhatsApp people: sessions, interactions, roles, erasure.
ALTER TABLE user_whatsapp_ids DROP CONSTRAINT user_whatsapp_ids_whatsapp_id_check;
ALTER TABLE user_whatsapp_ids ADD CONSTRAINT user_whatsapp_ids_whatsapp_id_check
    CHECK (whatsapp_id ~ '^[^@\s]+@(c\.us|lid|s\.whatsapp\.net|api)$');
