//! Three services in one process, as `capstone up` runs them: each
//! `/metrics` shows its own service, all of it and nothing else.

use capstone_platform::{
    metrics::{self as shared, names::HTTP_REQUESTS_TOTAL},
    testing::Exposition,
};

use crate::helpers::System;

async fn scrape(client: &reqwest::Client, base: &str) -> Exposition {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("scrape body");
    Exposition::parse(&text).unwrap_or_else(|error| panic!("{base}: {error}\n{text}"))
}

async fn get_me_without_a_token(client: &reqwest::Client, base: &str, times: usize) {
    for _ in 0..times {
        let answer = client
            .get(format!("{base}/api/v1/users/me"))
            .send()
            .await
            .expect("request");
        assert_eq!(answer.status(), 401);
    }
}

#[tokio::test]
async fn in_one_process_each_service_scrapes_its_own_series_and_counts_only_its_own_requests() {
    let system = System::start().await;
    let (gateway, _stop_gateway) = system.gateway().await;
    let client = reqwest::Client::new();

    // Three refusals by the users service itself, two by the gateway's edge
    // auth (which never reach the users service).
    get_me_without_a_token(&client, &system.users, 3).await;
    get_me_without_a_token(&client, &gateway, 2).await;

    let with_shared = |own: &[&'static str]| [shared::NAMES, own].concat();
    let scrapes = [
        (
            "users",
            &system.users,
            with_shared(capstone_users::metrics::NAMES),
        ),
        (
            "gateway",
            &gateway,
            with_shared(capstone_gateway::metrics::NAMES),
        ),
        (
            "worker",
            &system.worker.address,
            with_shared(capstone_worker::metrics::NAMES),
        ),
    ];
    let mut unauthorised = Vec::new();
    for (service, base, names) in scrapes {
        let scraped = scrape(&client, base).await;
        scraped
            .check_conventions(service, &names)
            .unwrap_or_else(|problems| panic!("{service}: {problems}"));
        unauthorised.push(scraped.sum(HTTP_REQUESTS_TOTAL, &[("status", "401")]));
    }
    // Exact, not "at least": each registry belongs to one instance, so no
    // other app in this test binary adds to these counts.
    assert_eq!(unauthorised, [3.0, 2.0, 0.0]);
}
