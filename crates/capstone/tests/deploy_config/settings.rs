//! What the code reads: the programs of the image that load settings, the
//! settings types each loads, and how an environment variable becomes a
//! settings key (crates/platform/src/config.rs, `load_settings`).
//!
//! Why this matters: each service's top-level `Settings` accepts unknown
//! sections silently (they belong to the other services in a shared file),
//! so `CAPSTONE_USERS__HTTP__PROT=8081`, or `CAPSTONE_USER__HTTP__PORT`,
//! starts a service on its default port without a word. Only a check
//! against the settings types catches the typo before a deploy does.

use capstone_platform::telemetry::traces::OTLP_ENDPOINT_VARIABLE;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// The programs of the image that load settings, told apart by `command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Program {
    Users,
    Gateway,
    Worker,
    /// `capstone migrate`: the users service's and the worker's settings.
    Migrate,
}

pub(crate) const PROGRAMS: [Program; 4] = [
    Program::Users,
    Program::Gateway,
    Program::Worker,
    Program::Migrate,
];

/// Outside `load_settings`' reach. `CONVENTIONAL_VARIABLES` in
/// crates/platform/src/config.rs is private: keep this list in step with it.
const CONVENTIONAL_VARIABLES: [(&str, &str); 3] = [
    ("DATABASE_URL", "database.url"),
    ("REDIS_URL", "redis.url"),
    ("AMQP_URL", "amqp.url"),
];

/// Read by every program, but not as settings: the OTLP exporter
/// (telemetry/traces.rs), the log filter's override (telemetry.rs), the
/// config file's name (config.rs ignores it), and `capstone healthcheck`'s
/// URL (cli.rs), which any container may run as its healthcheck.
fn read_outside_settings() -> [&'static str; 4] {
    [
        OTLP_ENDPOINT_VARIABLE,
        "RUST_LOG",
        "CAPSTONE_CONFIG",
        "CAPSTONE_HEALTHCHECK_URL",
    ]
}

impl Program {
    pub(crate) fn of(command: &[String]) -> Option<Self> {
        let words: Vec<&str> = command.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["/usr/local/bin/users", ..] => Some(Self::Users),
            ["/usr/local/bin/gateway", ..] => Some(Self::Gateway),
            ["/usr/local/bin/worker", ..] => Some(Self::Worker),
            ["/usr/local/bin/capstone", "migrate", ..] => Some(Self::Migrate),
            _ => None,
        }
    }

    fn settings_types(self) -> Vec<SettingsType> {
        match self {
            Self::Users => vec![SettingsType::of::<capstone_users::Settings>()],
            Self::Gateway => vec![SettingsType::of::<capstone_gateway::Settings>()],
            Self::Worker => vec![SettingsType::of::<capstone_worker::Settings>()],
            Self::Migrate => vec![
                SettingsType::of::<capstone_users::Settings>(),
                SettingsType::of::<capstone_worker::Settings>(),
            ],
        }
    }

    /// The section holding its `http` settings; `None` for a one-shot.
    pub(crate) fn http_section(self) -> Option<&'static str> {
        match self {
            Self::Users => Some("users"),
            Self::Gateway => Some("gateway"),
            Self::Worker => Some("worker"),
            Self::Migrate => None,
        }
    }

    /// A key's value in this program's defaults, as the environment spells it.
    pub(crate) fn default_of(self, key: &str) -> Option<String> {
        let types = self.settings_types();
        let found = types.iter().find_map(|settings| {
            key.split('.')
                .try_fold(&settings.defaults, |node, segment| node.get(segment))
        })?;
        match found {
            Value::String(text) => Some(text.clone()),
            Value::Number(_) | Value::Bool(_) => Some(found.to_string()),
            _ => None,
        }
    }
}

// ANCHOR: reads
impl Program {
    /// Whether this program reads `variable`: a settings key its settings
    /// types have, or one of the few variables read outside the settings.
    pub(crate) fn reads(self, variable: &str) -> bool {
        if read_outside_settings().contains(&variable) {
            return true;
        }
        match setting_key(variable) {
            Some(key) => self
                .settings_types()
                .iter()
                .any(|types| types.has_key(&key)),
            None => false,
        }
    }
}

/// `CAPSTONE_USERS__HTTP__PORT` -> `users.http.port`, `DATABASE_URL` ->
/// `database.url`, as `load_settings` maps them; `None` for a variable it
/// does not turn into a setting.
pub(crate) fn setting_key(variable: &str) -> Option<String> {
    if let Some((_, key)) = CONVENTIONAL_VARIABLES
        .iter()
        .find(|(name, _)| *name == variable)
    {
        return Some((*key).to_owned());
    }
    if read_outside_settings().contains(&variable) {
        return None;
    }
    let path = variable.strip_prefix("CAPSTONE_")?;
    let segments: Vec<String> = path.split("__").map(str::to_lowercase).collect();
    Some(segments.join("."))
}

impl SettingsType {
    /// Whether `key` names a setting: a path through the serialised
    /// defaults. A map (e.g. `gateway.upstreams`) takes any key, so below
    /// it the path continues through one of its entries; an `Option` that
    /// is `None` by default (`null`) takes the keys of what it would hold.
    fn has_key(&self, key: &str) -> bool {
        let mut node = &self.defaults;
        let mut walked: Vec<&str> = Vec::new();
        for segment in key.split('.') {
            node = match node {
                Value::Null => return true,
                Value::Object(fields) => match fields.get(segment) {
                    Some(child) => child,
                    // Never at the top: that is where typos vanish.
                    None if !walked.is_empty() && self.is_map(&walked) => {
                        fields.values().next().expect("is_map needs an entry")
                    }
                    None => return false,
                },
                _ => return false,
            };
            walked.push(segment);
        }
        true
    }
}
// ANCHOR_END: reads

impl SettingsType {
    /// Whether the object at `path` is a map rather than a struct: one more
    /// entry (a copy of an existing one) still deserialises. Every section
    /// struct is `deny_unknown_fields`, so a struct refuses it.
    fn is_map(&self, path: &[&str]) -> bool {
        let mut probe = self.defaults.clone();
        let Some(Value::Object(fields)) = path
            .iter()
            .try_fold(&mut probe, |node, segment| node.get_mut(*segment))
        else {
            return false;
        };
        let Some(entry) = fields.values().next().cloned() else {
            return false; // an empty map: nothing to copy, so unknowable
        };
        fields.insert("deploy-config-probe".to_owned(), entry);
        (self.accepts)(probe)
    }
}

/// One settings type, as the code defines it.
struct SettingsType {
    defaults: Value,
    accepts: fn(Value) -> bool,
}

impl SettingsType {
    fn of<S: Serialize + DeserializeOwned + Default>() -> Self {
        let defaults = serde_json::to_value(S::default()).expect("settings serialise");
        let accepts: fn(Value) -> bool = |value| serde_json::from_value::<S>(value).is_ok();
        assert!(
            accepts(defaults.clone()),
            "{}: the defaults must read back, or is_map cannot tell maps apart",
            std::any::type_name::<S>()
        );
        Self { defaults, accepts }
    }
}

#[test]
fn variables_map_to_settings_keys_as_load_settings_maps_them() {
    assert_eq!(
        setting_key("CAPSTONE_USERS__HTTP__PORT").as_deref(),
        Some("users.http.port")
    );
    assert_eq!(
        setting_key("CAPSTONE_WORKER__EMAIL__LINK_BASE_URL").as_deref(),
        Some("worker.email.link_base_url")
    );
    assert_eq!(setting_key("DATABASE_URL").as_deref(), Some("database.url"));
    assert_eq!(setting_key("CAPSTONE_CONFIG"), None);
    assert_eq!(setting_key("OTEL_EXPORTER_OTLP_ENDPOINT"), None);
    assert_eq!(setting_key("PATH"), None);
}

#[test]
fn a_program_reads_its_own_keys_map_entries_and_unset_options_but_not_typos() {
    let read = [
        (Program::Users, "CAPSTONE_USERS__HTTP__PORT"),
        (Program::Users, "CAPSTONE_USERS__AUTH__LINK_SECRET"), // None by default
        (
            Program::Gateway,
            "CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES",
        ),
        (
            Program::Gateway,
            "CAPSTONE_GATEWAY__UPSTREAMS__BILLING__INSTANCES",
        ), // a new map entry
        (Program::Worker, "CAPSTONE_WORKER__EMAIL__SMTP__PASSWORD"),
        (Program::Migrate, "CAPSTONE_WORKER__DATABASE__URL"),
        (Program::Migrate, "DATABASE_URL"),
        (Program::Worker, "RUST_LOG"),
    ];
    for (program, variable) in read {
        assert!(program.reads(variable), "{program:?} reads {variable}");
    }
    let not_read = [
        (Program::Users, "CAPSTONE_USERS__HTTP__PROT"),
        (Program::Users, "CAPSTONE_USER__HTTP__PORT"), // an unknown top-level section
        (Program::Gateway, "DATABASE_URL"),
        (
            Program::Gateway,
            "CAPSTONE_GATEWAY__UPSTREAMS__BILLING__INSTANCEZ",
        ),
        (Program::Gateway, "CAPSTONE_GATEWAY__HTTP__PORT__EXTRA"), // below a scalar
        (Program::Worker, "REDIS_URL"),
        (Program::Migrate, "CAPSTONE_GATEWAY__HTTP__PORT"),
    ];
    for (program, variable) in not_read {
        assert!(
            !program.reads(variable),
            "{program:?} does not read {variable}"
        );
    }
}
