//! What `POST /graphql` refuses before any resolver runs: no token, a body
//! too big or not JSON, a query past a limit, introspection where it is off.

use serde_json::{Value, json};

use crate::graphql::{graphql, only_error_code};
use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_request_needs_a_token_and_a_json_body_within_the_cap() {
    let app = spawn_app().await;
    let query = json!({"query": "{ me { id } }"});
    let huge = json!({"query": format!("{{ me {{ id }} }} #{}", "x".repeat(17 * 1024))});

    let anonymous = app.post_public("/graphql", &query).await;
    let too_big = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&huge)
        .send()
        .await
        .expect("sent");
    let not_json = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .body("{ me { id } }")
        .send()
        .await
        .expect("sent");
    let by_get = app.get("/graphql?query=%7Bme%7Bid%7D%7D").await;

    assert_problem(anonymous, 401).await;
    assert_problem(too_big, 413).await;
    assert_problem(not_json, 415).await;
    assert_eq!(by_get.status(), 405, "queries travel in a body, not a URL");
}

#[tokio::test]
async fn queries_past_a_limit_are_refused_with_a_code_before_they_run() {
    let app = spawn_app().await;
    let token = &app.admin_token;
    // Introspection is the one place this schema nests without end.
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType \
                { ofType { ofType { name } } } } } } } } } } }";
    let page = "users(first: 100) { edges { cursor node { id email displayName role \
                emailVerifiedAt disabledAt createdAt updatedAt sessions { id signedInAt \
                lastRefreshedAt expiresAt } } } }";
    let complex = format!("{{ a: {page} b: {page} }}");
    let root_fields: String = (0..11).map(|n| format!("m{n}: me {{ id }} ")).collect();
    let aliases: String = (0..21).map(|n| format!("a{n}: id ")).collect();

    let answers = [
        graphql(&app, token, deep, json!({})).await,
        graphql(&app, token, &complex, json!({})).await,
        graphql(&app, token, &format!("{{ {root_fields} }}"), json!({})).await,
        graphql(&app, token, &format!("{{ me {{ {aliases} }} }}"), json!({})).await,
        graphql(&app, token, "{ me { id ", json!({})).await,
        graphql(&app, token, "{ me { password } }", json!({})).await,
    ];

    let codes: Vec<&str> = answers.iter().map(only_error_code).collect();
    assert_eq!(
        codes,
        [
            "query-too-deep",
            "query-too-complex",
            "query-too-wide",
            "query-too-wide",
            "invalid-query",
            "invalid-query",
        ]
    );
    for answer in &answers {
        assert_eq!(answer["data"], Value::Null, "nothing ran: {answer:#}");
    }
    // Just under each limit still answers.
    let ten_roots: String = (0..10).map(|n| format!("m{n}: me {{ id }} ")).collect();
    let fine = graphql(&app, token, &format!("{{ {ten_roots} }}"), json!({})).await;
    assert_eq!(fine["errors"], Value::Null, "{fine:#}");
    let one_page = graphql(&app, token, &format!("{{ {page} }}"), json!({})).await;
    assert_eq!(one_page["errors"], Value::Null, "{one_page:#}");
}

#[tokio::test]
async fn introspection_answers_in_development_and_not_in_production_unless_configured() {
    let development = spawn_app().await;
    let production_like = spawn_app_with(|settings| {
        settings.users.graphql.introspection = Some(false);
    })
    .await;
    let query = "{ __schema { queryType { name } } }";

    let open = graphql(&development, &development.admin_token, query, json!({})).await;
    let closed = graphql(
        &production_like,
        &production_like.admin_token,
        query,
        json!({}),
    )
    .await;

    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(only_error_code(&closed), "introspection-disabled");
    assert_eq!(closed["data"], Value::Null);
}
