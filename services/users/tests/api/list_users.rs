use std::collections::HashSet;

use uuid::Uuid;

use crate::helpers::{TestApp, UserBody, assert_problem, spawn_app};

async fn create_users(app: &TestApp, count: usize) -> Vec<UserBody> {
    let mut users = Vec::new();
    for index in 0..count {
        users.push(
            app.create_user(
                &format!("user{index}@example.com"),
                &format!("User {index}"),
            )
            .await,
        );
    }
    users
}

#[tokio::test]
async fn list_returns_newest_first_in_pages_that_cover_everyone_once() {
    let app = spawn_app().await;
    let created = create_users(&app, 5).await;

    // `role=user`: everyone but the test's admin (see helpers::spawn_app).
    let first = app.list_page("limit=2&role=user").await;
    let second = app
        .list_page(&format!(
            "limit=2&role=user&cursor={}",
            first.next_cursor.clone().expect("more")
        ))
        .await;
    let third = app
        .list_page(&format!(
            "limit=2&role=user&cursor={}",
            second.next_cursor.clone().expect("more")
        ))
        .await;

    assert_eq!(first.items.len(), 2);
    assert_eq!(second.items.len(), 2);
    assert_eq!(third.items.len(), 1);
    assert_eq!(third.next_cursor, None, "the last page says so");
    let seen: Vec<Uuid> = [first.items, second.items, third.items]
        .concat()
        .iter()
        .map(|user| user.id)
        .collect();
    let newest_first: Vec<Uuid> = created.iter().rev().map(|user| user.id).collect();
    assert_eq!(seen, newest_first);
}

#[tokio::test]
async fn a_page_that_exactly_fills_the_limit_has_no_next_cursor() {
    let app = spawn_app().await;
    create_users(&app, 3).await;

    let page = app.list_page("limit=3&role=user").await;

    assert_eq!(page.items.len(), 3);
    assert_eq!(page.next_cursor, None);
}

#[tokio::test]
async fn no_match_lists_as_an_empty_page() {
    let app = spawn_app().await;

    // The test's admin exists; no plain user does.
    let page = app.list_page("role=user").await;

    assert!(page.items.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[tokio::test]
async fn the_default_page_size_is_20() {
    let app = spawn_app().await;
    create_users(&app, 21).await;

    let page = app.list_page("").await;

    assert_eq!(page.items.len(), 20);
    assert!(page.next_cursor.is_some());
}

#[tokio::test]
async fn users_created_between_pages_neither_repeat_nor_hide_older_ones() {
    let app = spawn_app().await;
    let created = create_users(&app, 4).await;
    let first = app.list_page("limit=2").await;

    app.create_user("late@example.com", "Late").await;
    let second = app
        .list_page(&format!(
            "limit=2&cursor={}",
            first.next_cursor.expect("more")
        ))
        .await;

    let second_ids: Vec<Uuid> = second.items.iter().map(|user| user.id).collect();
    assert_eq!(second_ids, vec![created[1].id, created[0].id]);
}

#[tokio::test]
async fn list_filters_by_email_prefix_ignoring_case_and_like_wildcards() {
    let app = spawn_app().await;
    app.create_user("Ada@example.com", "Ada").await;
    app.create_user("adam@example.com", "Adam").await;
    app.create_user("a_b@example.com", "Underscore").await;
    app.create_user("axb@example.com", "Not matched by a_")
        .await;

    let ada = app.list_page("email_prefix=ADA").await;
    let underscore = app.list_page("email_prefix=a_").await;

    let emails: HashSet<String> = ada.items.into_iter().map(|user| user.email).collect();
    assert_eq!(
        emails,
        HashSet::from(["Ada@example.com".to_owned(), "adam@example.com".to_owned()])
    );
    let emails: Vec<String> = underscore
        .items
        .into_iter()
        .map(|user| user.email)
        .collect();
    assert_eq!(emails, vec!["a_b@example.com"]);
}

#[tokio::test]
async fn list_filters_by_role() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let admin = app
        .post_user(&serde_json::json!({"email": "root@example.com", "display_name": "Root", "role": "admin"}))
        .await
        .json::<UserBody>()
        .await
        .expect("user");

    let page = app.list_page("role=admin").await;

    let ids: Vec<Uuid> = page.items.iter().map(|user| user.id).collect();
    assert_eq!(ids, vec![admin.id, app.admin_id], "newest first");
}

#[tokio::test]
async fn list_filters_by_creation_range_after_inclusive_before_exclusive() {
    let app = spawn_app().await;
    let created = create_users(&app, 3).await;
    let encode = |timestamp: &str| timestamp.replace(':', "%3A");

    let page = app
        .list_page(&format!(
            "created_after={}&created_before={}",
            encode(&created[1].created_at),
            encode(&created[2].created_at)
        ))
        .await;

    let ids: Vec<Uuid> = page.items.iter().map(|user| user.id).collect();
    assert_eq!(ids, vec![created[1].id]);
}

#[tokio::test]
async fn a_time_range_that_holds_no_instant_lists_nothing() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;

    for range in [
        "created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z",
        "created_after=2026-01-01T00:00:00Z&created_before=2026-01-01T00:00:00Z",
    ] {
        // A valid question with an empty answer, not an error.
        let page = app.list_page(range).await;
        assert!(page.items.is_empty(), "{range}");
        assert_eq!(page.next_cursor, None);
    }
}

#[tokio::test]
async fn list_rejects_page_sizes_outside_1_to_100() {
    let app = spawn_app().await;

    for limit in ["0", "101"] {
        let response = app.list_users(&format!("limit={limit}")).await;

        let problem = assert_problem(response, 422).await;
        assert_eq!(problem.field_codes(), vec![("#/limit", "range")], "{limit}");
        assert_eq!(problem.errors[0].detail, "must be between 1 and 100");
    }
    assert_eq!(app.list_users("limit=100").await.status(), 200);
    assert_eq!(app.list_users("limit=1").await.status(), 200);
}

#[tokio::test]
async fn list_rejects_a_cursor_it_did_not_issue() {
    let app = spawn_app().await;

    let response = app.list_users("cursor=bm90LWEtY3Vyc29y").await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/cursor", "cursor")]);
}

#[tokio::test]
async fn list_rejects_unknown_parameters_and_wrong_types() {
    let app = spawn_app().await;

    let misspelt = app.list_users("emial_prefix=ada").await;
    let not_a_number = app.list_users("limit=ten").await;
    let unknown_role = app.list_users("role=root").await;

    let problem = assert_problem(misspelt, 422).await;
    assert_eq!(
        problem.field_codes(),
        vec![("#/emial_prefix", "unknown_field")]
    );
    let problem = assert_problem(not_a_number, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/limit", "invalid_type")]);
    let problem = assert_problem(unknown_role, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/role", "invalid_type")]);
}
