//! `strategy = "consistent_hash"`: a signed-in user keeps their instance,
//! and loses it only when that instance leaves.

use std::collections::{BTreeMap, BTreeSet};

use capstone_contracts::Role;
use capstone_gateway::settings::Strategy;
use capstone_platform::{
    access_token::SigningKey,
    testing::{PATIENCE, eventually_true},
};
use uuid::Uuid;

use crate::{
    edge_auth::{claims, key},
    helpers::{Stub, TestGateway, base_settings, route, spawn_gateway, upstream},
};

/// `/private` (protected) over `stubs`, which also serve the JWKS.
async fn gateway_over(stubs: &[&Stub], signing: &SigningKey) -> TestGateway {
    for stub in stubs {
        stub.set_jwks(&[signing]);
    }
    let mut settings = base_settings();
    let addresses: Vec<String> = stubs.iter().map(|stub| stub.address.clone()).collect();
    let mut pool = upstream(&addresses);
    pool.strategy = Strategy::ConsistentHash;
    settings.gateway.upstreams.insert("stub".into(), pool);
    settings.gateway.auth.jwks_upstream = "stub".into();
    let mut private = route("/private", "stub");
    private.protected = true;
    settings.gateway.routes.push(private);
    spawn_gateway(settings).await
}

/// The stub that served one request as `token`.
///
/// It first waits for the pool to be idle. The bound on loads is what this
/// avoids: the gateway counts a request in flight until it has passed on
/// the response's last byte, which may be just after the client read it,
/// and at one request in flight over three instances the capacity is
/// ⌈1.25 · 2 / 3⌉ = 1, so the next request for that instance would spill
/// to its neighbour. That spill is the bound working (unit and property
/// tests hold it to its promise); here the subject is affinity.
async fn served_by(gateway: &TestGateway, token: &str) -> String {
    let pool = gateway.state.upstreams.get("stub").expect("pool").clone();
    eventually_true("the pool to be idle", PATIENCE, || {
        pool.instances
            .iter()
            .all(|instance| instance.in_flight() == 0)
    })
    .await;
    let response = gateway.get_as("/private/x", token).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("echo");
    body["instance"].as_str().expect("instance name").to_owned()
}

#[tokio::test]
async fn a_user_keeps_their_instance_until_it_leaves_and_only_its_users_move() {
    let (a, b, c) = (
        Stub::start("a").await,
        Stub::start("b").await,
        Stub::start("c").await,
    );
    let signing = key("k1");
    let gateway = gateway_over(&[&a, &b, &c], &signing).await;
    let tokens: Vec<String> = (0..60)
        .map(|_| {
            signing
                .sign(&claims(Uuid::now_v7(), Role::User))
                .expect("signed")
        })
        .collect();

    let mut home = BTreeMap::new();
    for token in &tokens {
        let first = served_by(&gateway, token).await;
        for _ in 0..2 {
            assert_eq!(
                served_by(&gateway, token).await,
                first,
                "same user, same instance"
            );
        }
        home.insert(token.clone(), first);
    }
    // 60 users over three instances: each takes some (all on two would
    // happen about once in 10¹⁰ runs for a fair ring).
    let used: BTreeSet<&String> = home.values().collect();
    assert_eq!(used.len(), 3, "users spread over every instance: {home:?}");

    // `a` fails its health checks: out of the candidates.
    a.set_ready(false);
    let instance_a = gateway.state.upstreams.get("stub").expect("pool").instances[0].clone();
    eventually_true("a to leave the rotation", PATIENCE, || {
        !instance_a.is_healthy()
    })
    .await;
    for (token, before) in &home {
        let now = served_by(&gateway, token).await;
        if before == "a" {
            assert_ne!(now, "a", "a's users moved");
            assert_eq!(
                served_by(&gateway, token).await,
                now,
                "and stay on their new instance"
            );
        } else {
            assert_eq!(&now, before, "users of b and c stayed where they were");
        }
    }
    assert!(
        home.values().any(|before| before == "a"),
        "a had users to move"
    );
}
