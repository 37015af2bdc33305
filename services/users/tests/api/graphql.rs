//! `POST /graphql`, end to end: the same use cases and rules as REST, and
//! the errors coded like the problem types (the limits: `graphql_limits.rs`).
//! The batching test runs the schema on the test's own thread, so it can
//! count the queries a request made.

use capstone_platform::testing::traces::capture_on_this_thread;
use capstone_users::{auth::AuthenticatedUser, domain::Role, graphql::Caller};
use serde_json::{Value, json};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::helpers::{TEST_PASSWORD, TestApp, spawn_app};

/// Sends `query` with `variables` as `token`; the answer must be 200 JSON.
pub async fn graphql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "a GraphQL answer");
    response.json().await.expect("a JSON body")
}

/// The `extensions.code` of the answer's only error.
pub fn only_error_code(answer: &Value) -> &str {
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "one error: {answer:#}");
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a code: {answer:#}"))
}

/// Registers `email` and signs in once: a session and its tokens.
async fn signed_in(app: &TestApp, email: &str) -> (Uuid, String, String) {
    let user = app.register(email).await;
    let (access, refresh) = login(app, email, TEST_PASSWORD).await;
    (user.id, access, refresh)
}

async fn login(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let response = app.login(email, password).await;
    assert_eq!(response.status(), 200, "login of {email}");
    let body: Value = response.json().await.expect("json");
    let token = |name: &str| body[name].as_str().expect("a token").to_owned();
    (token("access_token"), token("refresh_token"))
}

async fn refresh_status(app: &TestApp, refresh_token: &str) -> u16 {
    app.post_public(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": refresh_token}),
    )
    .await
    .status()
    .as_u16()
}

const MY_SESSIONS: &str = "{ me { sessions { id } } }";

fn session_ids(answer: &Value) -> Vec<String> {
    answer["data"]["me"]["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("sessions: {answer:#}"))
        .iter()
        .map(|session| session["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn me_is_the_callers_account_with_its_live_sessions() {
    let app = spawn_app().await;
    let (id, access, _) = signed_in(&app, "ada@example.com").await;
    login(&app, "ada@example.com", TEST_PASSWORD).await;

    let answer = graphql(
        &app,
        &access,
        "{ me { id email displayName role emailVerifiedAt sessions { id signedInAt expiresAt } } }",
        json!({}),
    )
    .await;

    let me = &answer["data"]["me"];
    assert_eq!(answer["errors"], Value::Null, "{answer:#}");
    assert_eq!(me["id"], id.to_string());
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["displayName"], "Ada");
    assert_eq!(me["role"], "USER");
    assert_eq!(me["emailVerifiedAt"], Value::Null);
    assert_eq!(session_ids(&answer).len(), 2, "two logins, two sessions");
}

#[tokio::test]
async fn exactly_the_session_the_token_was_issued_to_is_current_and_stays_so_after_a_refresh() {
    let app = spawn_app().await;
    let (_, first_access, first_refresh) = signed_in(&app, "ada@example.com").await;
    let (second_access, _) = login(&app, "ada@example.com", TEST_PASSWORD).await;
    let query = "{ me { sessions { id current } } }";
    let current = |answer: &Value| -> Vec<String> {
        answer["data"]["me"]["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .filter(|session| session["current"] == true)
            .map(|session| session["id"].as_str().expect("id").to_owned())
            .collect()
    };

    let from_first = current(&graphql(&app, &first_access, query, json!({})).await);
    let from_second = current(&graphql(&app, &second_access, query, json!({})).await);
    let refreshed: Value = app
        .post_public(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first_refresh}),
        )
        .await
        .json()
        .await
        .expect("a pair");
    let after_refresh = current(
        &graphql(
            &app,
            refreshed["access_token"].as_str().expect("access"),
            query,
            json!({}),
        )
        .await,
    );
    let outside_any_session = current(&graphql(&app, &app.admin_token, query, json!({})).await);

    assert_eq!(from_first.len(), 1);
    assert_eq!(from_second.len(), 1);
    assert_ne!(from_first, from_second, "each token names its own session");
    assert_eq!(after_refresh, from_first, "a refresh keeps the session");
    assert!(outside_any_session.is_empty());
}

#[tokio::test]
async fn a_user_reads_only_themselves_and_an_admin_reads_anyone() {
    let app = spawn_app().await;
    let (ada, ada_access, _) = signed_in(&app, "ada@example.com").await;
    let (grace, _, _) = signed_in(&app, "grace@example.com").await;
    let read = "query($id: UUID!) { user(id: $id) { email sessions { id } } }";

    let own = graphql(&app, &ada_access, read, json!({"id": ada})).await;
    let other = graphql(&app, &ada_access, read, json!({"id": grace})).await;
    let by_admin = graphql(&app, &app.admin_token, read, json!({"id": grace})).await;
    let missing = graphql(&app, &app.admin_token, read, json!({"id": Uuid::now_v7()})).await;

    assert_eq!(own["data"]["user"]["email"], "ada@example.com");
    assert_eq!(only_error_code(&other), "forbidden");
    assert_eq!(other["errors"][0]["extensions"]["status"], 403);
    assert_eq!(other["data"], Value::Null, "nothing of grace's leaks");
    assert_eq!(by_admin["data"]["user"]["email"], "grace@example.com");
    assert_eq!(
        by_admin["data"]["user"]["sessions"]
            .as_array()
            .expect("sessions")
            .len(),
        1
    );
    assert_eq!(only_error_code(&missing), "not-found");
}

const USERS_PAGE: &str = "query($after: String) {
  users(first: 2, after: $after, filter: {role: USER}) {
    edges { node { id } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}";

#[tokio::test]
async fn users_pages_through_everyone_once_newest_first() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for index in 0..5 {
        let user = app
            .create_user(&format!("user{index}@example.com"), "Someone")
            .await;
        created.push(user.id.to_string());
    }

    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let answer = graphql(&app, &app.admin_token, USERS_PAGE, json!({"after": after})).await;
        let connection = &answer["data"]["users"];
        let edges = connection["edges"].as_array().expect("edges");
        seen.extend(
            edges
                .iter()
                .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned()),
        );
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], pages > 0);
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
        assert!(pages < 5, "the pages end");
    }

    created.reverse();
    assert_eq!(seen, created);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn listing_users_is_for_admins_and_checks_every_argument() {
    let app = spawn_app().await;
    let (_, access, _) = signed_in(&app, "ada@example.com").await;
    let query = "query($first: Int, $after: String) {
        users(first: $first, after: $after, filter: {emailPrefix: \"\"}) { edges { cursor } }
    }";

    let as_user = graphql(
        &app,
        &access,
        "{ users(first: 2) { edges { cursor } } }",
        json!({}),
    )
    .await;
    let invalid = graphql(
        &app,
        &app.admin_token,
        query,
        json!({"first": 0, "after": "not-a-cursor"}),
    )
    .await;

    assert_eq!(only_error_code(&as_user), "forbidden");
    assert_eq!(only_error_code(&invalid), "validation");
    let pointers: Vec<&str> = invalid["errors"][0]["extensions"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["pointer"].as_str().expect("pointer"))
        .collect();
    assert_eq!(pointers, ["#/first", "#/after", "#/filter/emailPrefix"]);
}

#[tokio::test]
async fn update_me_changes_the_name_rest_reads_and_refuses_an_empty_one() {
    let app = spawn_app().await;
    let (_, access, _) = signed_in(&app, "ada@example.com").await;
    // Read over REST first, so the cache holds the old name.
    let before: Value = app
        .get_as("/api/v1/users/me", &access)
        .await
        .json()
        .await
        .expect("me");
    let update = "mutation($name: String!) { updateMe(displayName: $name) { displayName } }";

    let renamed = graphql(&app, &access, update, json!({"name": "Ada Lovelace"})).await;
    let empty = graphql(&app, &access, update, json!({"name": "   "})).await;

    assert_eq!(before["display_name"], "Ada");
    assert_eq!(renamed["data"]["updateMe"]["displayName"], "Ada Lovelace");
    let after: Value = app
        .get_as("/api/v1/users/me", &access)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        after["display_name"], "Ada Lovelace",
        "the cache was invalidated"
    );
    assert_eq!(only_error_code(&empty), "validation");
    assert_eq!(
        empty["errors"][0]["extensions"]["fields"][0]["pointer"],
        "#/displayName"
    );
    let updates = app.outbox(Some("user.updated")).await;
    assert_eq!(updates.len(), 1, "one change, one event");
}

#[tokio::test]
async fn change_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let (_, access, first_session) = signed_in(&app, "ada@example.com").await;
    let change = "mutation($current: String!) {
        changePassword(currentPassword: $current, newPassword: \"a brand new passphrase\") {
            accessToken refreshToken expiresIn
        }
    }";

    let wrong = graphql(
        &app,
        &access,
        change,
        json!({"current": "not the password"}),
    )
    .await;
    let right = graphql(&app, &access, change, json!({"current": TEST_PASSWORD})).await;

    assert_eq!(only_error_code(&wrong), "wrong-password");
    assert_eq!(
        wrong["errors"][0]["extensions"]["fields"][0],
        json!({"pointer": "#/currentPassword", "code": "mismatch", "detail": "is not the current password"})
    );
    let pair = &right["data"]["changePassword"];
    assert_eq!(pair["expiresIn"], 900);
    let new_access = pair["accessToken"].as_str().expect("access");
    let new_refresh = pair["refreshToken"].as_str().expect("refresh");
    assert_eq!(refresh_status(&app, &first_session).await, 401);
    assert_eq!(refresh_status(&app, new_refresh).await, 200);
    assert_eq!(
        app.get_as("/api/v1/users/me", new_access).await.status(),
        200
    );
    assert_eq!(
        app.login("ada@example.com", TEST_PASSWORD).await.status(),
        401
    );
}

#[tokio::test]
async fn revoke_session_ends_that_session_only_and_only_the_callers() {
    let app = spawn_app().await;
    let (_, access, kept) = signed_in(&app, "ada@example.com").await;
    let (_, revoked) = login(&app, "ada@example.com", TEST_PASSWORD).await;
    let (_, grace_access, _) = signed_in(&app, "grace@example.com").await;
    let graces = session_ids(&graphql(&app, &grace_access, MY_SESSIONS, json!({})).await);
    // Newest first: the second login is the first listed.
    let ids = session_ids(&graphql(&app, &access, MY_SESSIONS, json!({})).await);
    let revoke = "mutation($id: UUID!) { revokeSession(id: $id) }";

    let done = graphql(&app, &access, revoke, json!({"id": ids[0]})).await;
    let again = graphql(&app, &access, revoke, json!({"id": ids[0]})).await;
    let someone_elses = graphql(&app, &access, revoke, json!({"id": graces[0]})).await;

    assert_eq!(done["data"]["revokeSession"], true, "{done:#}");
    assert_eq!(refresh_status(&app, &revoked).await, 401);
    assert_eq!(refresh_status(&app, &kept).await, 200);
    assert_eq!(only_error_code(&again), "session-not-found");
    assert_eq!(again["errors"][0]["extensions"]["status"], 404);
    assert_eq!(only_error_code(&someone_elses), "session-not-found");
    let graces_now = session_ids(&graphql(&app, &grace_access, MY_SESSIONS, json!({})).await);
    assert_eq!(graces_now, graces, "grace's session is untouched");
}

#[tokio::test]
async fn set_user_role_is_for_admins_and_not_on_themselves() {
    let app = spawn_app().await;
    let (ada, access, _) = signed_in(&app, "ada@example.com").await;
    let promote = "mutation($id: UUID!) { setUserRole(id: $id, role: ADMIN) { role } }";

    let by_user = graphql(&app, &access, promote, json!({"id": ada})).await;
    let by_admin = graphql(&app, &app.admin_token, promote, json!({"id": ada})).await;
    let on_self = graphql(&app, &app.admin_token, promote, json!({"id": app.admin_id})).await;

    assert_eq!(only_error_code(&by_user), "forbidden");
    assert_eq!(by_admin["data"]["setUserRole"]["role"], "ADMIN");
    assert_eq!(only_error_code(&on_self), "self-administration");
}

// ANCHOR: one_query_for_every_users_sessions
#[tokio::test]
async fn a_page_of_users_loads_every_users_sessions_in_one_query() {
    let app = spawn_app().await;
    for index in 0..5 {
        signed_in(&app, &format!("user{index}@example.com")).await;
    }
    let admin = Caller {
        user: AuthenticatedUser {
            id: app.admin_id,
            role: Role::Admin,
            session: None,
        },
        origin: Default::default(),
        client: None,
    };
    let query = "{ users(first: 10) { edges { node { email sessions { id } } } } }";

    // On this thread, so the capture sees every span the request makes.
    let (spans, _capture) = capture_on_this_thread();
    let answer = app
        .graphql
        .execute(async_graphql::Request::new(query), admin)
        .instrument(tracing::info_span!("request"))
        .await;

    assert!(answer.errors.is_empty(), "{:?}", answer.errors);
    let data = answer.data.into_json().expect("json");
    let edges = data["users"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 6, "five users and the admin");
    let with_a_session = edges
        .iter()
        .filter(|edge| edge["node"]["sessions"].as_array().expect("sessions").len() == 1)
        .count();
    assert_eq!(with_a_session, 5);
    let session_queries = spans
        .all()
        .into_iter()
        .filter(|span| span.name == "SELECT refresh_tokens")
        .count();
    assert_eq!(session_queries, 1, "one query for six users' sessions");
}
// ANCHOR_END: one_query_for_every_users_sessions
