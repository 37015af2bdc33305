//! `capstone dev-cert --dir DIR`: a self-signed certificate for local HTTPS.
//!
//! compose's nginx edge terminates TLS with it (infra/compose/nginx). It is
//! made on the first start, into a volume, and kept: a browser that was told
//! to trust it once keeps trusting it. Delete the volume for a new one.
//! Never for production: there, certificates come from a CA (cert-manager on
//! Kubernetes, ACM on AWS).

use std::{
    fs,
    io::Write,
    path::Path,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use rcgen::{CertificateParams, KeyPair, date_time_ymd};

pub(crate) const CERTIFICATE_FILE: &str = "tls.crt";
pub(crate) const KEY_FILE: &str = "tls.key";

#[allow(clippy::print_stdout)] // says what it did, for the container log
pub(crate) fn run(dir: &Path, names: Vec<String>) -> anyhow::Result<()> {
    let certificate_path = dir.join(CERTIFICATE_FILE);
    let key_path = dir.join(KEY_FILE);
    if certificate_path.exists() && key_path.exists() {
        println!("keeping the certificate in {}", dir.display());
        return Ok(());
    }
    let (certificate, key) =
        self_signed(names.clone()).context("cannot make a self-signed certificate")?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_private(&key_path, key.as_bytes())
        .with_context(|| format!("cannot write {}", key_path.display()))?;
    fs::write(&certificate_path, certificate)
        .with_context(|| format!("cannot write {}", certificate_path.display()))?;
    println!(
        "wrote a self-signed certificate for {} to {}",
        names.join(", "),
        dir.display()
    );
    Ok(())
}

/// PEM certificate and PEM private key (ECDSA P-256), valid from the start
/// of this year to the end of next year: long enough not to expire under a
/// developer, short enough to look like a real certificate.
fn self_signed(names: Vec<String>) -> Result<(String, String), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names)?;
    let year = current_year();
    params.not_before = date_time_ymd(year, 1, 1);
    params.not_after = date_time_ymd(year + 1, 12, 31);
    let certificate = params.self_signed(&key)?;
    Ok((certificate.pem(), key.serialize_pem()))
}

fn current_year() -> i32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    // Mean Gregorian year; a day off at New Year does not matter here.
    1970 + (seconds / 31_556_952) as i32
}

/// The key is readable by its owner only.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_and_key_are_pem() {
        let (certificate, key) = self_signed(vec!["localhost".into()]).expect("a certificate");
        assert!(certificate.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn existing_files_are_kept() {
        let dir = std::env::temp_dir().join(format!("capstone-dev-cert-{}", std::process::id()));
        run(&dir, vec!["localhost".into()]).expect("written");
        let first = fs::read_to_string(dir.join(CERTIFICATE_FILE)).expect("readable");
        run(&dir, vec!["localhost".into()]).expect("written");
        let second = fs::read_to_string(dir.join(CERTIFICATE_FILE)).expect("readable");
        fs::remove_dir_all(&dir).expect("removed");
        assert_eq!(first, second);
    }
}
