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
    }
}
