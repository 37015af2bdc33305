-- Credentials and sessions.

-- The argon2id hash of the password, as a self-describing PHC string
-- ($argon2id$v=19$m=…,t=…,p=…$salt$hash): the parameters travel with the
-- hash, so the cost can be raised later without invalidating old hashes.
-- NULL for accounts created by an admin through POST /api/v1/users: they
-- cannot log in until a password is set.
ALTER TABLE users ADD COLUMN password_hash text;

-- Refresh tokens: opaque random values held by clients, exchanged for new
-- access tokens. Each is single-use: refreshing marks it used and issues the
-- next one in the same family (one family per login). Presenting a used
-- token again means it was copied, so the whole family is revoked.
CREATE TABLE refresh_tokens (
    id                uuid        PRIMARY KEY,
    -- All tokens descending from one login share a family.
    family_id         uuid        NOT NULL,
    -- Deleting a user deletes their sessions: their refresh tokens stop
    -- working at the next refresh.
    user_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token, never the token itself: a leaked table cannot be
    -- replayed. A fast hash is enough here (unlike passwords): the token is
    -- 256 random bits, so there is nothing to guess. UNIQUE is also the index
    -- that finds the row when a token is presented.
    token_hash        bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- Sliding expiry: unused for this long, the token is dead.
    expires_at        timestamptz NOT NULL,
    -- Absolute expiry of the family: refreshing cannot extend a session forever.
    family_expires_at timestamptz NOT NULL,
    -- Set when exchanged; a second exchange is theft.
    used_at           timestamptz,
    -- Set on logout, password change, or detected reuse.
    revoked_at        timestamptz,
    CHECK (expires_at <= family_expires_at)
);

-- Revoking a family (logout, reuse) updates every row of it.
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
-- Revoking all of a user's sessions (password change), and the foreign key's
-- ON DELETE CASCADE, look rows up by user.
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
