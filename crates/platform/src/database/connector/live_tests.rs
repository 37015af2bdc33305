//! `sslmode` against the local Postgres, which must have `ssl = on` (Debian's
//! default, with its self-signed "snakeoil" certificate for `localhost`).
//! A server without TLS (the `postgres` container in GitHub Actions) skips
//! these tests, saying so.

use std::{path::PathBuf, time::Duration};

use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::{
    database::{self, DatabaseError},
    settings::DatabaseSettings,
    testing::test_database::server_settings,
};

#[derive(diesel::QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The `postgres` database of the usual server, with `query` (sslmode…),
/// another host name (the certificate's) and a CA file.
fn settings(query: &str, host: Option<&str>, ca_file: Option<PathBuf>) -> DatabaseSettings {
    let server = server_settings()
        .with_database("postgres")
        .expect("valid URL");
    let mut url = server.parsed_url().expect("valid URL");
    url.set_query(Some(query));
    if let Some(host) = host {
        url.set_host(Some(host)).expect("a valid host");
    }
    DatabaseSettings {
        url: url.as_str().into(),
        tls_ca_file: ca_file,
        ..server
    }
}

async fn connect(settings: &DatabaseSettings) -> Result<AsyncPgConnection, DatabaseError> {
    database::connect_once(settings, Duration::from_secs(5)).await
}

async fn uses_tls(connection: &mut AsyncPgConnection) -> bool {
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Ssl>(connection)
        .await
        .expect("pg_stat_ssl")
        .ssl
}

/// The server's certificate file when it has TLS on (its certificate is
/// self-signed: the file is its own CA), `None` otherwise.
async fn server_certificate() -> Option<PathBuf> {
    let mut connection = connect(&settings("", None, None)).await.expect("Postgres");
    let mut show = async |name: &str| {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
            .get_result::<Setting>(&mut connection)
            .await
            .expect("a setting")
            .value
    };
    if show("ssl").await != "on" {
        eprintln!("skipped: the local Postgres has ssl = off");
        return None;
    }
    Some(show("ssl_cert_file").await.into())
}

#[tokio::test]
async fn without_sslmode_connections_stay_plain() {
    let mut connection = connect(&settings("", None, None)).await.expect("connects");

    assert!(!uses_tls(&mut connection).await);
}

#[tokio::test]
async fn sslmode_require_encrypts_pooled_connections() {
    if server_certificate().await.is_none() {
        return;
    }
    let pool = database::connect_pool(&settings("sslmode=require", None, None))
        .await
        .expect("the pool connects");

    let mut connection = pool.get().await.expect("a pooled connection");

    assert!(uses_tls(&mut connection).await);
}

#[tokio::test]
async fn sslmode_verify_full_refuses_a_certificate_from_an_unknown_issuer() {
    if server_certificate().await.is_none() {
        return;
    }
    let settings = settings("sslmode=verify-full", None, None);

    let Err(error) = connect(&settings).await else {
        panic!("connected without trusting the server's CA");
    };
    let maintenance = database::database_exists(&settings).await;

    let message = error.to_string();
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(
        maintenance.is_err_and(|error| error.to_string().contains("UnknownIssuer")),
        "the maintenance connection must verify too"
    );
}

#[tokio::test]
async fn sslmode_verify_full_connects_when_the_ca_file_is_trusted_and_the_name_matches() {
    let Some(certificate) = server_certificate().await else {
        return;
    };
    // Debian's snakeoil certificate names `localhost` (CN and SAN).
    let settings = settings("sslmode=verify-full", Some("localhost"), Some(certificate));

    let mut connection = connect(&settings).await.expect("verified connection");

    assert!(uses_tls(&mut connection).await);
}

#[tokio::test]
async fn verify_ca_ignores_the_host_name_that_verify_full_checks() {
    let Some(certificate) = server_certificate().await else {
        return;
    };
    // 127.0.0.1 is not a name in the certificate.
    let full = settings("sslmode=verify-full", None, Some(certificate.clone()));
    let chain_only = settings("sslmode=verify-ca", None, Some(certificate));

    let refused = connect(&full).await.map(drop);
    let mut connection = connect(&chain_only).await.expect("verify-ca connects");

    let message = refused.expect_err("wrong name").to_string();
    assert!(message.contains("not valid for name"), "{message}");
    assert!(uses_tls(&mut connection).await);
}
