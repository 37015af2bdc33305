//! One container of the capstone image as an artifact describes it: what it
//! runs and the environment it gets. compose.rs and kubernetes.rs produce
//! these; the environment checks read nothing else, so both deployments
//! are held to the same rules.

use std::collections::BTreeMap;

use capstone_platform::settings::Environment;

use crate::settings::{Program, setting_key};

#[derive(Debug, Clone)]
pub(crate) struct Container {
    /// Where it is described, for failure messages.
    pub(crate) origin: String,
    pub(crate) command: Vec<String>,
    /// Every variable it gets, the image's own `ENV` included; `None` when
    /// the value comes from a Secret (set, but not readable here).
    pub(crate) environment: BTreeMap<String, Option<String>>,
}

impl Container {
    pub(crate) fn program(&self) -> Option<Program> {
        Program::of(&self.command)
    }

    /// How the environment sets settings `key`: `None` when it does not,
    /// `Some(None)` when a Secret does. `CAPSTONE_DATABASE__URL` wins over
    /// `DATABASE_URL`, as in `load_settings`.
    pub(crate) fn setting(&self, key: &str) -> Option<Option<&str>> {
        let mut found = None;
        for (variable, value) in &self.environment {
            if setting_key(variable).as_deref() == Some(key)
                && (found.is_none() || variable.starts_with("CAPSTONE_"))
            {
                found = Some(value.as_deref());
            }
        }
        found
    }

    /// The value a setting has in this container: set, or the default.
    pub(crate) fn effective(&self, key: &str) -> Option<String> {
        let program = self.program()?;
        match self.setting(key) {
            Some(Some(value)) => Some(value.to_owned()),
            Some(None) => panic!("{}: {key} comes from a Secret", self.origin),
            None => program.default_of(key),
        }
    }

    /// The `environment` its program runs as: production refuses the
    /// conveniences (built-in keys) that development falls back on.
    pub(crate) fn runs_as(&self) -> Environment {
        let value = self
            .effective("environment")
            .unwrap_or_else(|| panic!("{}: runs no program with settings", self.origin));
        serde_json::from_value(serde_json::Value::String(value.clone()))
            .unwrap_or_else(|error| panic!("{}: environment {value:?}: {error}", self.origin))
    }

    /// The port its HTTP server listens on; `None` for a one-shot.
    pub(crate) fn http_port(&self) -> Option<u16> {
        let section = self.program()?.http_section()?;
        let key = format!("{section}.http.port");
        let port = self
            .effective(&key)
            .unwrap_or_else(|| panic!("{}: no {key}", self.origin));
        Some(
            port.parse()
                .unwrap_or_else(|_| panic!("{}: {key} = {port:?} is no port", self.origin)),
        )
    }
}

/// A URL's host and port (the scheme's own port when it names none).
pub(crate) fn url_host_and_port(url: &str) -> (String, u16) {
    let parsed = reqwest::Url::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let port = parsed
        .port_or_known_default()
        .unwrap_or_else(|| panic!("{url}: no port"));
    (host, port)
}
