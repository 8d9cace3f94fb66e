//! Privacy filtering run on the caller's thread before a span is queued (on the flush thread,
//! right after its response is read, for a call ended with `finish_later`), and always before
//! the user's `before_send_span` hook and any export. Credentials never leave the process,
//! whatever the options say.

use crate::scrub::Scrubber;
use crate::span::{SpanData, Status};

/// Attribute key endings that name credentials (`http.request.header.authorization`,
/// `llm.api_key`, …), grouped by their last byte so most keys are cleared by one comparison.
/// Compared case-insensitively against the end of the key.
const CREDENTIAL_KEY_SUFFIXES: &[(u8, &[&str])] = &[
    (b'n', &["authorization"]),
    (
        b'y',
        &[
            "x-api-key",
            "x_api_key",
            "x-goog-api-key",
            "api_key",
            "api-key",
            "apikey",
            "secret_key",
        ],
    ),
    (b't', &["client_secret", "client-secret"]),
    (b'd', &["password"]),
];

/// True when an attribute with this key would carry a credential.
#[inline]
pub fn is_credential_key(key: &str) -> bool {
    let key = key.as_bytes();
    let Some(last) = key.last().map(u8::to_ascii_lowercase) else {
        return false;
    };
    CREDENTIAL_KEY_SUFFIXES
        .iter()
        .filter(|(byte, _)| *byte == last)
        .flat_map(|(_, suffixes)| suffixes.iter())
        .any(|suffix| {
            key.len() >= suffix.len()
                && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        })
}

/// Removes what must never be captured: credential attributes, and secrets in an error
/// message (scrubbed whatever `scrub_secrets` says, since messages are kept with content off).
/// Cheap when there is nothing to remove: one pass over keys.
pub fn filter(span: &mut SpanData, scrubber: &Scrubber) {
    if span.attributes.iter().any(|(k, _)| is_credential_key(k)) {
        span.attributes.retain(|k, _| !is_credential_key(k));
    }
    if let Status::Error {
        message: Some(message),
        ..
    } = &mut span.status
    {
        *message = scrubber.scrub_always(std::mem::take(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_keys_are_recognised_and_token_counts_are_not() {
        for key in [
            "http.request.header.authorization",
            "http.request.header.x-api-key",
            "http.request.header.X-Goog-Api-Key",
            "openai.api_key",
            "oauth.client_secret",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "gen_ai.usage.input_tokens",
            "gen_ai.request.model",
            "api_keys_count_total",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
    }
}
