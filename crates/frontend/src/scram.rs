//! Reading SCRAM-SHA-256 password verifiers (PostgreSQL's text form,
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, which the
//! adapter keeps) into the secret pgwire checks a client's proof against.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pgwire::api::auth::sasl::scram::ScramSecret;

/// The iteration count of the verifier of an unknown user.
const ITERATIONS: usize = 4096;

/// The prefix of a verifier's text form.
const PREFIX: &str = "SCRAM-SHA-256$";

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
    fn the_adapters_verifiers_are_read() {
        let text = freshet_adapter::scram_verifier("secret");
        match parse_verifier(&text) {
            Some(ScramSecret::Verifier {
                iterations,
                salt,
                stored_key,
                server_key,
            }) => {
                assert_eq!(iterations, 4096);
                assert_eq!((salt.len(), stored_key.len(), server_key.len()), (16, 32, 32));
            }
            other => panic!("not read: {other:?}"),
        }
        assert!(parse_verifier("secret").is_none());
        assert!(parse_verifier("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA").is_none());
    }
}
