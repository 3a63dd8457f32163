//! Record encoding: one format-version byte, then bincode 2 (serde, standard config).
//! The byte lets a later release read old records and migrate them.

use serde::{Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};

/// Format version written in front of every record.
pub const FORMAT_VERSION: u8 = 1;

/// Encodes a record with its version byte.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = vec![FORMAT_VERSION];
    let body = bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| Error::Codec(e.to_string()))?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a record, refusing unknown versions rather than misreading them.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    match bytes.split_first() {
        Some((&FORMAT_VERSION, body)) => {
            let (value, _) = bincode::serde::decode_from_slice(body, bincode::config::standard())
                .map_err(|e| Error::Codec(e.to_string()))?;
            Ok(value)
        }
        Some((v, _)) => Err(Error::Codec(format!("unknown record format version {v}"))),
        None => Err(Error::Codec("empty record".into())),
    }
}

/// Big-endian bytes of an id, so byte order is time order.
pub fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// Two ids side by side (owner, item) for per-owner indexes in one tree.
pub fn pair_key(owner: u64, item: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&owner.to_be_bytes());
    k[8..].copy_from_slice(&item.to_be_bytes());
    k
}

/// Reads a big-endian id from the first 8 bytes of a key.
pub fn read_id(bytes: &[u8]) -> Option<u64> {
    bytes.get(..8)?.try_into().ok().map(u64::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: T) {
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        let back: T = decode(&bytes).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn every_record_round_trips() {
        round_trip(Account {
            id: 42,
            username: "ana".into(),
            display_name: "Ana 🌲".into(),
            bio: "hi\nthere".into(),
            role: Role::Moderator,
            created_ms: 1,
            invited_by: Some(7),
            invite_code: "abc".into(),
            coc_version: 3,
            suspended: false,
            silenced: true,
            sensitive: false,
        });
        round_trip(AccountKey {
            fingerprint: "SHA256:x".into(),
            account: 42,
            algorithm: "ssh-ed25519".into(),
            openssh: "ssh-ed25519 AAAA".into(),
            comment: "laptop".into(),
            added_ms: 5,
        });
        round_trip(Post {
            id: 9,
            author: 42,
            text: "世界 🎉".into(),
            cw: Some("spoilers".into()),
            visibility: Visibility::Direct,
            reply_to: Some(3),
            mentions: vec![1, 2],
            created_ms: 10,
            edited_ms: None,
        });
        round_trip(Invite {
            code: "c".into(),
            created_by: None,
            role: Role::Admin,
            max_uses: 1,
            used_by: vec![],
            expires_ms: Some(99),
            created_ms: 1,
            note: String::new(),
            revoked: false,
        });
        round_trip(CodeOfConduct {
            version: 2,
            text: "be kind".into(),
            updated_ms: 3,
        });
        round_trip(Report {
            id: 11,
            reporter: 1,
            account: 2,
            post: Some(9),
            reason: "rude".into(),
            created_ms: 4,
            assigned_to: Some(3),
            resolution: Some(Resolution {
                by: 3,
                action: ModAction::Silence,
                note: "second time".into(),
                tell_reporter: true,
                resolved_ms: 5,
            }),
        });
        round_trip(AuditEntry {
            id: 12,
            actor: None,
            action: "flood".into(),
            target: "@bo".into(),
            reason: "hit the post rate limit".into(),
            created_ms: 6,
        });
        round_trip(DomainBlock {
            domain: "bad.example".into(),
            severity: Severity::Silence,
            reject_media: true,
            reject_reports: false,
            public_comment: "spam".into(),
            private_comment: "seen in #123".into(),
            obfuscate: true,
            created_by: Some(1),
            source: Some("/etc/camp/blocks.csv".into()),
            created_ms: 7,
        });
        round_trip(Announcement {
            id: 13,
            text: "maintenance at 9".into(),
            by: 1,
            created_ms: 8,
        });
        round_trip(PostStats {
            replies: 1,
            favourites: 2,
            boosts: 3,
        });
        round_trip(PostVersion {
            post: 9,
            text: "old 🌲".into(),
            cw: Some("cw".into()),
            written_ms: 4,
        });
        round_trip(Mute { until_ms: Some(5) });
        round_trip(Mute { until_ms: None });
        round_trip(Preferences::default());
        round_trip(Preferences {
            expand_cw: true,
            theme: "mono".into(),
            bell: true,
            desktop: true,
            alert_kinds: vec![NotificationKind::Follow],
        });
        round_trip(BoostEntry {
            booster: 1,
            post: 2,
        });
        round_trip(LinkCode {
            code: "abcd-efgh-jkmn".into(),
            account: 42,
            expires_ms: 6,
        });
    }

    #[test]
    fn unknown_version_and_garbage_are_refused() {
        let mut bytes = encode(&5u32).unwrap();
        bytes[0] = 99;
        assert!(decode::<u32>(&bytes).is_err());
        assert!(decode::<u32>(&[]).is_err());
        assert!(decode::<Post>(&[FORMAT_VERSION, 0xff]).is_err());
    }

    #[test]
    fn id_keys_sort_in_time_order() {
        let a = id_key(1 << 16);
        let b = id_key(300 << 16);
        assert!(a < b);
        assert_eq!(read_id(&pair_key(5, 6)), Some(5));
        assert_eq!(read_id(&pair_key(5, 6)[8..]), Some(6));
    }
}
