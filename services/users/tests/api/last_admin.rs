//! The last active admin can be neither deleted, nor demoted, nor disabled,
//! even by two admins acting at the same moment.

use capstone_users::domain::Role;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, UserBody, assert_problem, hold_rows, spawn_app};

async fn make_admin(app: &TestApp, email: &str) -> (Uuid, String) {
    let created = app
        .post_user(&json!({"email": email, "display_name": "Admin", "role": "admin"}))
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<UserBody>().await.expect("user").id;
    (id, app.token_for(id, Role::Admin))
}

async fn patch_as(app: &TestApp, id: Uuid, body: serde_json::Value, token: &str) -> u16 {
    app.patch_user_as(id, &body, token).await.status().as_u16()
}

async fn delete_as(app: &TestApp, id: Uuid, token: &str) -> u16 {
    app.client
        .delete(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn active_admins(app: &TestApp) -> usize {
    let page = app.list_page("role=admin&limit=100").await;
    page.items
        .iter()
        .filter(|user| user.disabled_at.is_none())
        .count()
}

#[tokio::test]
async fn the_only_admin_cannot_delete_itself() {
    let app = spawn_app().await;

    let response = app.delete_user(app.admin_id).await;

    let problem = assert_problem(response, 409).await;
    assert_eq!(problem.problem_type, "urn:capstone:problem:last-admin");
    assert_eq!(active_admins(&app).await, 1);
}

#[tokio::test]
async fn the_last_admin_can_be_neither_demoted_disabled_nor_deleted_by_another() {
    let app = spawn_app().await;
    let (second, second_token) = make_admin(&app, "second@example.com").await;
    // Two admins: demoting one is fine.
    assert_eq!(
        patch_as(&app, app.admin_id, json!({"role": "user"}), &second_token).await,
        200
    );

    // `second` is the last one now; a disabled admin does not count either.
    let (third, third_token) = make_admin_as(&app, &second_token, "third@example.com").await;
    assert_eq!(
        patch_as(&app, third, json!({"disabled": true}), &second_token).await,
        200
    );
    assert_eq!(active_admins_via_any(&app, [second, third]).await, 1);
    assert_eq!(delete_as(&app, second, &second_token).await, 409);
    assert_eq!(active_admins_via_any(&app, [second, third]).await, 1);
    assert_problem(app.get_as("/api/v1/users", &third_token).await, 401).await;
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_leave_exactly_one() {
    let app = spawn_app().await;
    let (first, first_token) = make_admin(&app, "first@example.com").await;
    let (second, second_token) = make_admin(&app, "second@example.com").await;
    assert_eq!(delete_as(&app, app.admin_id, &first_token).await, 204);

    // Hold both rows so the two requests arrive at the database together,
    // then let them go: without the last-admin lock, both would have
    // counted two admins and both demotions would commit.
    let held = hold_rows(&app, &[first, second]).await;
    let both = tokio::spawn({
        let (app_client, url) = (app.client.clone(), app.address.clone());
        let (first_token, second_token) = (first_token.clone(), second_token.clone());
        async move {
            tokio::join!(
                patch_raw(&app_client, &url, second, &first_token),
                patch_raw(&app_client, &url, first, &second_token),
            )
        }
    });
    held.release_when_waiting(2).await;
    let (one, two) = both.await.expect("requests ran");

    assert!(
        matches!((one, two), (200, 409) | (409, 200)),
        "one demotion wins, the other is refused: {one}, {two}"
    );
    let survivor = if one == 200 { first } else { second };
    assert_eq!(active_admins_via_any(&app, [first, second]).await, 1);

    // Deletes race the same way.
    let survivor_token = app.token_for(survivor, Role::Admin);
    let (newcomer, newcomer_token) = make_admin_as(&app, &survivor_token, "new@example.com").await;
    let held = hold_rows(&app, &[survivor, newcomer]).await;
    let both = tokio::spawn({
        let (app_client, url) = (app.client.clone(), app.address.clone());
        async move {
            tokio::join!(
                delete_raw(&app_client, &url, newcomer, &survivor_token),
                delete_raw(&app_client, &url, survivor, &newcomer_token),
            )
        }
    });
    held.release_when_waiting(2).await;
    let (one, two) = both.await.expect("requests ran");
    assert!(
        matches!((one, two), (204, 409) | (409, 204)),
        "one delete wins, the other is refused: {one}, {two}"
    );
    assert_eq!(active_admins_via_any(&app, [survivor, newcomer]).await, 1);
}

async fn patch_raw(client: &reqwest::Client, address: &str, id: Uuid, token: &str) -> u16 {
    let url = format!("{address}/api/v1/users/{id}");
    let body = json!({"role": "user"});
    let sent = client
        .patch(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await;
    sent.expect("sent").status().as_u16()
}

async fn delete_raw(client: &reqwest::Client, address: &str, id: Uuid, token: &str) -> u16 {
    let url = format!("{address}/api/v1/users/{id}");
    let sent = client.delete(url).bearer_auth(token).send().await;
    sent.expect("sent").status().as_u16()
}

/// Lists as whichever of `admins` still is one (the test's own admin is gone).
async fn active_admins_via_any(app: &TestApp, admins: [Uuid; 2]) -> usize {
    for admin in admins {
        let token = app.token_for(admin, Role::Admin);
        let response = app
            .get_as("/api/v1/users?role=admin&limit=100", &token)
            .await;
        if response.status() == 200 {
            let page: crate::helpers::PageBody = response.json().await.expect("page");
            return page
                .items
                .iter()
                .filter(|user| user.disabled_at.is_none())
                .count();
        }
    }
    0
}

async fn make_admin_as(app: &TestApp, token: &str, email: &str) -> (Uuid, String) {
    let created = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({"email": email, "display_name": "Admin", "role": "admin"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    let id = created.json::<UserBody>().await.expect("user").id;
    (id, app.token_for(id, Role::Admin))
}
