-- Families of a service's records (issue 17): staff create them through the admin
-- API (or an importer), then issue a parent code. The record (parents, children with
-- their group, catechist, schedule and dated sessions) lives here; each role row of
-- the family's code (user_services, family_id set: the one provisioned, one per
-- parent who proved it) carries a copy in its attributes, which store.families keeps
-- in step. Deleting a family deletes its code rows, so the code stops working.
--
-- import_source / import_key: the row of an information source (store.importing)
-- this family or fact came from; a sync updates that one in place. NULL for what
-- staff wrote themselves.
CREATE TABLE families (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id    uuid        NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    record        jsonb       NOT NULL CHECK (jsonb_typeof(record) = 'object'),
    import_source text        CHECK (length(import_source) BETWEEN 1 AND 100),
    import_key    text        CHECK (length(import_key) BETWEEN 1 AND 300),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((import_source IS NULL) = (import_key IS NULL))
);
CREATE INDEX families_service_idx ON families (service_id, name);
CREATE UNIQUE INDEX families_import_uq
    ON families (import_source, import_key) WHERE import_source IS NOT NULL;

ALTER TABLE user_services
    ADD COLUMN family_id uuid REFERENCES families (id) ON DELETE CASCADE;
CREATE INDEX user_services_family_idx ON user_services (family_id) WHERE family_id IS NOT NULL;

ALTER TABLE service_infos
    ADD COLUMN import_source text CHECK (length(import_source) BETWEEN 1 AND 100),
    ADD COLUMN import_key    text CHECK (length(import_key) BETWEEN 1 AND 300),
    ADD CONSTRAINT service_infos_import_pair CHECK ((import_source IS NULL) = (import_key IS NULL));
CREATE UNIQUE INDEX service_infos_import_uq
    ON service_infos (import_source, import_key) WHERE import_source IS NOT NULL;
