//! Secret scrubbing: API keys, tokens, private keys, credentials in URLs and `password=`-style
//! assignments are replaced by `[Filtered]` wherever text is recorded (prompts, responses, tool
//! calls, error messages). The patterns are one regex, checked against a corpus of real secret
//! formats and of ordinary prose, code and JSON (`tests/scrub/`, `core/tests/scrub_corpus.rs`);
//! users add their own with the `scrub_patterns` option.
//!
//! Text recorded as content is often JSON (a message list), where quotes arrive escaped (`\"`):
//! every pattern that looks at quotes accepts the escaped form too.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// What a secret is replaced with.
pub const FILTERED: &str = "[Filtered]";

/// The built-in patterns. In each, text captured by a group named `p_…` (before the secret) or
/// `s_…` (after it) is kept: `Bearer [Filtered]`, `postgres://user:[Filtered]@host`. A value of
/// the `p_kvu` form (an unquoted `password=value`) is only a secret when it holds a digit or a
/// symbol, so code such as `password=password` or `password: string` is left alone.
const PATTERNS: &[&str] = &[
    // Private keys: PEM, OpenSSH, PGP blocks.
    r"-----BEGIN[A-Z ]* PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END[A-Z ]* PRIVATE KEY(?: BLOCK)?-----",
    // Credentials in a URL: scheme://user:password@host keeps the user.
    r#"(?P<p_url>(?-u:\b)[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@"'\\]*:)[^\s/@"'\\]+(?P<s_url>@)"#,
    // Webhook URLs whose path is the secret.
    r"(?P<p_slack>https://hooks\.slack\.com/services/)[A-Za-z0-9/]{20,}",
    r"(?P<p_discord>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/)[A-Za-z0-9_\-]{20,}",
    // Provider keys with a recognisable prefix.
    r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{16,}",
    r"(?-u:\b)sk-(?:proj-|svcacct-|admin-|or-v1-)?[A-Za-z0-9_\-]{20,}",
    r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}",
    r"(?-u:\b)GOCSPX-[A-Za-z0-9_\-]{20,}",
    r"(?-u:\b)ya29\.[0-9A-Za-z_\-]{20,}",
    r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
    r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{36,}",
    r"(?-u:\b)github_pat_[A-Za-z0-9_]{22,}",
    r"(?-u:\b)gl(?:pat|rt|dt|ptt|ft|cbt|imt|agent|oas)-[A-Za-z0-9_\-]{20,}",
    r"(?-u:\b)xox[abposre]-[A-Za-z0-9\-]{10,}",
    r"(?-u:\b)xapp-\d-[A-Za-z0-9\-]{10,}",
    r"(?-u:\b)(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}",
    r"(?-u:\b)whsec_[A-Za-z0-9+/=]{20,}",
    r"(?-u:\b)hf_[A-Za-z]{30,}",
    r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
    r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}",
    r"(?-u:\b)SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
    r"(?-u:\b)SK[0-9a-fA-F]{32}(?-u:\b)",
    r"(?-u:\b)key-[0-9a-f]{32}(?-u:\b)",
    r"(?-u:\b)shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
    r"(?-u:\b)do[opr]_v1_[a-f0-9]{64}",
    r"(?-u:\b)dapi[a-f0-9]{32}(?:-\d)?",
    r"(?-u:\b)gsk_[A-Za-z0-9]{48,}",
    r"(?-u:\b)r8_[A-Za-z0-9]{37}(?-u:\b)",
    r"(?-u:\b)xai-[A-Za-z0-9]{70,}",
    r"(?-u:\b)pplx-[A-Za-z0-9]{40,}",
    r"(?-u:\b)lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
    r"(?-u:\b)sntry[us]_[A-Za-z0-9_=\-]{40,}",
    r"(?-u:\b)(?:ntn|secret)_[A-Za-z0-9]{40,}",
    r"(?-u:\b)lin_api_[A-Za-z0-9]{40}",
    r"(?-u:\b)NRAK-[A-Z0-9]{27}",
    r"(?-u:\b)PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
    r"(?-u:\b)dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}",
    r"(?-u:\b)hv[sb]\.[A-Za-z0-9_\-]{24,}",
    r"(?-u:\b)pcsk_[A-Za-z0-9_]{40,}",
    r"\d{8,10}:AA[A-Za-z0-9_\-]{33}(?-u:\b)",
    // JSON Web Tokens.
    r"(?-u:\b)eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]+",
    // Authorization schemes.
    r"(?P<p_bearer>(?-u:\b)[Bb][Ee][Aa][Rr][Ee][Rr]\s+)[A-Za-z0-9\-._~+/]{8,}=*",
    r#"(?P<p_basic>(?i-u:authorization)\\?["']?\s*[:=]\s*\\?["']?[Bb]asic\s+)[A-Za-z0-9+/]{8,}={0,2}"#,
    // Azure: storage account keys, SAS signatures, 32-hex keys under a key's name.
    r"(?P<p_acctkey>AccountKey=)[A-Za-z0-9+/=]{40,}",
    r"(?P<p_sig>[?&]sig=)[A-Za-z0-9%+/=]{20,}",
    r#"(?P<p_hexkey>(?:(?i-u:api[_\-]?key|subscription[_\-]?key|access[_\-]?key|secret[_\-]?key)|(?-u:\b)[A-Z][A-Z0-9_]*_KEY)\\?["']?\s*[:=]\s*\\?["']?)[0-9a-fA-F]{32}(?-u:\b)"#,
    // AWS secret access keys (40 characters of base64) under their name.
    r#"(?P<p_aws>(?i-u:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)\\?["']?\s*[:=]\s*\\?["']?)[A-Za-z0-9/+]{40}(?-u:\b)"#,
    // Assignments to a credential's name: quoted values, then unquoted ones.
    r#"(?P<p_kvq>(?:(?i-u:password|passwd|pwd|secret|client_secret|api_key|apikey|api-key|access_token|auth_token|refresh_token|private_key|secret_key)|(?-u:\b)[A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN))\\?["']?\s*[:=]\s*\\?["'])[^"'\\\n]{4,}"#,
    r#"(?P<p_kvu>(?:(?i-u:password|passwd|pwd|secret|client_secret|api_key|apikey|api-key|access_token|auth_token|refresh_token|private_key|secret_key)|(?-u:\b)[A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN))\s*[:=]\s*)[^\s"'\\,;(){}\[\]<>]{6,}(?P<s_kvu>(?m:$)|[\s"'\\,;])"#,
];

fn builtin() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(&PATTERNS.join("|")).expect("the built-in secret patterns compile")
    })
}

/// The scrubber a client uses: the built-in patterns (unless `scrub_secrets` is off) and the
/// user's own.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    builtin: bool,
    extra: Option<Regex>,
}

impl Scrubber {
    /// `extra` are regular expressions (Rust `regex` syntax); a whole match is filtered.
    pub fn new(builtin: bool, extra: &[String]) -> Result<Self, String> {
        let extra = match extra {
            [] => None,
            patterns => Some(
                Regex::new(
                    &patterns
                        .iter()
                        .map(|p| format!("(?:{p})"))
                        .collect::<Vec<_>>()
                        .join("|"),
                )
                .map_err(|e| e.to_string())?,
            ),
        };
        Ok(Scrubber { builtin, extra })
    }

    /// Built-in patterns only.
    pub fn builtin() -> Self {
        Scrubber {
            builtin: true,
            extra: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.builtin || self.extra.is_some()
    }

    /// `text` with every secret replaced by `[Filtered]`.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.apply(text, self.builtin)
    }

    /// The same for an owned string, without a copy when nothing is found.
    pub fn scrub_owned(&self, text: String) -> String {
        match self.scrub(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => s,
        }
    }

    /// Scrubs with the built-in patterns even when `scrub_secrets` is off: for error messages,
    /// which are kept whatever the content options say.
    pub fn scrub_always(&self, text: String) -> String {
        match self.apply(&text, true) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => s,
        }
    }

    fn apply<'a>(&self, text: &'a str, builtin_patterns: bool) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        if builtin_patterns {
            out = replace(builtin(), out, keep_context);
        }
        if let Some(extra) = &self.extra {
            out = replace(extra, out, |_| Cow::Borrowed(FILTERED));
        }
        out
    }
}

/// `text` with every quoted passage (`'…'`, `"…"`, `` `…` ``, `“…”`, `‘…’`) replaced by
/// `[Filtered]`: where a provider's error message echoes the prompt. An apostrophe inside a
/// word (`don't`) opens nothing.
pub fn without_quoted_passages(text: &str) -> Cow<'_, str> {
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let quoted = QUOTED.get_or_init(|| {
        Regex::new(concat!(
            r#"(?P<p_a>(?:^|[^\w'"`])')[^'\n]+(?P<s_a>'(?:$|[^\w]))"#,
            r#"|(?P<p_b>(?:^|[^\w'"`])")[^"\n]+(?P<s_b>"(?:$|[^\w]))"#,
            r"|(?P<p_c>`)[^`\n]+(?P<s_c>`)",
            r"|(?P<p_d>“)[^”\n]+(?P<s_d>”)",
            r"|(?P<p_e>‘)[^’\n]+(?P<s_e>’)",
        ))
        .expect("the quote pattern compiles")
    });
    quoted.replace_all(text, |caps: &Captures<'_>| {
        let (_, before, after) = kept(quoted, caps);
        format!("{before}{FILTERED}{after}")
    })
}

/// What a match keeps around `[Filtered]`: its `p_…` group (named, and its text) and its `s_…`
/// group. Only one alternative matches, so there is at most one of each.
fn kept<'h>(re: &'static Regex, caps: &Captures<'h>) -> (Option<&'static str>, &'h str, &'h str) {
    let (mut group, mut before, mut after) = (None, "", "");
    for name in re.capture_names().flatten() {
        let Some(m) = caps.name(name) else { continue };
        if name.starts_with("p_") {
            (group, before) = (Some(name), m.as_str());
        } else if name.starts_with("s_") {
            after = m.as_str();
        }
    }
    (group, before, after)
}

fn replace<'a>(
    re: &Regex,
    text: Cow<'a, str>,
    with: impl Fn(&Captures<'_>) -> Cow<'static, str> + Copy,
) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(t) => re.replace_all(t, |c: &Captures<'_>| with(c)),
        Cow::Owned(t) => match re.replace_all(&t, |c: &Captures<'_>| with(c)) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(s) => Cow::Owned(s),
        },
    }
}

/// The replacement for one built-in match: the kept context around `[Filtered]`.
fn keep_context(caps: &Captures<'_>) -> Cow<'static, str> {
    let whole = caps.get(0).map_or("", |m| m.as_str());
    let (group, before, after) = kept(builtin(), caps);
    if group == Some("p_kvu") {
        let value = &whole[before.len()..whole.len() - after.len()];
        if !value
            .bytes()
            .any(|b| b.is_ascii_digit() || b"!@#$%^&*+=~-/?".contains(&b))
        {
            return Cow::Owned(whole.to_owned());
        }
    }
    Cow::Owned(format!("{before}{FILTERED}{after}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_around_a_secret_is_kept() {
        let s = Scrubber::builtin();
        for (text, expected) in [
            (
                "Authorization: Bearer abcdefgh12345678",
                "Authorization: Bearer [Filtered]",
            ),
            (
                "postgres://app:s3cret@db:5432/x",
                "postgres://app:[Filtered]@db:5432/x",
            ),
            ("password=Tr0ub4dor&3 next", "password=[Filtered] next"),
            (
                r#"{\"password\": \"hunter2 pw\"}"#,
                r#"{\"password\": \"[Filtered]\"}"#,
            ),
            ("password=password", "password=password"),
            ("password: string;", "password: string;"),
            ("api_key=os.environ['KEY']", "api_key=os.environ['KEY']"),
            ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ] {
            assert_eq!(s.scrub(text), expected, "{text}");
        }
    }

    #[test]
    fn quoted_passages_go_and_apostrophes_stay() {
        for (text, expected) in [
            (
                "Invalid value 'my prompt', don't retry",
                "Invalid value '[Filtered]', don't retry",
            ),
            (r#"field "messages[0]" bad"#, r#"field "[Filtered]" bad"#),
            (
                "the users' data isn't quoted",
                "the users' data isn't quoted",
            ),
            (
                "a `code` and “smart” and ‘x’",
                "a `[Filtered]` and “[Filtered]” and ‘[Filtered]’",
            ),
            (
                "rate limit reached for gpt-4o",
                "rate limit reached for gpt-4o",
            ),
        ] {
            assert_eq!(without_quoted_passages(text), expected, "{text}");
        }
    }

    #[test]
    fn user_patterns_filter_whole_matches_and_bad_ones_are_refused() {
        let s = Scrubber::new(false, &["EMP-\\d{6}".into()]).unwrap();
        assert_eq!(
            s.scrub("employee EMP-123456 called"),
            "employee [Filtered] called"
        );
        assert_eq!(
            s.scrub("sk-proj-abcdefghijklmnopqrstuvwx"),
            "sk-proj-abcdefghijklmnopqrstuvwx"
        );
        let err = Scrubber::new(true, &["(unclosed".into()]).unwrap_err();
        assert!(err.contains("unclosed"), "{err}");
    }
}
