//! How passwords are kept: as SCRAM-SHA-256 verifiers in PostgreSQL's text
//! form, `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`
//! (base64 fields, RFC 5802 and RFC 7677), as `pg_authid.rolpassword`
//! holds them. A verifier checks a client's proof; the password cannot be
//! recovered from it.

use std::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};

/// PostgreSQL's default iteration count (`scram_iterations`).
const ITERATIONS: NonZeroU32 = NonZeroU32::new(4096).expect("not zero");

/// The prefix of a verifier's text form.
const PREFIX: &str = "SCRAM-SHA-256$";

/// The verifier of `password`, with a fresh random salt.
pub fn scram_verifier(password: &str) -> String {
    let mut salt = [0u8; 16];
    // The system's random source does not fail on Linux once booted.
    SystemRandom::new()
        .fill(&mut salt)
        .expect("the system random source works");
    verifier_with_salt(password, &salt, ITERATIONS)
}

fn verifier_with_salt(password: &str, salt: &[u8], iterations: NonZeroU32) -> String {
    let mut salted = [0u8; digest::SHA256_OUTPUT_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        password.as_bytes(),
        &mut salted,
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
    let client_key = hmac::sign(&key, b"Client Key");
    let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
    let server_key = hmac::sign(&key, b"Server Key");
    format!(
        "{PREFIX}{iterations}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(stored_key),
        STANDARD.encode(server_key)
    )
}

/// Whether `text` has the form of a verifier (a password given already
/// hashed, as PostgreSQL accepts in `CREATE ROLE ... PASSWORD`).
pub fn is_scram_verifier(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(PREFIX) else {
        return false;
    };
    let Some((params, keys)) = rest.split_once('$') else {
        return false;
    };
    let decodes_to = |field: &str, len: Option<usize>| {
        STANDARD
            .decode(field)
            .is_ok_and(|bytes| len.is_none_or(|len| bytes.len() == len))
    };
    match (params.split_once(':'), keys.split_once(':')) {
        (Some((iterations, salt)), Some((stored_key, server_key))) => {
            iterations.parse::<u32>().is_ok_and(|i| i > 0)
                && decodes_to(salt, None)
                && decodes_to(stored_key, Some(digest::SHA256_OUTPUT_LEN))
                && decodes_to(server_key, Some(digest::SHA256_OUTPUT_LEN))
        }
        _ => false,
    }
}

/// Passwords as stored: a verifier as given, or the verifier of a password.
pub(crate) fn stored_form(password: &str) -> String {
    if is_scram_verifier(password) {
        password.to_owned()
    } else {
        scram_verifier(password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_check_the_exchange_of_rfc_7677() {
        // RFC 7677, section 3: user "user", password "pencil".
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").expect("base64");
        let verifier = verifier_with_salt("pencil", &salt, ITERATIONS);
        let (_, keys) = verifier.rsplit_once('$').expect("keys");
        let (stored_key, server_key) = keys.split_once(':').expect("two keys");
        let (stored_key, server_key) = (
            STANDARD.decode(stored_key).expect("base64"),
            STANDARD.decode(server_key).expect("base64"),
        );
        let nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let auth_message =
            format!("n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}");
        // The client's proof, XORed with the client signature, hashes to
        // the stored key.
        let proof = STANDARD
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .expect("base64");
        let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &stored_key), auth_message.as_bytes());
        let client_key: Vec<u8> = proof.iter().zip(signature.as_ref()).map(|(p, s)| p ^ s).collect();
        assert_eq!(
            digest::digest(&digest::SHA256, &client_key).as_ref(),
            stored_key.as_slice()
        );
        // The server's signature is the one the RFC's server sends.
        let server_signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &server_key), auth_message.as_bytes());
        assert_eq!(
            STANDARD.encode(server_signature),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
    }

    #[test]
    fn each_verifier_has_its_own_salt() {
        let (a, b) = (scram_verifier("secret"), scram_verifier("secret"));
        assert_ne!(a, b);
        assert!(a.starts_with("SCRAM-SHA-256$4096:"));
        assert!(is_scram_verifier(&a) && is_scram_verifier(&b));
        assert!(!is_scram_verifier("secret"));
        assert!(!is_scram_verifier("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"));
        assert_eq!(stored_form(&a), a);
        assert!(is_scram_verifier(&stored_form("secret")));
    }
}
