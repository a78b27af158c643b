//! Passwords (NCSC guidance: length and a deny-list, no composition rules), their argon2id
//! hashes, and the random secrets behind session cookies and API tokens.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The shortest password accepted (NCSC: length beats complexity).
pub const MIN_PASSWORD_LENGTH: usize = 12;
/// Long enough for a passphrase, short enough that hashing cannot be used to exhaust the server.
pub const MAX_PASSWORD_LENGTH: usize = 256;

static COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why a new password was refused; the message is shown to the user as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("Password must be {MIN_PASSWORD_LENGTH} characters or more")]
    TooShort,
    #[error("Password must be {MAX_PASSWORD_LENGTH} characters or fewer")]
    TooLong,
    #[error("Password is too common: choose one that other people are unlikely to use, such as three random words")]
    Common,
    #[error("Password must not contain your email address")]
    ContainsEmail,
}

/// Check a proposed password against the policy.
pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordRuleError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(PasswordRuleError::TooShort);
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(PasswordRuleError::TooLong);
    }
    let lowered = password.to_lowercase();
    if common_passwords().contains(lowered.as_str()) {
        return Err(PasswordRuleError::Common);
    }
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if local_part.len() >= 4 && lowered.contains(&local_part) {
        return Err(PasswordRuleError::ContainsEmail);
    }
    Ok(())
}

/// Hash a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        // Hashing only fails on absurd parameter sizes, which the defaults never are.
        .unwrap_or_default()
}

/// Constant-time verification against a stored PHC string; an unreadable hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that timing does not reveal
/// which email addresses have accounts.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that never matches"))
}

/// A random secret of 32 bytes, hex-encoded, for session cookies, CSRF and API tokens.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored instead of a bearer secret: its SHA-256, so a database leak grants nothing.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A readable generated password of four random words plus digits, for first administrators.
pub fn generate_password() -> String {
    const WORDS: &[&str] = &[
        "anchor", "bramble", "copper", "dawn", "ember", "fjord", "granite", "harbour", "island",
        "juniper", "kestrel", "lantern", "meadow", "nutmeg", "orchard", "pebble", "quartz",
        "river", "saffron", "thistle", "umber", "violet", "willow", "yarrow", "zephyr", "beacon",
        "cobalt", "drift", "falcon", "heron", "larch", "marble",
    ];
    let mut rng = rand::rngs::OsRng;
    let mut words: Vec<&str> = (0..4)
        .map(|_| WORDS[(rng.next_u32() as usize) % WORDS.len()])
        .collect();
    let number = format!("{:02}", rng.next_u32() % 100);
    words.push(&number);
    words.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_follow_ncsc() {
        let email = "sam.taylor@example.org";
        let cases = [
            ("short", Err(PasswordRuleError::TooShort)),
            ("elevenchars", Err(PasswordRuleError::TooShort)),
            ("correct horse battery", Ok(())),
            ("alllowercasenodigits", Ok(())),
            (
                "my sam.taylor secret",
                Err(PasswordRuleError::ContainsEmail),
            ),
        ];
        for (password, expected) in cases {
            assert_eq!(check_new_password(password, email), expected, "{password}");
        }
        assert_eq!(
            check_new_password(&"x".repeat(MAX_PASSWORD_LENGTH + 1), email),
            Err(PasswordRuleError::TooLong)
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        let common = common_passwords()
            .iter()
            .find(|p| p.chars().count() >= MIN_PASSWORD_LENGTH)
            .copied()
            .expect("the shipped list has long entries");
        assert_eq!(
            check_new_password(common, "a@b.org"),
            Err(PasswordRuleError::Common)
        );
        assert_eq!(
            check_new_password(&common.to_uppercase(), "a@b.org"),
            Err(PasswordRuleError::Common)
        );
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password("caf-demo-2026");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("caf-demo-2026", &hash));
        assert!(!verify_password("caf-demo-2027", &hash));
        assert!(!verify_password("caf-demo-2026", "not a hash"));
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        for _ in 0..20 {
            let p = generate_password();
            assert_eq!(check_new_password(&p, "admin@example.org"), Ok(()), "{p}");
        }
    }

    #[test]
    fn secrets_are_random_and_digests_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 64);
        assert_eq!(secret_digest("abc"), secret_digest("abc"));
        assert_ne!(secret_digest("abc"), secret_digest("abd"));
    }
}
