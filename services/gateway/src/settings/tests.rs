use super::*;

fn load_from(toml: &str) -> Result<Settings, ConfigError> {
    let path = std::env::temp_dir().join(format!("gateway-{}.toml", uuid::Uuid::now_v7()));
    std::fs::write(&path, toml).expect("temp file");
    let loaded = Settings::load(Some(&path));
    let _ = std::fs::remove_file(&path);
    loaded
}

#[test]
fn routes_from_a_file_replace_the_default_routes() {
    let settings =
        load_from("[[gateway.routes]]\nprefix = \"/only\"\nupstream = \"users\"\n").expect("loads");
    let prefixes: Vec<&str> = settings
        .gateway
        .routes
        .iter()
        .map(|route| route.prefix.as_str())
        .collect();
    assert_eq!(prefixes, ["/only"]);
}

#[test]
fn one_http_key_keeps_the_gateways_other_http_defaults() {
    let settings = load_from("[gateway.http]\nworkers = 3\n").expect("loads");
    assert_eq!(settings.gateway.http.port, 8080);
    assert_eq!(settings.gateway.http.body_limit_bytes, 1024 * 1024);
    assert!(settings.gateway.http.trusted_proxies.is_empty());
}

#[test]
fn a_route_to_an_unknown_upstream_names_the_setting() {
    let error = load_from("[[gateway.routes]]\nprefix = \"/x\"\nupstream = \"nobody\"\n")
        .expect_err("must fail");
    let message = error.to_string();
    assert!(message.contains("gateway.routes.upstream"), "{message}");
    assert!(message.contains("nobody"), "{message}");
}

#[test]
fn consistent_hashing_reads_with_its_balance_factor() {
    let settings = load_from(
        "[gateway.upstreams.users]\ninstances = [\"http://127.0.0.1:8081\"]\nstrategy = \"consistent_hash\"\n",
    )
    .expect("loads");
    let users = &settings.gateway.upstreams["users"];
    assert_eq!(users.strategy, Strategy::ConsistentHash);
    assert_eq!(users.hash_balance_factor, 1.25);
}

#[test]
fn a_balance_factor_of_one_or_less_names_the_setting() {
    for factor in ["1.0", "0.5", "-2.0"] {
        let error = load_from(&format!(
            "[gateway.upstreams.users]\ninstances = [\"http://127.0.0.1:8081\"]\nhash_balance_factor = {factor}\n"
        ))
        .expect_err("must fail");
        let message = error.to_string();
        assert!(message.contains("hash_balance_factor"), "{message}");
    }
}
