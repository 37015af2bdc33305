//! The environment of every container, in compose and in each Kubernetes
//! overlay: each variable is one its program reads, and each setting a
//! program needs inside a container is set (the defaults are for a laptop:
//! they point at 127.0.0.1, which in a container is the container itself).

use std::collections::BTreeSet;

use capstone_platform::settings::Environment;

use crate::{
    compose,
    container::Container,
    files, kubernetes,
    settings::{PROGRAMS, Program, setting_key},
};

/// Every deployment: compose, then each overlay, each with its containers.
fn deployments() -> Vec<(String, Vec<Container>)> {
    let mut deployments = vec![(
        files::COMPOSE.to_owned(),
        compose::app_services()
            .into_iter()
            .map(|service| service.container)
            .collect(),
    )];
    for overlay in kubernetes::overlays() {
        let containers = kubernetes::workloads(&overlay)
            .into_iter()
            .map(|workload| workload.container)
            .collect();
        deployments.push((format!("{}/{overlay}", files::OVERLAYS), containers));
    }
    deployments
}

/// What a program needs set in a container: any value, exactly one, or any
/// value where it runs with `environment = "production"` (development has a
/// built-in stand-in that production refuses).
#[derive(Debug, Clone, Copy)]
enum Need {
    Set,
    Equal(&'static str),
    SetInProduction,
}

/// Listening on 127.0.0.1 inside a container takes no traffic from outside it.
const ALL_INTERFACES: Need = Need::Equal("0.0.0.0");

fn needs(program: Program) -> &'static [(&'static str, Need)] {
    match program {
        Program::Users => &[
            ("database.url", Need::Set),
            ("redis.url", Need::Set),
            ("amqp.url", Need::Set),
            ("users.http.host", ALL_INTERFACES),
            ("users.http.port", Need::Set),
            ("link_sealing.keys", Need::SetInProduction),
        ],
        Program::Gateway => &[
            ("redis.url", Need::Set),
            ("gateway.http.host", ALL_INTERFACES),
            ("gateway.http.port", Need::Set),
            ("gateway.upstreams.users.instances", Need::Set),
        ],
        Program::Worker => &[
            ("worker.database.url", Need::Set),
            ("amqp.url", Need::Set),
            ("worker.http.host", ALL_INTERFACES),
            ("worker.http.port", Need::Set),
            ("link_sealing.keys", Need::SetInProduction),
        ],
        Program::Migrate => &[
            ("database.url", Need::Set),
            ("worker.database.url", Need::Set),
        ],
    }
}

/// Why `container` misses `need` for `key`, if it does.
fn missing(container: &Container, key: &str, need: Need) -> Option<String> {
    if matches!(need, Need::SetInProduction) && container.runs_as() != Environment::Production {
        return None;
    }
    match (container.setting(key), need) {
        (None, _) | (Some(Some("")), _) => Some(format!("{key} is not set")),
        (Some(None), Need::Set | Need::SetInProduction) => None, // from a Secret
        (Some(None), Need::Equal(wanted)) => {
            Some(format!("{key} comes from a Secret; it must be {wanted}"))
        }
        (Some(Some(_)), Need::Set | Need::SetInProduction) => None,
        (Some(Some(value)), Need::Equal(wanted)) => {
            (value != wanted).then(|| format!("{key} is {value:?}; it must be {wanted:?}"))
        }
    }
}

#[test]
fn every_deployment_runs_each_program() {
    for (deployment, containers) in deployments() {
        let run: BTreeSet<Program> = containers.iter().filter_map(Container::program).collect();
        for program in PROGRAMS {
            assert!(
                run.contains(&program),
                "{deployment} runs no {program:?}: is a command misspelt?"
            );
        }
    }
}

#[test]
fn every_variable_a_container_gets_is_one_its_program_reads() {
    let mut unread = Vec::new();
    for (_, containers) in deployments() {
        // banner, edge-cert: `cat` and `capstone dev-cert` load no settings.
        for container in containers
            .iter()
            .filter(|container| container.program().is_some())
        {
            let program = container.program().expect("filtered");
            for variable in container
                .environment
                .keys()
                .filter(|variable| !program.reads(variable))
            {
                let key = setting_key(variable)
                    .map(|key| format!(" ({key})"))
                    .unwrap_or_default();
                unread.push(format!(
                    "{}: {variable}{key} is not read by {program:?}",
                    container.origin
                ));
            }
        }
    }
    assert!(
        unread.is_empty(),
        "set but never read:\n{}",
        unread.join("\n")
    );
}

#[test]
fn every_container_sets_what_its_program_needs_in_a_container() {
    let mut problems = Vec::new();
    for (_, containers) in deployments() {
        for container in &containers {
            let Some(program) = container.program() else {
                continue;
            };
            for (key, need) in needs(program) {
                if let Some(problem) = missing(container, key, *need) {
                    problems.push(format!("{}: {problem}", container.origin));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_worker_has_an_smtp_server_wherever_it_sends_by_smtp() {
    for (_, containers) in deployments() {
        for worker in containers
            .iter()
            .filter(|container| container.program() == Some(Program::Worker))
        {
            if worker.effective("worker.email.sink").as_deref() != Some("smtp") {
                continue;
            }
            let host = worker
                .effective("worker.email.smtp.host")
                .unwrap_or_default();
            assert!(
                !matches!(host.as_str(), "" | "127.0.0.1" | "localhost"),
                "{}: sends by SMTP, but worker.email.smtp.host is {host:?}",
                worker.origin
            );
        }
    }
}

#[test]
fn the_needs_check_catches_a_missing_a_secret_and_a_wrong_value() {
    let container = Container {
        origin: "example".into(),
        command: vec!["/usr/local/bin/users".into()],
        environment: [
            ("DATABASE_URL", None),
            ("CAPSTONE_USERS__HTTP__HOST", Some("127.0.0.1")),
            ("CAPSTONE_USERS__HTTP__PORT", Some("")),
        ]
        .into_iter()
        .map(|(variable, value)| (variable.to_owned(), value.map(str::to_owned)))
        .collect(),
    };
    assert_eq!(missing(&container, "database.url", Need::Set), None);
    assert!(missing(&container, "redis.url", Need::Set).is_some());
    assert!(missing(&container, "users.http.host", ALL_INTERFACES).is_some());
    assert!(missing(&container, "users.http.port", Need::Set).is_some());
}

#[test]
fn a_production_only_need_is_checked_in_production_only() {
    let container = |environment: Option<&str>| Container {
        origin: "example".into(),
        command: vec!["/usr/local/bin/worker".into()],
        environment: environment
            .map(|value| ("CAPSTONE_ENVIRONMENT".to_owned(), Some(value.to_owned())))
            .into_iter()
            .collect(),
    };
    let need = Need::SetInProduction;
    assert_eq!(missing(&container(None), "link_sealing.keys", need), None);
    assert_eq!(
        missing(&container(Some("development")), "link_sealing.keys", need),
        None
    );
    assert!(missing(&container(Some("production")), "link_sealing.keys", need).is_some());
    assert!(missing(&container(Some("prod")), "link_sealing.keys", need).is_some());
}
