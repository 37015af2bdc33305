//! What the users service does to every create request before touching the
//! database, and to every user it returns.
//!
//! Each group has a baseline measured in the same run, so the figures read as
//! ratios ("validation costs N× a bare parse") rather than absolute numbers
//! that depend on the machine. Run: `cargo bench -p capstone-users`.

use std::hint::black_box;

use capstone_platform::extract::parse_json;
use capstone_users::{
    domain::{DisplayName, Email, NewUser, PageCursor, Role, User},
    routes::users::{CreateUserRequest, UserResponse},
};
use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use validator::Validate;

const CREATE_BODY: &[u8] =
    br#"{"email": "ada.lovelace@example.com", "display_name": "Ada Lovelace", "role": "admin"}"#;

/// Baseline: serde alone. Then what the `ValidatedJson` extractor and the
/// handler add: path-tracking parse, validator rules, domain conversion.
fn create_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_request");
    group.bench_function("baseline: serde_json only", |b| {
        b.iter(|| {
            let request: CreateUserRequest =
                serde_json::from_slice(black_box(CREATE_BODY)).expect("parses");
            black_box(request)
        })
    });
    group.bench_function("parse + validate + into NewUser", |b| {
        b.iter(|| {
            let request: CreateUserRequest = parse_json(black_box(CREATE_BODY)).expect("parses");
            request.validate().expect("valid");
            black_box(NewUser::try_from(request).expect("converts"))
        })
    });
    group.finish();
}

fn sample_user() -> User {
    let now = Utc::now();
    User {
        id: uuid::Uuid::now_v7(),
        email: Email::parse("ada.lovelace@example.com").expect("valid"),
        display_name: DisplayName::parse("Ada Lovelace").expect("valid"),
        role: Role::Admin,
        email_verified_at: Some(now),
        created_at: now,
        updated_at: now,
        auth_version: 0,
        disabled_at: None,
    }
}

/// Baseline: cloning the domain value. Then shaping and serialising it.
fn user_response(c: &mut Criterion) {
    let user = sample_user();
    let mut group = c.benchmark_group("user_response");
    group.bench_function("baseline: clone User", |b| {
        b.iter(|| black_box(black_box(&user).clone()))
    });
    group.bench_function("into UserResponse + to JSON", |b| {
        b.iter(|| {
            let response = UserResponse::from(black_box(&user).clone());
            black_box(serde_json::to_vec(&response).expect("serialises"))
        })
    });
    group.finish();
}

/// Keyset cursors are encoded for every page and decoded for every next page.
fn page_cursor(c: &mut Criterion) {
    let cursor = PageCursor {
        created_at: Utc::now(),
        id: uuid::Uuid::now_v7(),
    };
    let encoded = cursor.encode();
    let mut group = c.benchmark_group("page_cursor");
    group.bench_function("encode", |b| {
        b.iter(|| black_box(black_box(&cursor).encode()))
    });
    group.bench_function("decode", |b| {
        b.iter(|| black_box(PageCursor::decode(black_box(&encoded)).expect("valid")))
    });
    group.finish();
}

criterion_group!(benches, create_request, user_response, page_cursor);
criterion_main!(benches);
