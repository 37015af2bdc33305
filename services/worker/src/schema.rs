//! Diesel's view of the tables, matching `migrations/`. Written by hand to
//! mirror the migrations (what `diesel print-schema` would produce); the
//! integration tests exercise every column against the real database.

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        event_id -> Uuid,
        event_type -> Text,
        user_id -> Uuid,
        occurred_at -> Timestamptz,
        recorded_at -> Timestamptz,
        correlation_id -> Nullable<Text>,
        payload -> Jsonb,
        actor_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    processed_events (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}
