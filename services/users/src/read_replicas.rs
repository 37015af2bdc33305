//! Read replicas with read-your-writes: the users service's reads that may
//! be a little stale (listing users, listing sessions) go to a streaming
//! replica of Postgres, while everything else, and every read by a caller
//! who has just written, goes to the primary.
//!
//! - [`settings`]: `[users.read_replicas]` (URLs, lag bound, poll interval).
//! - `capstone_platform::database::replicas`: the replica set, its monitor
//!   (how far each replica has replayed, as a time bound), the choice.
//! - [`last_writes`]: each account's last write position, in Redis, so
//!   read-your-writes holds across instances.
//! - [`router`]: [`ReadRouter`], what the use cases call: `pool_for(reader)`
//!   before a stale-tolerant read, `wrote(account)` after a commit.
//!
//! Explained in docs/src/data-past-one-machine.md ("Read replicas and
//! read-your-writes").

pub mod last_writes;
pub mod router;
pub mod settings;

pub use last_writes::LastWrites;
pub use router::ReadRouter;
pub use settings::ReadReplicaSettings;
