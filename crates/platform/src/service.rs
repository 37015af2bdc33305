//! The skeleton every service binary shares: how its settings load, how it
//! is built, served and stopped, and what a failed start tells the person
//! who ran it.
//!
//! | file | concern |
//! |---|---|
//! | `settings` | [`ServiceSettings`]: defaults → file → environment → `validate`, once for all |
//! | `lifecycle` | [`Service`]: build (bound, not serving) → port → run until shutdown; [`run`] does it from `main` |
//! | `remedy` | [`Remedy`]: each startup error says what to do about it; [`explain`] prints error and advice together |
//!
//! A service's `main.rs` is `capstone_platform::service::run::<Application>()`;
//! `capstone up` builds the same services through the same trait, and prints
//! the same advice when one cannot start. Explained in docs/src/frameworks.md
//! ("One skeleton for every service").

mod lifecycle;
mod remedy;
mod settings;

pub use lifecycle::{Service, run};
pub use remedy::{Remedy, explain, how_to_start};
pub use settings::ServiceSettings;
