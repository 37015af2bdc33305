//! The file sink: each email becomes `{directory}/{event id}.eml`, a file any
//! mail client opens. For development and tests: no mail server needed, and
//! a test can read exactly what would have been sent.

use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::mailer::EmailError;

#[derive(Debug)]
pub(super) struct FileSink {
    directory: PathBuf,
}

impl FileSink {
    /// Creates the directory if it is missing, so the first email cannot
    /// fail on it.
    pub(super) fn new(directory: &Path) -> Result<Self, EmailError> {
        std::fs::create_dir_all(directory).map_err(|error| {
            EmailError::Permanent(format!(
                "the email directory {} cannot be created: {error}",
                directory.display()
            ))
        })?;
        Ok(Self {
            directory: directory.to_owned(),
        })
    }

    /// Writes the email and returns its path.
    ///
    /// Named by event id: a redelivered event overwrites its own file
    /// instead of adding a second one. Written to a temporary name first and
    /// then renamed (atomic on one file system), so a reader polling the
    /// directory never sees half an email.
    pub(super) async fn write(
        &self,
        event_id: Uuid,
        formatted: Vec<u8>,
    ) -> Result<PathBuf, EmailError> {
        let path = self.directory.join(format!("{event_id}.eml"));
        // A unique temporary name: two deliveries of one event racing each
        // other must not write into the same half-finished file.
        let temporary = self
            .directory
            .join(format!(".{event_id}.{}.tmp", Uuid::now_v7()));
        // std::fs on the blocking pool: the workspace's tokio has no `fs`
        // feature, and tokio's would do the same underneath.
        let written = {
            let (temporary, path) = (temporary.clone(), path.clone());
            tokio::task::spawn_blocking(move || write_then_rename(&temporary, &path, &formatted))
                .await
        };
        let failure = match written {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(join_error) => Some(join_error.to_string()),
        };
        if let Some(reason) = failure {
            let _ = std::fs::remove_file(&temporary);
            // Transient: a full disk or a permission an operator fixes lets
            // a retry succeed.
            return Err(EmailError::Transient(format!(
                "writing {} failed: {reason}",
                path.display()
            )));
        }
        tracing::info!(path = %path.display(), "email written");
        Ok(path)
    }
}

fn write_then_rename(temporary: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(temporary, contents)?;
    std::fs::rename(temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_directory_is_created_and_an_io_error_is_transient() {
        let directory = std::env::temp_dir().join(format!("capstone-email-{}", Uuid::now_v7()));
        let sink = FileSink::new(&directory.join("nested")).expect("creates the directory");
        std::fs::remove_dir_all(&directory).expect("removed behind the sink's back");

        let error = sink
            .write(Uuid::now_v7(), b"Subject: x\r\n\r\nx\r\n".to_vec())
            .await
            .expect_err("the directory is gone");

        assert!(error.is_transient(), "{error:?}");
    }
}
