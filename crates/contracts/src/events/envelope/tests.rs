use chrono::TimeZone;
use serde_json::json;

use super::*;
use crate::Role;

fn link() -> SealedLinkToken {
    SealedLinkToken {
        sealed: "v1.k1.c2VhbGVkIGxpbmsgdG9rZW4".into(),
        expires_at: Utc
            .with_ymd_and_hms(2026, 11, 25, 10, 0, 0)
            .single()
            .expect("valid time"),
    }
}

fn one_of_each() -> Vec<Event> {
    let user_id = Uuid::now_v7();
    vec![
        Event::UserRegistered(UserRegistered {
            user_id,
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            role: Role::User,
            verification: link(),
        }),
        Event::UserRegistrationAttempted(UserRegistrationAttempted {
            user_id,
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
        }),
        Event::UserEmailVerificationRequested(UserEmailVerificationRequested {
            user_id,
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            verification: link(),
        }),
        Event::PasswordResetRequested(PasswordResetRequested {
            user_id,
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            reset: link(),
        }),
        Event::UserEmailChangeRequested(UserEmailChangeRequested {
            user_id,
            new_email: "ada@new.example".into(),
            display_name: "Ada".into(),
            confirmation: link(),
        }),
        Event::UserEmailChanged(UserEmailChanged {
            user_id,
            old_email: "ada@example.com".into(),
            new_email: "ada@new.example".into(),
            display_name: "Ada".into(),
            by_admin: true,
            undo: link(),
        }),
        Event::UserUpdated(UserUpdated {
            user_id,
            email: "ada@example.com".into(),
            display_name: "Ada L.".into(),
            role: Role::Admin,
            email_verified: true,
            changed: vec!["display_name".into(), "role".into()],
        }),
        Event::UserDeleted(UserDeleted { user_id }),
    ]
}

#[test]
fn every_event_type_round_trips_through_json() {
    let events = one_of_each();
    let types: Vec<_> = events.iter().map(Event::event_type).collect();
    assert_eq!(types, Event::TYPES, "one sample per known type");
    for event in events {
        let envelope = Envelope::new(event)
            .with_correlation_id(Some("req-1".into()))
            .with_trace(TraceContext {
                traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
                tracestate: Some("vendor=1".into()),
            })
            .with_actor(Some(Uuid::now_v7()));
        let decoded = Envelope::decode(&envelope.encode()).expect("decodes");
        assert_eq!(decoded, envelope);
    }
}

#[test]
fn the_wire_format_has_the_outer_fields_and_the_type_as_routing_key() {
    let envelope = Envelope::new(Event::UserDeleted(UserDeleted {
        user_id: Uuid::nil(),
    }));
    let wire: serde_json::Value = serde_json::from_slice(&envelope.encode()).expect("json");
    assert_eq!(wire["type"], "user.deleted");
    assert_eq!(wire["version"], 1);
    assert_eq!(wire["id"], envelope.id.to_string());
    assert_eq!(wire["payload"], json!({"user_id": Uuid::nil()}));
    assert!(
        wire.get("traceparent").is_none(),
        "absent context is omitted"
    );
    assert_eq!(envelope.id.get_version_num(), 7, "ids are UUIDv7");
}

fn wire_with(event_type: &str, version: u16, payload: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": Uuid::now_v7(), "type": event_type, "version": version,
        "occurred_at": "2026-11-24T10:00:00Z", "payload": payload,
    }))
    .expect("json")
}

#[test]
fn poison_is_classified_with_a_reason() {
    let user = json!({"user_id": Uuid::nil()});
    assert!(matches!(
        Envelope::decode(b"not json"),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        Envelope::decode(&wire_with("user.exploded", 1, user.clone())),
        Err(DecodeError::UnknownType(t)) if t == "user.exploded"
    ));
    assert!(matches!(
        Envelope::decode(&wire_with("user.deleted", 2, user)),
        Err(DecodeError::UnsupportedVersion { version: 2, .. })
    ));
    // Version 1 of an event with a link carried the token in plain text:
    // refused, never read.
    let plain = json!({"user_id": Uuid::nil(), "email": "a@example.com", "display_name": "A",
        "reset": {"token": "eyJ.plain.token", "expires_at": "2026-11-25T10:00:00Z"}});
    let error = Envelope::decode(&wire_with("user.password_reset_requested", 1, plain))
        .expect_err("version 1 is gone");
    assert!(error.to_string().contains("reads version 2"), "{error}");
    let error =
        Envelope::decode(&wire_with("user.deleted", 1, json!({"id": 1}))).expect_err("poison");
    assert!(
        error.to_string().contains("invalid `user.deleted` payload"),
        "{error}"
    );
}

#[test]
fn redaction_leaves_no_sealed_token_in_an_audit_payload() {
    for event in one_of_each() {
        let envelope = Envelope::new(event);
        let redacted = envelope.redacted_payload().to_string();
        assert!(!redacted.contains("c2VhbGVkIGxpbmsgdG9rZW4"), "{redacted}");
    }
}
