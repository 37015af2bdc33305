-- Who made a change, when it was not the user it is about: the admin who
-- changed someone's address, role or suspension, or deleted their account.
-- NULL for changes a user made themselves (or that no request caused),
-- and for rows written before events carried an actor.
ALTER TABLE audit_log ADD COLUMN actor_id uuid;
