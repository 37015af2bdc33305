-- Access tokens that stop working before they expire.
--
-- An access token is self-contained: it says "user X, role R" until it
-- expires (15 minutes). Without a check against the stored account, a token
-- of a deleted, disabled or demoted admin would keep its power until then.
-- The service compares each token's `ver` claim with this column (through
-- the users cache, so the cost is an in-process lookup) and refuses older
-- tokens. The service bumps it whenever what a token asserts may no longer
-- hold: role change, disabling, password change or reset, address change.
ALTER TABLE users ADD COLUMN auth_version integer NOT NULL DEFAULT 0 CHECK (auth_version >= 0);

-- Set by an admin to suspend an account: no login, no refresh, and its
-- access tokens are refused. NULL for an active account.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- The last-admin rule locks every active admin row before demoting,
-- disabling or deleting one (see repo/admins.rs). Admins are few among many
-- users: a partial index finds them without scanning everyone.
CREATE INDEX users_active_admins_idx ON users (id) WHERE role = 'admin' AND disabled_at IS NULL;
