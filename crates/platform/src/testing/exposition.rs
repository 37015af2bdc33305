//! The Prometheus text exposition format (version 0.0.4), read strictly.
//!
//! The tests read every `/metrics` with it: they check that the scrape is
//! valid and follows the naming conventions, and read counters from it
//! ([`Exposition`]). Test support only (feature `testing`): the services
//! render their own registries and never parse text. Strict means: a malformed line, a `# TYPE` after its samples, a family
//! split in two, a repeated series or an inconsistent histogram is an error,
//! not a line quietly skipped (the `prometheus-parse` crate skips them, and
//! cannot read a label value holding a `}` such as `/users/{id}`).

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::SERVICE_LABEL;

/// One sample line: `name{label="value",…} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleLine {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl SampleLine {
    pub fn parse(line: &str) -> Result<Self, String> {
        let mut rest = line;
        let name = take_name(&mut rest, true).ok_or("no metric name")?;
        let mut labels = BTreeMap::new();
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            while !rest.starts_with('}') {
                let key = take_name(&mut rest, false).ok_or("bad label name")?;
                rest = rest
                    .strip_prefix("=\"")
                    .ok_or("expected =\" after a label name")?;
                let value = take_label_value(&mut rest)?;
                if labels.insert(key.to_owned(), value).is_some() {
                    return Err(format!("label `{key}` twice"));
                }
                // A trailing comma before `}` is allowed.
                if let Some(after) = rest.strip_prefix(',') {
                    rest = after;
                } else if !rest.starts_with('}') {
                    return Err("expected , or } after a label".into());
                }
            }
            rest = &rest[1..];
        }
        if !rest.starts_with([' ', '\t']) {
            return Err("expected whitespace before the value".into());
        }
        let mut fields = rest.split([' ', '\t']).filter(|field| !field.is_empty());
        let value = parse_value(fields.next().ok_or("no value")?)?;
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| format!("bad timestamp `{timestamp}`"))?;
        }
        if fields.next().is_some() {
            return Err("trailing text after the timestamp".into());
        }
        Ok(Self {
            name: name.to_owned(),
            labels,
            value,
        })
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or, without colons, a label name.
fn take_name<'a>(rest: &mut &'a str, colons: bool) -> Option<&'a str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':');
    let end = rest.find(|c| !allowed(c)).unwrap_or(rest.len());
    let name = &rest[..end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    *rest = &rest[end..];
    Some(name)
}

/// A quoted label value after its opening quote; escapes `\\`, `\"`, `\n`.
fn take_label_value(rest: &mut &str) -> Result<String, String> {
    let mut value = String::new();
    let mut chars = rest.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => {
                *rest = &rest[index + 1..];
                return Ok(value);
            }
            '\\' => match chars.next() {
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, 'n')) => value.push('\n'),
                _ => return Err("bad escape in a label value".into()),
            },
            '\n' => return Err("raw newline in a label value".into()),
            c => value.push(c),
        }
    }
    Err("unterminated label value".into())
}

/// A Go-style float: digits, or exactly `+Inf`, `-Inf`, `NaN`.
fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        // Rust would also take `inf` or `nan`: Prometheus does not.
        _ if text.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') => {
            Err(format!("bad value `{text}`"))
        }
        _ => text.parse().map_err(|_| format!("bad value `{text}`")),
    }
}

/// One metric family: its `# HELP`, `# TYPE` and samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Family {
    pub name: String,
    pub help: Option<String>,
    /// `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    pub kind: Option<String>,
    pub samples: Vec<SampleLine>,
}

impl Family {
    /// Whether `sample` is one of this family's lines (`_bucket`, `_sum` and
    /// `_count` for histograms and summaries).
    fn owns(&self, sample: &str) -> bool {
        let suffixes: &[&str] = match self.kind.as_deref() {
            Some("histogram") => &["_bucket", "_sum", "_count"],
            Some("summary") => &["_sum", "_count"],
            _ => &[],
        };
        sample == self.name
            || suffixes
                .iter()
                .any(|suffix| sample.strip_suffix(suffix) == Some(&self.name))
    }
}

/// A whole scrape, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    pub families: Vec<Family>,
}

impl Exposition {
    /// Parses `text`, failing with the line number and the reason.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.is_empty() && !text.ends_with('\n') {
            return Err("the last line must end with a newline".into());
        }
        let mut parsed = Self::default();
        let mut series = BTreeSet::new();
        for (index, line) in text.lines().enumerate() {
            parsed
                .read_line(line, &mut series)
                .map_err(|reason| format!("line {}: {reason}: {line}", index + 1))?;
        }
        for family in &parsed.families {
            if family.kind.as_deref() == Some("histogram") {
                check_histogram(family).map_err(|reason| format!("{}: {reason}", family.name))?;
            }
        }
        Ok(parsed)
    }

    fn read_line(&mut self, line: &str, series: &mut BTreeSet<String>) -> Result<(), String> {
        if line.trim().is_empty() {
            return Ok(());
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            let (keyword, name, text) = (words.next(), words.next(), words.next());
            return match (keyword, name) {
                (Some("HELP"), Some(name)) => {
                    let family = self.family_for_header(name)?;
                    if family.help.replace(text.unwrap_or("").to_owned()).is_some() {
                        return Err("a second # HELP".into());
                    }
                    Ok(())
                }
                (Some("TYPE"), Some(name)) => {
                    let kind = text.unwrap_or("").trim();
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(format!("unknown type `{kind}`"));
                    }
                    let family = self.family_for_header(name)?;
                    if family.kind.replace(kind.to_owned()).is_some() {
                        return Err("a second # TYPE".into());
                    }
                    Ok(())
                }
                // Any other comment is allowed and means nothing.
                _ => Ok(()),
            };
        }
        let sample = SampleLine::parse(line)?;
        if !series.insert(format!("{}{:?}", sample.name, sample.labels)) {
            return Err("the same series twice".into());
        }
        let current = self
            .families
            .last()
            .is_some_and(|family| family.owns(&sample.name));
        if !current {
            if self.families.iter().any(|family| family.owns(&sample.name)) {
                return Err("a family's samples must be one group".into());
            }
            self.families.push(Family {
                name: sample.name.clone(),
                ..Family::default()
            });
        }
        let family = self.families.last_mut().ok_or("no family")?;
        if family.kind.as_deref() == Some("counter")
            && (sample.value < 0.0 || sample.value.is_nan())
        {
            return Err("a counter below zero".into());
        }
        family.samples.push(sample);
        Ok(())
    }

    /// The family a `# HELP`/`# TYPE` line about `name` belongs to: the
    /// current one if it has no samples yet, else a new one.
    fn family_for_header(&mut self, name: &str) -> Result<&mut Family, String> {
        let mut rest = name;
        if take_name(&mut rest, true).is_none() || !rest.is_empty() {
            return Err(format!("bad metric name `{name}`"));
        }
        match self.families.last() {
            Some(family) if family.name == name => {
                if !family.samples.is_empty() {
                    return Err("# HELP or # TYPE after the family's samples".into());
                }
            }
            _ => {
                if self.families.iter().any(|family| family.name == name) {
                    return Err("a family's lines must be one group".into());
                }
                self.families.push(Family {
                    name: name.to_owned(),
                    ..Family::default()
                });
            }
        }
        self.families.last_mut().ok_or_else(|| "no family".into())
    }

    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|family| family.name == name)
    }

    /// The sum of the samples called `name` whose labels include every pair
    /// in `labels` (0 when there are none): a counter across the label values
    /// not named, or one series exactly.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.families
            .iter()
            .flat_map(|family| &family.samples)
            .filter(|sample| sample.name == name)
            .filter(|sample| {
                labels
                    .iter()
                    .all(|(key, value)| sample.label(key) == Some(value))
            })
            .map(|sample| sample.value)
            .sum()
    }
}

impl Exposition {
    // ANCHOR: conventions
    /// The conventions of every Capstone `/metrics`, checked (each service's
    /// tests run this on a real scrape): every family has `# HELP` and
    /// `# TYPE`; its name is one of `names` (the exported constants), starts
    /// with `capstone_`, ends in `_total` exactly when it is a counter and in
    /// `_seconds` when it is a histogram; every series is `service`'s.
    pub fn check_conventions(&self, service: &str, names: &[&str]) -> Result<(), String> {
        let mut problems = Vec::new();
        for family in &self.families {
            let name = family.name.as_str();
            let kind = family.kind.as_deref().unwrap_or("untyped");
            let mut problem = |what: &str| problems.push(format!("{name}: {what}"));
            if family.help.as_deref().is_none_or(str::is_empty) {
                problem("no # HELP");
            }
            if !names.contains(&name) {
                problem("not in any NAMES list");
            }
            if !name.starts_with("capstone_") {
                problem("no capstone_ prefix");
            }
            if (kind == "counter") != name.ends_with("_total") {
                problem("_total is for counters, and counters only");
            }
            if kind == "histogram" && !name.ends_with("_seconds") {
                problem("a histogram not in seconds");
            }
            if !["counter", "gauge", "histogram"].contains(&kind) {
                problem("no # TYPE (or an unexpected one)");
            }
            if family
                .samples
                .iter()
                .any(|sample| sample.label(SERVICE_LABEL) != Some(service))
            {
                problem("a series of another service, or without a service label");
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
    // ANCHOR_END: conventions
}

/// Buckets per label set: an `le` on each, ascending, counts never falling,
/// a `+Inf` bucket equal to `_count`, and a `_sum`.
fn check_histogram(family: &Family) -> Result<(), String> {
    let mut buckets: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in &family.samples {
        if sample.name.ends_with("_bucket") {
            let le = sample.label("le").ok_or("a bucket without `le`")?;
            let mut labels = sample.labels.clone();
            labels.remove("le");
            buckets
                .entry(labels)
                .or_default()
                .push((parse_value(le)?, sample.value));
        }
    }
    for (labels, bounds) in &buckets {
        if !bounds
            .windows(2)
            .all(|pair| pair[0].0 < pair[1].0 && pair[0].1 <= pair[1].1)
        {
            return Err(format!("buckets not cumulative for {labels:?}"));
        }
        let Some(&(f64::INFINITY, total)) = bounds.last() else {
            return Err(format!("no +Inf bucket for {labels:?}"));
        };
        let find = |suffix: &str| {
            family
                .samples
                .iter()
                .find(|sample| sample.name.ends_with(suffix) && &sample.labels == labels)
        };
        let count = find("_count").ok_or_else(|| format!("no _count for {labels:?}"))?;
        if count.value != total {
            return Err(format!(
                "_count differs from the +Inf bucket for {labels:?}"
            ));
        }
        find("_sum").ok_or_else(|| format!("no _sum for {labels:?}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
