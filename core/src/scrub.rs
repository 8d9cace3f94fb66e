//! Secret scrubbing: API keys, tokens, private keys, credentials in URLs and `password=`-style
//! assignments are replaced by `[Filtered]` wherever text is recorded (prompts, responses, tool
//! calls, error messages). The patterns are one regex, checked against a corpus of real secret
//! formats and of ordinary prose, code and JSON (`tests/scrub/`, `core/tests/scrub_corpus.rs`);
//! users add their own with the `scrub_patterns` option.
//!
//! Text recorded as content is often JSON (a message list), where quotes arrive escaped (`\"`):
//! every pattern that looks at quotes accepts the escaped form too.
//!
//! Two engines run these patterns: `regex` natively (fast on long text: literal prefilters, a
//! lazy DFA) and `regex-lite` in the wasm build, where `regex` (without those, for size) made the
//! core 104 KB gzipped larger and was slower still (197 against 148 ms for a call recording 10 KB
//! of prompt and 10 KB of answer, the wasm core in Node). They agree because the patterns are
//! ASCII throughout: POSIX classes (`[[:space:]]`, `[[:word:]]`, ASCII in both), `[0-9]`,
//! `(?-u:\b)`, `(?i-u:…)`; a test runs both over the corpus and random text and requires the
//! same matches. A user's `scrub_patterns` are compiled by the same engine, so in a browser or on
//! the edge `\w`, `\d`, `\s` and `\b` mean their ASCII forms and `\p{…}` classes are refused (the
//! init error names the option).

use std::borrow::Cow;
use std::sync::OnceLock;

#[cfg(not(target_arch = "wasm32"))]
use regex::{Captures, Regex};
#[cfg(target_arch = "wasm32")]
use regex_lite::{Captures, Regex};

/// What a secret is replaced with.
pub const FILTERED: &str = "[Filtered]";

/// The built-in patterns. In each, text captured by a group named `p_…` (before the secret) or
/// `s_…` (after it) is kept: `Bearer [Filtered]`, `postgres://user:[Filtered]@host`. A value of
/// the `p_kvu` form (an unquoted `password=value`) is only a secret when it holds a digit or a
/// symbol, so code such as `password=password` or `password: string` is left alone.
const PATTERNS: &[&str] = &[
    // Private keys: PEM, OpenSSH, PGP blocks.
    r"-----BEGIN[A-Z ]* PRIVATE KEY(?: BLOCK)?-----(?s:.)*?-----END[A-Z ]* PRIVATE KEY(?: BLOCK)?-----",
    // Credentials in a URL: scheme://user:password@host keeps the user.
    r#"(?P<p_url>(?-u:\b)[a-zA-Z][a-zA-Z0-9+.\-]*://[^[:space:]:/@"'\\]*:)[^[:space:]/@"'\\]+(?P<s_url>@)"#,
    // Webhook URLs whose path is the secret.
    r"(?P<p_slack>https://hooks\.slack\.com/services/)[A-Za-z0-9/]{20,}",
    r"(?P<p_discord>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]+/)[A-Za-z0-9_\-]{20,}",
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
    r"(?-u:\b)xapp-[0-9]-[A-Za-z0-9\-]{10,}",
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
    r"(?-u:\b)dapi[a-f0-9]{32}(?:-[0-9])?",
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
    r"[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}(?-u:\b)",
    // JSON Web Tokens.
    r"(?-u:\b)eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]+",
    // Authorization schemes.
    r"(?P<p_bearer>(?-u:\b)[Bb][Ee][Aa][Rr][Ee][Rr][[:space:]]+)[A-Za-z0-9\-._~+/]{8,}=*",
    r#"(?P<p_basic>(?i-u:authorization)\\?["']?[[:space:]]*[:=][[:space:]]*\\?["']?[Bb]asic[[:space:]]+)[A-Za-z0-9+/]{8,}={0,2}"#,
    // Azure: storage account keys, SAS signatures, 32-hex keys under a key's name.
    r"(?P<p_acctkey>AccountKey=)[A-Za-z0-9+/=]{40,}",
    r"(?P<p_sig>[?&]sig=)[A-Za-z0-9%+/=]{20,}",
    r#"(?P<p_hexkey>(?:(?i-u:api[_\-]?key|subscription[_\-]?key|access[_\-]?key|secret[_\-]?key)|(?-u:\b)[A-Z][A-Z0-9_]*_KEY)\\?["']?[[:space:]]*[:=][[:space:]]*\\?["']?)[0-9a-fA-F]{32}(?-u:\b)"#,
    // AWS secret access keys (40 characters of base64) under their name.
    r#"(?P<p_aws>(?i-u:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)\\?["']?[[:space:]]*[:=][[:space:]]*\\?["']?)[A-Za-z0-9/+]{40}(?-u:\b)"#,
    // Assignments to a credential's name: quoted values, then unquoted ones.
    r#"(?P<p_kvq>(?:(?i-u:password|passwd|pwd|secret|client_secret|api_key|apikey|api-key|access_token|auth_token|refresh_token|private_key|secret_key)|(?-u:\b)[A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN))\\?["']?[[:space:]]*[:=][[:space:]]*\\?["'])[^"'\\\n]{4,}"#,
    r#"(?P<p_kvu>(?:(?i-u:password|passwd|pwd|secret|client_secret|api_key|apikey|api-key|access_token|auth_token|refresh_token|private_key|secret_key)|(?-u:\b)[A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN))[[:space:]]*[:=][[:space:]]*)[^[:space:]"'\\,;(){}\[\]<>]{6,}(?P<s_kvu>(?m:$)|[[:space:]"'\\,;])"#,
];

/// The built-in patterns as one alternation, each run of alternatives that open with an ASCII
/// word boundary under that one boundary: `\b(?:A|B)` matches what `\bA|\bB` matches, in the
/// same order, and a Pike VM (regex-lite, in the wasm build) then checks the boundary once per
/// position instead of once per alternative (a wasm call recording 10 KB of prompt and 10 KB of
/// answer: 135–149 ms before, 117–122 after).
fn builtin_pattern() -> String {
    const BOUNDARY: &str = r"(?-u:\b)";
    PATTERNS
        .chunk_by(|a, b| a.starts_with(BOUNDARY) && b.starts_with(BOUNDARY))
        .map(|run| match run {
            [first, ..] if first.starts_with(BOUNDARY) => {
                let rests: Vec<&str> = run.iter().map(|p| &p[BOUNDARY.len()..]).collect();
                format!("{BOUNDARY}(?:{})", rests.join("|"))
            }
            _ => run.join("|"),
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn builtin() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(&builtin_pattern()).expect("the built-in secret patterns compile")
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

/// What `without_quoted_passages` filters: a quote that opens after a non-word character (or at
/// the start) and closes before one, backticks, and typographic quotes.
const QUOTED_PATTERN: &str = concat!(
    r#"(?P<p_a>(?:^|[^[:word:]'"`])')[^'\n]+(?P<s_a>'(?:$|[^[:word:]]))"#,
    r#"|(?P<p_b>(?:^|[^[:word:]'"`])")[^"\n]+(?P<s_b>"(?:$|[^[:word:]]))"#,
    r"|(?P<p_c>`)[^`\n]+(?P<s_c>`)",
    r"|(?P<p_d>“)[^”\n]+(?P<s_d>”)",
    r"|(?P<p_e>‘)[^’\n]+(?P<s_e>’)",
);

/// `text` with every quoted passage (`'…'`, `"…"`, `` `…` ``, `“…”`, `‘…’`) replaced by
/// `[Filtered]`: where a provider's error message echoes the prompt. An apostrophe after an
/// ASCII letter, digit or `_` (`don't`) opens nothing.
pub fn without_quoted_passages(text: &str) -> Cow<'_, str> {
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let quoted =
        QUOTED.get_or_init(|| Regex::new(QUOTED_PATTERN).expect("the quote pattern compiles"));
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

    /// The wasm build's engine (`regex-lite`) against the native one (`regex`): the same matches
    /// with the same named groups, for the built-in patterns and the quote pattern.
    mod engines_agree {
        use super::{PATTERNS, QUOTED_PATTERN, builtin_pattern};
        use proptest::prelude::*;

        type Found = Vec<(usize, usize, Vec<Option<(usize, usize)>>)>;

        /// Each pattern compiled by both engines, once.
        fn engines() -> &'static [(regex::Regex, regex_lite::Regex); 2] {
            static BOTH: std::sync::OnceLock<[(regex::Regex, regex_lite::Regex); 2]> =
                std::sync::OnceLock::new();
            BOTH.get_or_init(|| {
                [builtin_pattern(), QUOTED_PATTERN.to_owned()].map(|p| {
                    (
                        regex::Regex::new(&p).unwrap(),
                        regex_lite::Regex::new(&p).unwrap(),
                    )
                })
            })
        }

        /// Every match with its groups' spans; the two engines' types differ, their API does not.
        macro_rules! found {
            ($re:expr, $text:expr) => {
                $re.captures_iter($text)
                    .map(|c| {
                        let whole = c.get(0).unwrap();
                        let groups = c.iter().map(|g| g.map(|m| (m.start(), m.end()))).collect();
                        (whole.start(), whole.end(), groups)
                    })
                    .collect::<Found>()
            };
        }

        fn assert_agree(text: &str) {
            for (native_re, lite_re) in engines() {
                assert_eq!(
                    found!(native_re, text),
                    found!(lite_re, text),
                    "on {text:?}"
                );
            }
        }

        /// The factored alternation finds exactly what the plain one does.
        fn assert_factoring_keeps_matches(text: &str) {
            static PLAIN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            let plain = PLAIN.get_or_init(|| regex::Regex::new(&PATTERNS.join("|")).unwrap());
            assert_eq!(
                found!(plain, text),
                found!(engines()[0].0, text),
                "on {text:?}"
            );
        }

        #[test]
        fn on_the_corpus() {
            for name in ["secrets.tsv", "ordinary.txt"] {
                let path = format!("{}/../tests/scrub/{name}", env!("CARGO_MANIFEST_DIR"));
                let text = std::fs::read_to_string(&path).unwrap();
                assert_agree(&text);
                assert_agree(&serde_json::to_string(&text).unwrap());
                assert_factoring_keeps_matches(&text);
            }
        }

        /// Where Unicode and ASCII classes part: a `\s`, `\w` or `\d` in a pattern would
        /// make these differ (U+2003 is Unicode whitespace, `é` a Unicode word character, `٣`
        /// a Unicode digit).
        #[test]
        fn where_unicode_classes_would_differ() {
            for text in [
                "Authorization: Bearer\u{2003}abcdefgh12345678",
                "password =\u{a0}hunter2!x",
                "café'quoted passage' here",
                "said «'x'» then",
                "٣٣٣٣٣٣٣٣٣:AAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ] {
                assert_agree(text);
            }
        }

        fn fragment() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("sk-".to_owned()),
                Just("Bearer ".to_owned()),
                Just("password=".to_owned()),
                Just("https://u:".to_owned()),
                Just("@".to_owned()),
                Just("'".to_owned()),
                Just("\"".to_owned()),
                Just("\\\"".to_owned()),
                Just("“".to_owned()),
                Just("”".to_owned()),
                Just("\n".to_owned()),
                Just("\u{a0}".to_owned()),
                Just("\u{2003}".to_owned()),
                Just("é".to_owned()),
                Just("٣".to_owned()),
                "[A-Za-z0-9_\\-]{1,40}",
                any::<char>().prop_map(String::from),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]
            #[test]
            fn on_random_text(parts in proptest::collection::vec(fragment(), 0..24)) {
                assert_agree(&parts.concat());
                assert_factoring_keeps_matches(&parts.concat());
            }
        }
    }
}
