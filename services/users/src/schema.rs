//! Diesel's view of the tables, matching `migrations/`. Written by hand to
//! mirror the migration (what `diesel print-schema` would produce); the
//! integration tests exercise every column against the real database.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        password_hash -> Nullable<Text>,
        auth_version -> Integer,
        disabled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        family_expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(outbox, refresh_tokens, users);

diesel::table! {
    outbox (id) {
        id -> Uuid,
        event_type -> Text,
        envelope -> Jsonb,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}
