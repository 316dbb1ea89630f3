use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::Password;

/// Cost of Argon2id. The defaults are OWASP's minimum recommendation for
/// Argon2id (19 MiB, 2 passes, 1 lane): roughly 20–50 ms per hash on a server
/// core, slow enough for offline cracking to hurt and fast enough for logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid Argon2 parameters: {0}")]
    InvalidParams(String),
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Hashes and checks passwords with Argon2id, storing PHC strings
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) that carry their own salt and
/// parameters, so raising the cost later leaves old hashes verifiable.
///
/// Every call is deliberately slow, CPU-bound work: from async code, run it on
/// a blocking thread.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    params: Argon2Params,
    /// A hash of a random password nobody knows, with the same parameters, to
    /// verify against when the account does not exist.
    dummy_phc: String,
}

const SALT_BYTES: usize = 16;

impl PasswordHasher {
    /// Builds the hasher and computes its dummy hash, which costs one hash.
    pub fn new(params: Argon2Params) -> Result<Self, HashError> {
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| HashError::InvalidParams(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params);
        let mut unknowable = [0u8; 32];
        getrandom::fill(&mut unknowable).map_err(|e| HashError::Random(e.to_string()))?;
        let dummy_phc = hash_bytes(&argon2, &unknowable)?;
        Ok(Self {
            argon2,
            params,
            dummy_phc,
        })
    }

    pub fn params(&self) -> Argon2Params {
        self.params
    }

    /// A PHC string for storing, with a fresh random salt.
    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        hash_bytes(&self.argon2, password.expose().as_bytes())
    }

    /// Whether `candidate` is the password behind `phc`. The comparison is
    /// constant-time (inside `argon2`), and a malformed `phc` is simply a
    /// mismatch. `candidate` is what was typed at login, not a [`Password`]:
    /// passwords set under an older policy must still work.
    pub fn verify(&self, candidate: &str, phc: &str) -> bool {
        PasswordHash::new(phc).is_ok_and(|hash| {
            self.argon2
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        })
    }

    /// Does the work of a failed [`verify`](Self::verify) when there is no
    /// account to check against, so that the response time does not tell an
    /// attacker which email addresses have accounts.
    pub fn dummy_verify(&self, candidate: &str) {
        std::hint::black_box(self.verify(candidate, &self.dummy_phc));
    }

    /// Whether a stored hash was made with other parameters (or another
    /// algorithm) and should be replaced after the next successful login, when
    /// the plain password is at hand.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(hash) = PasswordHash::new(phc) else {
            return true;
        };
        let same_params = Params::try_from(&hash).is_ok_and(|p| {
            (p.m_cost(), p.t_cost(), p.p_cost())
                == (
                    self.params.memory_kib,
                    self.params.iterations,
                    self.params.parallelism,
                )
        });
        !(hash.algorithm == Algorithm::Argon2id.ident()
            && hash.version == Some(Version::V0x13.into())
            && same_params)
    }
}

fn hash_bytes(argon2: &Argon2<'_>, password: &[u8]) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|e| HashError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Hashing(e.to_string()))?;
    argon2
        .hash_password(password, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hashing(e.to_string()))
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Argon2's minimum memory is 8 KiB per lane; anything more only slows the tests.
    const FAST: Argon2Params = Argon2Params {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(FAST).expect("valid params")
    }

    fn password(s: &str) -> Password {
        Password::parse(s).expect("acceptable password")
    }

    #[test]
    fn defaults_are_owasp_minimums() {
        assert_eq!(
            Argon2Params::default(),
            Argon2Params {
                memory_kib: 19456,
                iterations: 2,
                parallelism: 1
            }
        );
    }

    #[test]
    fn hash_then_verify_round_trips() {
        let hasher = hasher();
        let phc = hasher.hash(&password("correct-horse-42")).expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{phc}");
        assert!(hasher.verify("correct-horse-42", &phc));
        assert!(!hasher.verify("correct-horse-43", &phc));
        assert!(!hasher.verify("", &phc));
    }

    #[test]
    fn salts_differ_between_hashes_of_one_password() {
        let hasher = hasher();
        let pw = password("correct-horse-42");
        let a = hasher.hash(&pw).expect("hashes");
        let b = hasher.hash(&pw).expect("hashes");
        assert_ne!(a, b);
        assert!(hasher.verify("correct-horse-42", &a) && hasher.verify("correct-horse-42", &b));
    }

    #[test]
    fn verifies_hashes_made_with_other_params() {
        let old = PasswordHasher::new(Argon2Params {
            memory_kib: 16,
            iterations: 2,
            parallelism: 2,
        })
        .expect("valid");
        let phc = old.hash(&password("correct-horse-42")).expect("hashes");
        let current = hasher();
        assert!(current.verify("correct-horse-42", &phc));
        assert!(current.needs_rehash(&phc));
        assert!(!old.needs_rehash(&phc));
    }

    #[test]
    fn malformed_hashes_never_verify() {
        let hasher = hasher();
        for phc in [
            "",
            "plaintext",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$",
            "$2b$12$abcdefghijklmnopqrstuv",
        ] {
            assert!(!hasher.verify("anything", phc), "{phc}");
            assert!(hasher.needs_rehash(phc), "{phc}");
        }
    }

    #[test]
    fn dummy_verify_runs_without_a_hash() {
        let hasher = hasher();
        hasher.dummy_verify("whatever the attacker typed");
        hasher.dummy_verify("");
        assert!(hasher.dummy_phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(!hasher.needs_rehash(&hasher.dummy_phc));
    }

    #[test]
    fn refuses_impossible_params() {
        for params in [
            Argon2Params {
                memory_kib: 8,
                iterations: 0,
                parallelism: 1,
            },
            Argon2Params {
                memory_kib: 8,
                iterations: 1,
                parallelism: 0,
            },
            Argon2Params {
                memory_kib: 8,
                iterations: 1,
                parallelism: 2,
            },
        ] {
            assert!(
                matches!(
                    PasswordHasher::new(params),
                    Err(HashError::InvalidParams(_))
                ),
                "{params:?}"
            );
        }
    }

    #[test]
    fn debug_shows_params_only() {
        let debug = format!("{:?}", hasher());
        assert!(debug.contains("memory_kib: 8"), "{debug}");
        assert!(!debug.contains("argon2id"), "{debug}");
    }

    #[test]
    fn params_deserialize_with_defaults() {
        let params: Argon2Params = serde_json::from_str(r#"{"memory_kib": 65536}"#).expect("valid");
        assert_eq!(
            params,
            Argon2Params {
                memory_kib: 65536,
                ..Argon2Params::default()
            }
        );
        assert!(serde_json::from_str::<Argon2Params>(r#"{"memory": 1}"#).is_err());
    }
}
