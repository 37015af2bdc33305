//! One way to load a service's settings: typed defaults, then the optional
//! file, then the environment (see [`crate::config`]), then the checks that
//! types alone cannot make. Each service says only what is its own: its
//! sections (the struct) and its checks (`validate`).

use std::path::Path;

use serde::{Serialize, de::DeserializeOwned};

use crate::{
    ConfigError, config::load_settings, settings::Environment, telemetry::TelemetrySettings,
};

// ANCHOR: service_settings
/// A service's whole configuration (`Default` is the configuration of a stock
/// development machine).
pub trait ServiceSettings: DeserializeOwned + Serialize + Default {
    /// What types alone cannot check: references resolve, numbers are in
    /// range. Errors name the key to fix.
    fn validate(&self) -> Result<(), ConfigError>;

    /// Production or development (`environment`).
    fn environment(&self) -> Environment;

    /// Log filter, format and traces (`[telemetry]`).
    fn telemetry(&self) -> &TelemetrySettings;

    /// Defaults, then `file`, then the environment (`DATABASE_URL`…, then
    /// `CAPSTONE_<SECTION>__<KEY>`); then [`validate`](Self::validate).
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let settings: Self = load_settings(file)?;
        settings.validate()?;
        Ok(settings)
    }
}
// ANCHOR_END: service_settings
