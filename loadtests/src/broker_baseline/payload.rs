//! The message body: a sequence number and the send instant, 16 bytes
//! big-endian. Binary rather than JSON so that encoding costs nothing next
//! to what is measured.

use std::time::{SystemTime, UNIX_EPOCH};

/// What one message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// 0-based position in the run, to find duplicates and gaps.
    pub(crate) sequence: u64,
    /// When it was sent (or due, at a fixed rate), nanoseconds since the
    /// UNIX epoch. Publisher and consumer share the machine's clock.
    pub(crate) sent_at_nanos: u64,
}

const LENGTH: usize = 16;

impl Stamp {
    pub(crate) fn encode(self) -> [u8; LENGTH] {
        let mut bytes = [0; LENGTH];
        bytes[..8].copy_from_slice(&self.sequence.to_be_bytes());
        bytes[8..].copy_from_slice(&self.sent_at_nanos.to_be_bytes());
        bytes
    }

    /// `None` for a body of any other length: not one of ours.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; LENGTH] = bytes.try_into().ok()?;
        let (sequence, sent_at) = bytes.split_at(8);
        Some(Self {
            sequence: u64::from_be_bytes(sequence.try_into().ok()?),
            sent_at_nanos: u64::from_be_bytes(sent_at.try_into().ok()?),
        })
    }
}

/// Now, in nanoseconds since the UNIX epoch (0 for a clock before 1970).
pub(crate) fn wall_clock_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_survives_encoding() {
        let stamp = Stamp {
            sequence: 19_999,
            sent_at_nanos: 1_764_000_000_123_456_789,
        };

        assert_eq!(Stamp::decode(&stamp.encode()), Some(stamp));
    }

    #[test]
    fn a_body_of_another_length_is_not_a_stamp() {
        assert_eq!(Stamp::decode(b"hello"), None);
        assert_eq!(Stamp::decode(&[0; 17]), None);
    }
}
