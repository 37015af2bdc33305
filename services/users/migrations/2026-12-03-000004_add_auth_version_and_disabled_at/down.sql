DROP INDEX users_active_admins_idx;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN auth_version;
