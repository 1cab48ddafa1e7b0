//! Streaming file hashes in the formats ASC MHL records, formatted as the ASC MHL spec and the
//! reference tool do: lowercase hex for xxh64/xxh3/xxh128/md5/sha1 (big-endian, as `xxhsum`
//! prints them), and c4 ids (base58 of SHA-512, `c4` prefix, padded to 90 characters).
use md5::Digest;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A hash format ASC MHL can record. The declaration order is the order the XSD requires
/// inside a `<hash>` element, so sorting by it gives schema-valid output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    C4,
    Md5,
    Sha1,
    Xxh128,
    Xxh3,
    Xxh64,
}

impl HashAlgorithm {
    pub const ALL: [HashAlgorithm; 6] = [
        HashAlgorithm::C4,
        HashAlgorithm::Md5,
        HashAlgorithm::Sha1,
        HashAlgorithm::Xxh128,
        HashAlgorithm::Xxh3,
        HashAlgorithm::Xxh64,
    ];

    /// The element name used in MHL files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::C4 => "c4",
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Xxh128 => "xxh128",
            HashAlgorithm::Xxh3 => "xxh3",
            HashAlgorithm::Xxh64 => "xxh64",
        }
    }

    pub fn from_name(name: &str) -> Option<HashAlgorithm> {
        HashAlgorithm::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A hash format name that postflow does not know.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HashError {
    #[error("unknown hash format `{0}`; use one of c4, md5, sha1, xxh128, xxh3, xxh64")]
    UnknownAlgorithm(String),
    #[error("`{value}` is not a valid {algorithm} hash")]
    Malformed {
        algorithm: HashAlgorithm,
        value: String,
    },
}

impl FromStr for HashAlgorithm {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgorithm::from_name(&s.trim().to_ascii_lowercase())
            .ok_or_else(|| HashError::UnknownAlgorithm(s.to_string()))
    }
}

enum State {
    Xxh64(xxhash_rust::xxh64::Xxh64),
    Xxh3(Box<xxhash_rust::xxh3::Xxh3>),
    Xxh128(Box<xxhash_rust::xxh3::Xxh3>),
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    C4(sha2::Sha512),
}

/// One streaming hash computation.
pub struct Hasher {
    state: State,
}

impl Hasher {
    pub fn new(algorithm: HashAlgorithm) -> Hasher {
        let state = match algorithm {
            HashAlgorithm::Xxh64 => State::Xxh64(xxhash_rust::xxh64::Xxh64::new(0)),
            HashAlgorithm::Xxh3 => State::Xxh3(Box::new(xxhash_rust::xxh3::Xxh3::new())),
            HashAlgorithm::Xxh128 => State::Xxh128(Box::new(xxhash_rust::xxh3::Xxh3::new())),
            HashAlgorithm::Md5 => State::Md5(md5::Md5::new()),
            HashAlgorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            HashAlgorithm::C4 => State::C4(sha2::Sha512::new()),
        };
        Hasher { state }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Xxh64(h) => h.update(data),
            State::Xxh3(h) | State::Xxh128(h) => h.update(data),
            State::Md5(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::C4(h) => h.update(data),
        }
    }

    /// The digest formatted as MHL records it.
    pub fn finish(self) -> String {
        match self.state {
            State::Xxh64(h) => format!("{:016x}", h.digest()),
            State::Xxh3(h) => format!("{:016x}", h.digest()),
            State::Xxh128(h) => format!("{:032x}", h.digest128()),
            State::Md5(h) => hex::encode(h.finalize()),
            State::Sha1(h) => hex::encode(h.finalize()),
            State::C4(h) => c4_from_sha512(&h.finalize()),
        }
    }
}

/// Several hashes over the same bytes, so a file is read once for all formats.
pub struct MultiHasher {
    hashers: Vec<(HashAlgorithm, Hasher)>,
}

impl MultiHasher {
    pub fn new(algorithms: &[HashAlgorithm]) -> MultiHasher {
        MultiHasher {
            hashers: algorithms.iter().map(|&a| (a, Hasher::new(a))).collect(),
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        for (_, h) in &mut self.hashers {
            h.update(data);
        }
    }
    pub fn finish(self) -> Vec<HashValue> {
        self.hashers
            .into_iter()
            .map(|(algorithm, h)| HashValue {
                algorithm,
                value: h.finish(),
            })
            .collect()
    }
}

/// A hash value with its format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashValue {
    pub algorithm: HashAlgorithm,
    pub value: String,
}

pub fn hash_bytes(algorithm: HashAlgorithm, data: &[u8]) -> String {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish()
}

const C4_LEN: usize = 90;

fn c4_from_sha512(digest: &[u8]) -> String {
    let b58 = bs58::encode(digest).into_string();
    // bs58 spells leading zero bytes as '1'; c4 instead pads the number to a fixed width.
    let digits = b58.trim_start_matches('1');
    format!("c4{}{}", "1".repeat(C4_LEN - 2 - digits.len()), digits)
}

/// The bytes a formatted digest stands for, as directory hashes combine them.
pub fn digest_bytes(algorithm: HashAlgorithm, value: &str) -> Result<Vec<u8>, HashError> {
    let malformed = || HashError::Malformed {
        algorithm,
        value: value.to_string(),
    };
    match algorithm {
        HashAlgorithm::C4 => {
            let digits = value
                .strip_prefix("c4")
                .filter(|d| d.len() == C4_LEN - 2)
                .ok_or_else(malformed)?;
            let raw = bs58::decode(digits).into_vec().map_err(|_| malformed())?;
            let first = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
            let significant = &raw[first..];
            if significant.len() > 64 {
                return Err(malformed());
            }
            let mut out = vec![0u8; 64 - significant.len()];
            out.extend_from_slice(significant);
            Ok(out)
        }
        _ => {
            let expected = match algorithm {
                HashAlgorithm::Xxh64 | HashAlgorithm::Xxh3 => 8,
                HashAlgorithm::Xxh128 | HashAlgorithm::Md5 => 16,
                _ => 20,
            };
            let bytes = hex::decode(value).map_err(|_| malformed())?;
            if bytes.len() != expected {
                return Err(malformed());
            }
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(hash_bytes(HashAlgorithm::Xxh64, b""), "ef46db3751d8e999");
        assert_eq!(
            hash_bytes(HashAlgorithm::Md5, b""),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hash_bytes(HashAlgorithm::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hash_bytes(HashAlgorithm::Xxh3, b""), "2d06800538d394c2");
        assert_eq!(
            hash_bytes(HashAlgorithm::Xxh128, b""),
            "99aa06d3014798d86001c324468d497f"
        );
        // The c4 id of the empty string from the C4 id specification.
        assert_eq!(
            hash_bytes(HashAlgorithm::C4, b""),
            "c459dsjfscH38cYeXXYogktxf4Cd9ibshE3BHUo6a58hBXmRQdZrAkZzsWcbWtDg5oQstpDuni4Hirj75GEmTc1sFT"
        );
    }

    #[test]
    fn digest_bytes_round_trip() {
        for a in HashAlgorithm::ALL {
            let v = hash_bytes(a, b"postflow");
            let bytes = digest_bytes(a, &v).unwrap();
            if a == HashAlgorithm::C4 {
                assert_eq!(c4_from_sha512(&bytes), v);
            } else {
                assert_eq!(hex::encode(bytes), v);
            }
        }
        assert!(digest_bytes(HashAlgorithm::C4, "c4xyz").is_err());
        assert!(digest_bytes(HashAlgorithm::Xxh64, "zz").is_err());
    }
}
