-- Reverts up.sql (diesel migration revert). Dropping the table drops its
-- indexes and trigger; the function is separate.
DROP TABLE users;
DROP FUNCTION users_touch_updated_at();
