//! What to run when a dependency is missing: one place, used by `doctor` and
//! by `up` when startup fails, so the advice is the same everywhere.

use capstone_platform::probe::Dependency;

/// How to start `dependency` on the usual kinds of machine.
pub(crate) fn how_to_start(dependency: Dependency) -> String {
    let (brew, compose) = match dependency {
        Dependency::Postgres => ("postgresql@16", "postgres"),
        Dependency::Redis => ("redis", "redis"),
        Dependency::RabbitMq => ("rabbitmq", "rabbitmq"),
    };
    format!(
        "Start it with one of:\n\
         \x20 Debian/Ubuntu:  bash scripts/dev-services.sh   (installs and starts Postgres, Redis, RabbitMQ; uses sudo when needed)\n\
         \x20 macOS:          brew install {brew} && brew services start {brew}\n\
         \x20 containers:     docker compose up -d {compose}\n\
         Then check with `cargo run -- doctor`."
    )
}
