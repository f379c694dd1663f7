//! SCRAM-SHA-256 password verifiers in PostgreSQL's text form,
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64
//! fields), as `pg_authid.rolpassword` holds them: enough to check a
//! client's proof, never the password itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pgwire::api::auth::sasl::scram::{ScramSecret, gen_salted_password};

/// PostgreSQL's default iteration count (`scram_iterations`).
const ITERATIONS: usize = 4096;

/// The prefix of a verifier's text form.
const PREFIX: &str = "SCRAM-SHA-256$";

/// The verifier of `password`, with a fresh random salt, in PostgreSQL's
/// text form.
pub fn scram_verifier(password: &str) -> String {
    let salt: [u8; 16] = rand::random();
    let salted = gen_salted_password(password, &salt, ITERATIONS);
    match ScramSecret::verifier_from_salted_password(salt.to_vec(), salted, ITERATIONS) {
        ScramSecret::Verifier {
            salt,
            iterations,
            stored_key,
            server_key,
        } => format!(
            "{PREFIX}{iterations}:{}${}:{}",
            STANDARD.encode(salt),
            STANDARD.encode(stored_key),
            STANDARD.encode(server_key)
        ),
        ScramSecret::SaltedPassword { .. } => unreachable!("verifier_from_salted_password makes a verifier"),
    }
}

/// Whether `text` is a verifier in PostgreSQL's text form (rather than a
/// password).
pub fn is_scram_verifier(text: &str) -> bool {
    parse_verifier(text).is_some()
}

/// The secret a verifier's text form holds, or `None` if `text` is not one.
pub(crate) fn parse_verifier(text: &str) -> Option<ScramSecret> {
    let rest = text.strip_prefix(PREFIX)?;
    let (params, keys) = rest.split_once('$')?;
    let (iterations, salt) = params.split_once(':')?;
    let (stored_key, server_key) = keys.split_once(':')?;
    let iterations: usize = iterations.parse().ok().filter(|i| *i > 0)?;
    let decode = |field: &str| STANDARD.decode(field).ok();
    let (stored_key, server_key) = (decode(stored_key)?, decode(server_key)?);
    // SHA-256 outputs.
    if stored_key.len() != 32 || server_key.len() != 32 {
        return None;
    }
    Some(ScramSecret::Verifier {
        salt: decode(salt)?,
        iterations,
        stored_key,
        server_key,
    })
}

/// A verifier no password matches: what a login as an unknown user is
/// checked against, so that the exchange looks the same as for a known one.
pub(crate) fn unmatchable_verifier() -> ScramSecret {
    ScramSecret::Verifier {
        salt: rand::random::<[u8; 16]>().to_vec(),
        iterations: ITERATIONS,
        stored_key: rand::random::<[u8; 32]>().to_vec(),
        server_key: rand::random::<[u8; 32]>().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_round_trip_and_salt_differs() {
        let a = scram_verifier("secret");
        let b = scram_verifier("secret");
        assert_ne!(a, b, "each verifier has its own salt");
        assert!(a.starts_with("SCRAM-SHA-256$4096:"));
        assert!(is_scram_verifier(&a));
        assert!(!is_scram_verifier("secret"));
        assert!(!is_scram_verifier("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"));
    }
}
