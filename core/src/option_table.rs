//! Every option, once: its name, how its value is written, its default, the environment
//! variable read when it is unset, and what it means. `Options::set` accepts exactly these
//! names, the bindings derive their spellings and conversions from this table (Node camelCase,
//! Python keywords, C `llmtel_options_set`), and tests hold the README table, `index.d.ts` and
//! every binding to it.

/// How a value is written, so that a binding can turn a host value into the text `set` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Text,
    Bool,
    /// A whole number.
    Integer,
    /// A number with a fraction.
    Number,
    /// Seconds as text (`2`, `0.5`) or with a unit (`500ms`); Node gives milliseconds.
    Duration,
    /// `k=v,k2=v2` with percent-encoded values; hosts pass a map.
    Headers,
    /// JSON text; hosts pass an object.
    Json,
    /// A path, or `false` for none.
    PathOrOff,
    /// `true`, `false` or a URL.
    UrlOrBool,
    /// A function, set through the binding's own argument, never as text.
    Callback,
}

impl OptionKind {
    /// The name bindings see (`optionTable()` in Node, `option_table()` in Python).
    pub fn as_str(self) -> &'static str {
        match self {
            OptionKind::Text => "text",
            OptionKind::Bool => "bool",
            OptionKind::Integer => "integer",
            OptionKind::Number => "number",
            OptionKind::Duration => "duration",
            OptionKind::Headers => "headers",
            OptionKind::Json => "json",
            OptionKind::PathOrOff => "path_or_off",
            OptionKind::UrlOrBool => "url_or_bool",
            OptionKind::Callback => "callback",
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    /// The name `Options::set` takes (snake_case); Node uses its camelCase form.
    pub name: &'static str,
    pub kind: OptionKind,
    /// The default as the README shows it.
    pub default: &'static str,
    /// The environment variable(s) read when the option is unset, as the README shows them.
    pub env: &'static str,
    pub meaning: &'static str,
    /// A valid value in text form: the tests set every option from every binding with it.
    pub example: &'static str,
    /// False for what bindings set themselves (`sdk_name`): left out of the README and the
    /// host-facing declarations.
    pub public: bool,
}

const fn row(
    name: &'static str,
    kind: OptionKind,
    default: &'static str,
    env: &'static str,
    meaning: &'static str,
    example: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        default: readme(default),
        env: readme(env),
        meaning: readme(meaning),
        example,
        public: true,
    }
}

/// The README's words (default, environment, meaning): left out of wasm builds, where nothing
/// reads them (`readme_table` is for native tests), so that pages do not download them.
const fn readme(text: &'static str) -> &'static str {
    if cfg!(target_family = "wasm") {
        ""
    } else {
        text
    }
}

use OptionKind::*;

/// The options, in the README's order.
#[rustfmt::skip]
pub static OPTIONS: &[OptionSpec] = &[
    row("dsn", Text, "none", "`SENTRY_DSN`", "Sentry DSN; empty disables Sentry", "https://key@127.0.0.1:9/1"),
    row("otlp_endpoint", Text, "none", "`OTEL_EXPORTER_OTLP_ENDPOINT`", "OTLP/HTTP base URL; `/v1/traces` is appended", "http://127.0.0.1:9"),
    row("otlp_traces_endpoint", Text, "none", "`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`", "OTLP traces URL, used as is", "http://127.0.0.1:9/v1/traces"),
    row("otlp_headers", Headers, "none", "`OTEL_EXPORTER_OTLP_HEADERS` (`_TRACES_` too)", "`k=v,k2=v2`, values percent-decoded (`+` stays a plus)", "x-api-key=a%2Bb"),
    row("otlp_protocol", Text, "`http/protobuf`", "`OTEL_EXPORTER_OTLP_PROTOCOL` (`_TRACES_` too)", "or `http/json`; `grpc` is refused", "http/json"),
    row("otlp_compression", Text, "`none`", "`OTEL_EXPORTER_OTLP_COMPRESSION` (`_TRACES_` too)", "or `gzip`", "gzip"),
    row("spool", PathOrOff, "`.llmtel/spans.jsonl` when nothing else is configured", "`LLMTEL_SPOOL`", "a path, or `false` / empty for no spool", "false"),
    row("spool_max_bytes", Integer, "64 MiB", "", "the spool rotates before a file passes this", "1048576"),
    row("spool_max_files", Integer, "2", "", "rotated files kept (`spans.jsonl.1` newest)", "3"),
    row("spotlight", UrlOrBool, "off", "`SENTRY_SPOTLIGHT`", "`true` (`http://localhost:8969/stream`) or a URL", "false"),
    row("environment", Text, "`production`", "`SENTRY_ENVIRONMENT`", "", "staging"),
    row("release", Text, "none", "`SENTRY_RELEASE`", "", "app@1.0.0"),
    row("service_name", Text, "`unknown_service`", "`OTEL_SERVICE_NAME`", "OTLP `service.name`", "checkout"),
    row("resource_attributes", Headers, "none", "`OTEL_RESOURCE_ATTRIBUTES`", "more OTLP resource attributes, `k=v,k2=v2` (hosts pass a map); `service_name` and the environment win over the same keys here only when set", "team=search,region=eu"),
    row("traces_sample_rate", Number, "1.0", "`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`", "head sampling of local roots; children inherit (sampling is parent-based, so `always_on`, `always_off` and `traceidratio` act as their `parentbased_` forms)", "0.5"),
    row("send_default_pii", Bool, "false", "", "lets integrations record prompts and responses", "true"),
    row("content_format", Text, "`json`", "", "`json` (`gen_ai.input.messages`, …) or `indexed` (`gen_ai.prompt.{i}.content`, …)", "indexed"),
    row("max_content_bytes", Integer, "65536", "", "cap per content attribute; 0 = no cap", "1024"),
    row("scrub_secrets", Bool, "true", "", "replace API keys, tokens, private keys, URL credentials and `password=` values in recorded content and error messages by `[Filtered]` (72 formats, see `tests/scrub/`)", "false"),
    row("scrub_patterns", Json, "none", "", "your own secret patterns, a JSON array of regular expressions (Rust `regex` syntax, `regex-lite` in browsers and on the edge: ASCII `\\w \\d \\s \\b`, no `\\p{…}`; Node `RegExp`s and Python `re` patterns are taken by their source); each match becomes `[Filtered]`", "[\"EMP-[0-9]{6}\"]"),
    row("prices", Json, "none", "", "extra or replacement prices, JSON `{\"model\": [input, output, cache_read, cache_write, reasoning]}` in USD per million tokens", "{\"my-model\": [1, 2]}"),
    row("queue_capacity", Integer, "2048", "", "finished spans waiting for export; beyond it spans are dropped and counted", "100"),
    row("max_export_batch_size", Integer, "512", "", "spans per export; a full batch wakes the flush thread", "64"),
    row("flush_interval", Duration, "1 s", "", "how often the flush thread exports", "0.25"),
    row("shutdown_timeout", Duration, "2 s", "", "what `close` (and dropping the last handle) may wait", "1"),
    row("export_timeout", Duration, "10 s", "", "budget of one export, retries included", "5"),
    row("max_concurrent_requests", Integer, "32", "", "Sentry requests in flight at once (sender threads start as needed and end when idle)", "8"),
    row("sentry_ai_spans_in_transaction", Bool, "false", "", "keep `gen_ai.*` spans inside the transaction (self-hosted Sentry without span ingestion)", "true"),
    row("sentry_compression", Text, "`gzip`", "", "or `none`", "none"),
    row("debug", Bool, "false", "", "diagnostic lines on stderr", "false"),
    row("before_send_span", Callback, "none", "", "callback, see above", ""),
    row("traces_sampler", Callback, "none", "", "callback deciding per root span, see above", ""),
    OptionSpec { public: false, ..row("sdk_name", Text, "the binding's", "", "SDK name in envelopes and resources", "llmtel.test") },
    OptionSpec { public: false, ..row("sdk_language", Text, "the binding's", "", "`telemetry.sdk.language`", "test") },
];

/// Options of Sentry's SDKs that llmtel has no use for (errors, profiling, replay, breadcrumbs,
/// transports): a configuration copied from Sentry passes them, and the host names them in one
/// notice at init instead of failing.
#[rustfmt::skip]
pub static SENTRY_ONLY: &[&str] = &[
    "sample_rate", "profiles_sample_rate", "profiles_sampler", "profile_session_sample_rate",
    "profile_lifecycle", "profiler_mode", "replays_session_sample_rate",
    "replays_on_error_sample_rate", "ignore_errors", "ignore_transactions", "ignore_spans",
    "deny_urls", "allow_urls", "attach_stacktrace", "max_breadcrumbs", "before_breadcrumb",
    "before_send", "before_send_transaction", "before_send_log", "enable_logs", "server_name",
    "dist", "include_local_variables", "enable_tracing", "auto_session_tracking",
    "trace_propagation_targets", "transport", "transport_options", "max_value_length",
    "in_app_include", "in_app_exclude", "event_scrubber", "send_client_reports", "keep_alive",
    "http_proxy", "https_proxy", "ca_certs", "error_sampler", "auto_enabling_integrations",
    "disabled_integrations", "normalize_depth", "normalize_max_breadth", "initial_scope",
    "propagate_traceparent", "max_request_body_size", "include_source_context",
    "enable_db_query_source", "db_query_source_threshold_ms", "trace_ignore_status_codes",
    "failed_request_status_codes", "enable_backpressure_handling", "socket_options",
    "add_full_stack", "project_root", "strict_trace_continuation", "org_id",
    "skip_open_telemetry_setup", "open_telemetry_instrumentations", "register_esm_loader_hooks",
    "tunnel",
];

/// What a name that is not an option is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownOption {
    /// One of Sentry's options llmtel does not use ([`SENTRY_ONLY`]).
    SentryOnly,
    /// Nothing llmtel knows; `did_you_mean` is the nearest option, in the host's spelling.
    Unknown { did_you_mean: Option<String> },
}

/// Classifies a name that is not an option. `spell` turns the table's snake_case names into
/// the host's spelling (`camel_case` for Node, the name itself elsewhere).
pub fn unknown_option(name: &str, spell: impl Fn(&str) -> String) -> UnknownOption {
    let folded = |text: &str| text.replace('_', "").to_ascii_lowercase();
    if SENTRY_ONLY.iter().any(|s| folded(s) == folded(name)) {
        return UnknownOption::SentryOnly;
    }
    let did_you_mean =
        nearest(name, OPTIONS.iter().filter(|o| o.public).map(|o| o.name)).map(spell);
    UnknownOption::Unknown { did_you_mean }
}

/// The candidate `name` most likely misspells (case, `_` and `-` aside, within a few edits), if
/// any: for "did you mean" in errors about options and integration names.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let folded = |text: &str| text.replace(['_', '-'], "").to_ascii_lowercase();
    let wanted = folded(name);
    candidates
        .map(|c| (strsim::levenshtein(&folded(c), &wanted), c))
        .filter(|(distance, _)| *distance <= 2.max(wanted.len() / 5))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The row for `name`, if it is an option.
pub fn option_spec(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// The README's option table, as it must read.
pub fn readme_table() -> String {
    let mut out = String::from("| option | default | environment | meaning |\n|---|---|---|---|\n");
    for o in OPTIONS.iter().filter(|o| o.public) {
        let name = format!("`{}`", o.name);
        for cell in [name.as_str(), o.default, o.env, o.meaning] {
            out.push_str("| ");
            out.push_str(cell);
            out.push_str(if cell.is_empty() { "" } else { " " });
        }
        out.push_str("|\n");
    }
    out
}

/// `otlp_traces_endpoint` -> `otlpTracesEndpoint`, the Node spelling.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
