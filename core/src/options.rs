//! Options: what users set (the Sentry- and OTel-shaped names they know), the environment
//! fallbacks they already use, and validation into the resolved `Config` the client runs on.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::dsn::Dsn;
use crate::export::SpanExporter;
use crate::genai::{ContentFormat, PriceTable};
use crate::scrub::Scrubber;
use crate::span::SpanData;

pub use crate::option_table::{
    OPTIONS, OptionKind, OptionSpec, SENTRY_ONLY, UnknownOption, camel_case, nearest, option_spec,
    readme_table, unknown_option,
};

/// What `before_send_span` decides for a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanFate {
    Keep,
    Drop,
}

/// Runs on the caller's thread when a span ends, after the privacy filter: may edit the span's
/// attributes, or drop it (counted as `before_send`).
pub type BeforeSendSpan = Arc<dyn Fn(&mut SpanData) -> SpanFate + Send + Sync>;

/// What `traces_sampler` is told about a span that takes a sampling decision: a local root, or
/// the first span of this process in a continued trace.
pub struct SamplingContext<'a> {
    pub name: &'a str,
    pub op: Option<&'a str>,
    pub attributes: &'a crate::span::Attributes,
    /// The caller's decision in a continued trace; `None` for a new trace or a deferred one.
    pub parent_sampled: Option<bool>,
}

/// Decides per root span, as Sentry's `tracesSampler`: a rate from 0 to 1 (`None` keeps the
/// default: the parent's decision, else `traces_sample_rate`). Runs on the thread that starts
/// the span.
pub type TracesSampler = Arc<dyn Fn(&SamplingContext<'_>) -> Option<f64> + Send + Sync>;

/// OTLP body encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OtlpProtocol {
    #[default]
    Protobuf,
    Json,
}

/// Where the local JSONL spool goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spool {
    /// No spool, even when nothing else is configured.
    Off,
    Path(PathBuf),
}

/// The spool used when no exporter is configured at all.
pub const DEFAULT_SPOOL_PATH: &str = ".llmtel/spans.jsonl";
/// The Spotlight sidecar's envelope route.
pub const DEFAULT_SPOTLIGHT_URL: &str = "http://localhost:8969/stream";
const DEFAULT_OTLP_ENDPOINT: &str = "http://localhost:4318";

/// Every option of the core. Fields left `None` fall back to the environment, then to defaults.
#[derive(Clone)]
pub struct Options {
    /// Sentry DSN; an empty string disables Sentry. Env `SENTRY_DSN`.
    pub dsn: Option<String>,
    /// OTLP/HTTP base endpoint; `/v1/traces` is appended. Env `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub otlp_endpoint: Option<String>,
    /// OTLP/HTTP traces endpoint used as is. Env `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    pub otlp_traces_endpoint: Option<String>,
    /// Extra OTLP request headers. Env `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`).
    pub otlp_headers: Option<Vec<(String, String)>>,
    /// OTLP resource attributes. Env `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`).
    pub resource_attributes: Option<Vec<(String, String)>>,
    /// Env `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, default, or `http/json`).
    pub otlp_protocol: Option<OtlpProtocol>,
    /// Gzip OTLP bodies. Env `OTEL_EXPORTER_OTLP_COMPRESSION` (`gzip` or `none`, default none).
    pub otlp_gzip: Option<bool>,
    /// The JSONL spool. Env `LLMTEL_SPOOL` (a path, or `false`/empty for none).
    pub spool: Option<Spool>,
    /// The spool file is rotated once it would pass this size (default 64 MiB).
    pub spool_max_bytes: u64,
    /// Rotated spool files kept beside the live one (default 2).
    pub spool_max_files: u32,
    /// Spotlight sidecar URL, or `None` for off. Env `SENTRY_SPOTLIGHT` (`true`, `false` or a URL).
    pub spotlight: Option<Option<String>>,
    /// Env `SENTRY_ENVIRONMENT`; default `production`.
    pub environment: Option<String>,
    /// Env `SENTRY_RELEASE`.
    pub release: Option<String>,
    /// OpenTelemetry `service.name`. Env `OTEL_SERVICE_NAME`; default `unknown_service`.
    pub service_name: Option<String>,
    /// Head-sampling rate for local roots, 0.0 to 1.0; children inherit the decision. Env
    /// `OTEL_TRACES_SAMPLER` (with `OTEL_TRACES_SAMPLER_ARG`) when unset; default 1.0.
    pub traces_sample_rate: Option<f64>,
    /// Lets integrations record prompts and responses by default (default false).
    pub send_default_pii: bool,
    /// How recorded content is written: `json` (default) or `indexed`.
    pub content_format: ContentFormat,
    /// Cap per content attribute in bytes (default 64 KiB; 0 = no cap).
    pub max_content_bytes: usize,
    /// Replace secrets in recorded content by `[Filtered]` (default true).
    pub scrub_secrets: bool,
    /// The user's own secret patterns (regular expressions).
    pub scrub_patterns: Vec<String>,
    /// Extra or replacement prices, JSON: `{"model": [input, output, cache_read, cache_write,
    /// reasoning]}` in USD per million tokens.
    pub prices: Option<String>,
    /// Finished spans waiting for export; past it spans are dropped (`queue_overflow`). Default 2048.
    pub queue_capacity: usize,
    /// Spans per export request; reaching it wakes the flush thread early. Default 512.
    pub max_export_batch_size: usize,
    /// How often the flush thread exports what is ready. Default 1 s.
    pub flush_interval: Duration,
    /// How long `close` (and dropping the last client handle) may wait. Default 2 s.
    pub shutdown_timeout: Duration,
    /// Time budget for one export, retries included. Default 10 s.
    pub export_timeout: Duration,
    /// Requests to Sentry in flight at once, so round trips overlap. Default 4.
    pub max_concurrent_requests: usize,
    /// Keep `gen_ai.*` spans inside the Sentry transaction instead of a span v2 item (for
    /// self-hosted Sentry versions without span ingestion). Default false.
    pub sentry_ai_spans_in_transaction: bool,
    /// Gzip Sentry envelopes. Default true.
    pub sentry_gzip: bool,
    /// Diagnostic lines on stderr. Default false.
    pub debug: bool,
    /// See [`BeforeSendSpan`].
    pub before_send_span: Option<BeforeSendSpan>,
    /// See [`TracesSampler`].
    pub traces_sampler: Option<TracesSampler>,
    /// Further exporters of the embedder's own (tests, benchmarks, custom sinks).
    pub exporters: Vec<Arc<dyn Fn() -> Box<dyn SpanExporter> + Send + Sync>>,
    /// The SDK name written into Sentry envelopes and OTLP resources; bindings set their own.
    pub sdk_name: String,
    /// `telemetry.sdk.language` for OTLP; bindings set theirs (`nodejs`, `python`, `cpp`).
    pub sdk_language: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dsn: None,
            otlp_endpoint: None,
            otlp_traces_endpoint: None,
            otlp_headers: None,
            resource_attributes: None,
            otlp_protocol: None,
            otlp_gzip: None,
            spool: None,
            spool_max_bytes: 64 * 1024 * 1024,
            spool_max_files: 2,
            spotlight: None,
            environment: None,
            release: None,
            service_name: None,
            traces_sample_rate: None,
            send_default_pii: false,
            content_format: ContentFormat::Json,
            max_content_bytes: 64 * 1024,
            scrub_secrets: true,
            scrub_patterns: Vec::new(),
            prices: None,
            queue_capacity: 2048,
            max_export_batch_size: 512,
            flush_interval: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(2),
            export_timeout: Duration::from_secs(10),
            max_concurrent_requests: 32,
            sentry_ai_spans_in_transaction: false,
            sentry_gzip: true,
            debug: false,
            before_send_span: None,
            traces_sampler: None,
            exporters: Vec::new(),
            sdk_name: "llmtel.rust".into(),
            sdk_language: "rust".into(),
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("dsn", &self.dsn.as_ref().map(|_| "<set>"))
            .field("otlp_endpoint", &self.otlp_endpoint)
            .field("spool", &self.spool)
            .field("spotlight", &self.spotlight)
            .field("traces_sample_rate", &self.traces_sample_rate)
            .field("queue_capacity", &self.queue_capacity)
            .finish_non_exhaustive()
    }
}

/// An option (or environment variable) that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The option's name as `Options::set` spells it, or the environment variable's name.
    pub option: String,
    pub reason: String,
}

impl ConfigError {
    /// The reason is scrubbed of secrets: it often quotes the value (a DSN's secret key, a
    /// header's token), and error messages end up in logs.
    pub fn new(option: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            option: option.into(),
            reason: Scrubber::builtin().scrub_owned(reason.into()),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid option `{}`: {}", self.option, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Why `name` is refused: a Sentry option llmtel does not use, or a misspelling with the
/// nearest option (spelled by `spell`), or the list of options.
pub fn unknown_reason(name: &str, spell: impl Fn(&str) -> String) -> String {
    match crate::option_table::unknown_option(name, &spell) {
        UnknownOption::SentryOnly => {
            "a Sentry option llmtel does not use (the Node and Python packages accept it with a notice)".into()
        }
        UnknownOption::Unknown {
            did_you_mean: Some(near),
        } => format!("unknown option; did you mean `{near}`?"),
        UnknownOption::Unknown { did_you_mean: None } => {
            let known: Vec<String> = OPTIONS
                .iter()
                .filter(|o| o.public && o.kind != OptionKind::Callback)
                .map(|o| spell(o.name))
                .collect();
            format!("unknown option; known options are {}", known.join(", "))
        }
    }
}

impl Options {
    /// Sets one option from its text form, as bindings and config files give it. Durations are
    /// seconds (`2`, `0.5`) or carry a unit (`500ms`, `2s`); booleans are `true/false/1/0/yes/no`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let err = |reason: String| ConfigError::new(name, reason);
        match option_spec(name) {
            None => return Err(err(unknown_reason(name, str::to_owned))),
            Some(o) if o.kind == OptionKind::Callback => {
                return Err(err(
                    "a callback: the binding takes it as a function, never as text".into(),
                ));
            }
            Some(_) => {}
        }
        match name {
            "dsn" => self.dsn = Some(value.to_owned()),
            "otlp_endpoint" => self.otlp_endpoint = Some(value.to_owned()),
            "otlp_traces_endpoint" => self.otlp_traces_endpoint = Some(value.to_owned()),
            "otlp_headers" => self.otlp_headers = Some(parse_headers(value).map_err(err)?),
            "resource_attributes" => {
                self.resource_attributes = Some(parse_pairs(value, "attribute").map_err(err)?)
            }
            "otlp_protocol" => self.otlp_protocol = Some(parse_protocol(value).map_err(err)?),
            "otlp_compression" => self.otlp_gzip = Some(parse_compression(value).map_err(err)?),
            "spool" => self.spool = Some(parse_spool(value)),
            "spool_max_bytes" => self.spool_max_bytes = parse_positive(value).map_err(err)?,
            "spool_max_files" => {
                self.spool_max_files = value
                    .trim()
                    .parse()
                    .map_err(|_| err(format!("expected a whole number, got {value:?}")))?
            }
            "spotlight" => self.spotlight = Some(parse_spotlight(value).map_err(err)?),
            "environment" => self.environment = Some(value.to_owned()),
            "release" => self.release = Some(value.to_owned()),
            "service_name" => self.service_name = Some(value.to_owned()),
            "traces_sample_rate" => {
                self.traces_sample_rate = Some(parse_sample_rate(value).map_err(err)?)
            }
            "send_default_pii" => self.send_default_pii = parse_bool(value).map_err(err)?,
            "content_format" => {
                self.content_format = ContentFormat::parse(value.trim())
                    .ok_or_else(|| err(format!("expected json or indexed, got {value:?}")))?
            }
            "max_content_bytes" => {
                self.max_content_bytes = value
                    .trim()
                    .parse()
                    .map_err(|_| err(format!("expected a whole number of bytes, got {value:?}")))?
            }
            "scrub_secrets" => self.scrub_secrets = parse_bool(value).map_err(err)?,
            "scrub_patterns" => {
                self.scrub_patterns = serde_json::from_str(value)
                    .map_err(|_| err("a JSON array of regular expressions (strings)".into()))?
            }
            "prices" => self.prices = Some(value.to_owned()),
            "queue_capacity" => self.queue_capacity = parse_positive(value).map_err(err)? as usize,
            "max_export_batch_size" => {
                self.max_export_batch_size = parse_positive(value).map_err(err)? as usize
            }
            "flush_interval" => self.flush_interval = parse_duration(value).map_err(err)?,
            "shutdown_timeout" => self.shutdown_timeout = parse_duration(value).map_err(err)?,
            "export_timeout" => self.export_timeout = parse_duration(value).map_err(err)?,
            "max_concurrent_requests" => {
                self.max_concurrent_requests = parse_positive(value).map_err(err)? as usize
            }
            "sentry_ai_spans_in_transaction" => {
                self.sentry_ai_spans_in_transaction = parse_bool(value).map_err(err)?
            }
            "sentry_compression" => self.sentry_gzip = parse_compression(value).map_err(err)?,
            "debug" => self.debug = parse_bool(value).map_err(err)?,
            "sdk_name" => self.sdk_name = value.to_owned(),
            "sdk_language" => self.sdk_language = value.to_owned(),
            // A row of the table with no arm here: the table test catches it.
            _ => return Err(err("not settable by name in this build".into())),
        }
        Ok(())
    }

    /// Validates the options against the process environment.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        self.resolve_with_env(|name| std::env::var(name).ok())
    }

    /// Validates the options, reading environment fallbacks through `env` (tests pass a map).
    pub fn resolve_with_env(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        // An explicit option wins; the environment only fills what the user left unset. Errors
        // name whichever of the two the bad value came from.
        let pick = |option: &Option<String>, name: &'static str, var: &'static str| {
            option
                .clone()
                .map(|v| (v, name))
                .or_else(|| env(var).map(|v| (v, var)))
        };

        let dsn = match pick(&self.dsn, "dsn", "SENTRY_DSN") {
            Some((text, _)) if text.trim().is_empty() => None,
            Some((text, source)) => {
                Some(Dsn::parse(text.trim()).map_err(|r| ConfigError::new(source, r))?)
            }
            None => None,
        };

        // OpenTelemetry's switch for the whole SDK: only a case-insensitive "true" turns it on,
        // and then nothing is recorded or sent, whatever else is configured.
        let disabled =
            env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let otlp = self.resolve_otlp(&env)?.filter(|_| !disabled);
        let dsn = dsn.filter(|_| !disabled);

        let spotlight = match &self.spotlight {
            Some(choice) => choice.clone(),
            None => match env("SENTRY_SPOTLIGHT") {
                Some(text) => {
                    parse_spotlight(&text).map_err(|r| ConfigError::new("SENTRY_SPOTLIGHT", r))?
                }
                None => None,
            },
        };
        if let Some(url) = &spotlight {
            check_http_url(url).map_err(|r| ConfigError::new("spotlight", r))?;
        }

        let spotlight = spotlight.filter(|_| !disabled);
        let spool_choice = if disabled {
            Some(Spool::Off)
        } else {
            self.spool
                .clone()
                .or_else(|| env("LLMTEL_SPOOL").map(|v| parse_spool(&v)))
        };
        let custom = !self.exporters.is_empty();
        let (spool_path, spool_is_default) = match spool_choice {
            Some(Spool::Off) => (None, false),
            Some(Spool::Path(p)) => (Some(p), false),
            None if dsn.is_none() && otlp.is_none() && !custom => {
                (Some(PathBuf::from(DEFAULT_SPOOL_PATH)), true)
            }
            None => (None, false),
        };

        let traces_sample_rate = match self.traces_sample_rate {
            Some(rate) if !(0.0..=1.0).contains(&rate) => {
                return Err(ConfigError::new(
                    "traces_sample_rate",
                    format!("must be between 0.0 and 1.0, got {rate}"),
                ));
            }
            Some(rate) => rate,
            None => otel_sampler_rate(&env)?,
        };
        for (name, value) in [
            ("queue_capacity", self.queue_capacity),
            ("max_concurrent_requests", self.max_concurrent_requests),
            ("max_export_batch_size", self.max_export_batch_size),
            ("spool_max_bytes", self.spool_max_bytes as usize),
        ] {
            if value == 0 {
                return Err(ConfigError::new(name, "must be greater than 0"));
            }
        }
        if self.flush_interval.is_zero() {
            return Err(ConfigError::new("flush_interval", "must be greater than 0"));
        }

        let prices = match &self.prices {
            Some(json) => Arc::new(
                PriceTable::embedded()
                    .clone()
                    .with_overrides(json)
                    .map_err(|r| ConfigError::new("prices", r))?,
            ),
            None => embedded_prices(),
        };

        let scrubber = Scrubber::new(self.scrub_secrets, &self.scrub_patterns)
            .map_err(|e| ConfigError::new("scrub_patterns", e))?;

        let environment = pick(&self.environment, "environment", "SENTRY_ENVIRONMENT")
            .map(|(v, _)| v)
            .unwrap_or_else(|| "production".into());
        let release = pick(&self.release, "release", "SENTRY_RELEASE").map(|(v, _)| v);
        let service_name = pick(&self.service_name, "service_name", "OTEL_SERVICE_NAME")
            .map(|(v, _)| v)
            .unwrap_or_else(|| "unknown_service".into());
        let resource_attributes = match &self.resource_attributes {
            Some(pairs) => pairs.clone(),
            None => match env("OTEL_RESOURCE_ATTRIBUTES") {
                Some(text) => parse_pairs(&text, "attribute")
                    .map_err(|r| ConfigError::new("OTEL_RESOURCE_ATTRIBUTES", r))?,
                None => Vec::new(),
            },
        };

        Ok(Config {
            dsn,
            otlp,
            spool: spool_path.map(|path| SpoolConfig {
                path,
                max_bytes: self.spool_max_bytes,
                max_files: self.spool_max_files,
                is_default: spool_is_default,
            }),
            spotlight,
            environment,
            release,
            service_name,
            resource_attributes,
            traces_sample_rate: if disabled { 0.0 } else { traces_sample_rate },
            disabled,
            send_default_pii: self.send_default_pii,
            content_format: self.content_format,
            max_content_bytes: self.max_content_bytes,
            scrubber,
            prices,
            queue_capacity: self.queue_capacity,
            max_export_batch_size: self.max_export_batch_size.min(self.queue_capacity),
            flush_interval: self.flush_interval,
            shutdown_timeout: self.shutdown_timeout,
            export_timeout: self.export_timeout,
            max_concurrent_requests: self.max_concurrent_requests,
            sentry_ai_spans_in_transaction: self.sentry_ai_spans_in_transaction,
            sentry_gzip: self.sentry_gzip,
            debug: self.debug,
            sdk_name: self.sdk_name.clone(),
            sdk_language: self.sdk_language.clone(),
        })
    }

    fn resolve_otlp(
        &self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<OtlpConfig>, ConfigError> {
        // An empty variable is an unset one (the OpenTelemetry spec); an empty option is not.
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        // Signal-specific settings beat generic ones, options beat both.
        let url = if let Some(u) = &self.otlp_traces_endpoint {
            Some((u.clone(), "otlp_traces_endpoint"))
        } else if let Some(u) = &self.otlp_endpoint {
            Some((traces_url(u), "otlp_endpoint"))
        } else if let Some(u) = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some((u, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        } else {
            env("OTEL_EXPORTER_OTLP_ENDPOINT")
                .map(|u| (traces_url(&u), "OTEL_EXPORTER_OTLP_ENDPOINT"))
        };
        let Some((url, source)) = url else {
            return Ok(None);
        };
        let url = if url.trim().is_empty() {
            traces_url(DEFAULT_OTLP_ENDPOINT)
        } else {
            url.trim().to_owned()
        };
        check_http_url(&url).map_err(|r| ConfigError::new(source, r))?;

        let headers = match &self.otlp_headers {
            Some(h) => h.clone(),
            None => env_first(
                &env,
                [
                    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                    "OTEL_EXPORTER_OTLP_HEADERS",
                ],
                parse_headers,
            )?
            .unwrap_or_default(),
        };
        let protocol = match self.otlp_protocol {
            Some(p) => p,
            None => env_first(
                &env,
                [
                    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                    "OTEL_EXPORTER_OTLP_PROTOCOL",
                ],
                parse_protocol,
            )?
            .unwrap_or_default(),
        };
        let gzip = match self.otlp_gzip {
            Some(g) => g,
            None => env_first(
                &env,
                [
                    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
                    "OTEL_EXPORTER_OTLP_COMPRESSION",
                ],
                parse_compression,
            )?
            .unwrap_or(false),
        };
        Ok(Some(OtlpConfig {
            url,
            headers,
            protocol,
            gzip,
        }))
    }
}

/// Validated configuration the client and exporters run on.
#[derive(Clone, Debug)]
pub struct Config {
    pub dsn: Option<Dsn>,
    pub otlp: Option<OtlpConfig>,
    pub spool: Option<SpoolConfig>,
    pub spotlight: Option<String>,
    pub environment: String,
    pub release: Option<String>,
    pub service_name: String,
    /// OTLP resource attributes beside the ones llmtel writes (`resource_attributes`).
    pub resource_attributes: Vec<(String, String)>,
    pub traces_sample_rate: f64,
    /// `OTEL_SDK_DISABLED=true`: nothing is recorded (no exporter, every span unsampled, no
    /// `traces_sampler`).
    pub disabled: bool,
    pub send_default_pii: bool,
    pub content_format: ContentFormat,
    pub max_content_bytes: usize,
    pub scrubber: Scrubber,
    pub prices: Arc<PriceTable>,
    pub queue_capacity: usize,
    pub max_export_batch_size: usize,
    pub flush_interval: Duration,
    pub shutdown_timeout: Duration,
    pub export_timeout: Duration,
    pub max_concurrent_requests: usize,
    pub sentry_ai_spans_in_transaction: bool,
    pub sentry_gzip: bool,
    pub debug: bool,
    pub sdk_name: String,
    pub sdk_language: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OtlpConfig {
    /// The full traces URL requests are posted to.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub protocol: OtlpProtocol,
    pub gzip: bool,
}

impl Config {
    /// One line naming where spans go and how they are sampled, for the first-run line hosts
    /// print under `debug`: `exporters: sentry (host, project 42), spool (.llmtel/spans.jsonl);
    /// traces_sample_rate 1`. No secret: the DSN shows its host and project only.
    pub fn describe(&self) -> String {
        if self.disabled {
            return "disabled by OTEL_SDK_DISABLED: nothing is recorded or sent".to_owned();
        }
        let mut exporters = Vec::new();
        if let Some(dsn) = &self.dsn {
            exporters.push(format!("sentry ({}, project {})", dsn.host, dsn.project_id));
        }
        if let Some(otlp) = &self.otlp {
            let protocol = match otlp.protocol {
                OtlpProtocol::Protobuf => "http/protobuf",
                OtlpProtocol::Json => "http/json",
            };
            let url = otlp.url.split(['?', '#']).next().unwrap_or_default();
            exporters.push(format!("otlp ({url}, {protocol})"));
        }
        if let Some(spool) = &self.spool {
            exporters.push(format!("spool ({})", spool.path.display()));
        }
        if let Some(url) = &self.spotlight {
            exporters.push(format!("spotlight ({url})"));
        }
        let exporters = if exporters.is_empty() {
            "none (spans are recorded and dropped)".to_owned()
        } else {
            exporters.join(", ")
        };
        format!(
            "exporters: {exporters}; traces_sample_rate {}; send_default_pii {}",
            self.traces_sample_rate, self.send_default_pii
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SpoolConfig {
    pub path: PathBuf,
    pub max_bytes: u64,
    pub max_files: u32,
    /// True when no exporter was configured and the spool is the fallback.
    pub is_default: bool,
}

/// The first of `vars` that is set, parsed; errors name the variable.
fn env_first<T>(
    env: &impl Fn(&str) -> Option<String>,
    vars: [&'static str; 2],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    for var in vars {
        if let Some(text) = env(var) {
            return parse(&text).map(Some).map_err(|r| ConfigError::new(var, r));
        }
    }
    Ok(None)
}

/// The embedded table, shared by every client that adds no prices of its own.
fn embedded_prices() -> Arc<PriceTable> {
    static SHARED: std::sync::OnceLock<Arc<PriceTable>> = std::sync::OnceLock::new();
    SHARED
        .get_or_init(|| Arc::new(PriceTable::embedded().clone()))
        .clone()
}

fn traces_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim().trim_end_matches('/'))
}

fn check_http_url(text: &str) -> Result<(), String> {
    crate::http_url::parse(text)
        .map(|_| ())
        .map_err(|e| format!("{text:?}: {e}"))
}

/// `k=v,k2=v2` with percent-encoded values, as `OTEL_EXPORTER_OTLP_HEADERS` is written.
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    parse_pairs(text, "header")
}

/// `k=v,k2=v2` with percent-decoded values (OTLP headers, resource attributes); `what` names
/// the entries in errors.
fn parse_pairs(text: &str, what: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (key, value) = entry
            .split_once('=')
            .ok_or_else(|| format!("{what} entry {entry:?} has no '='"))?;
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(format!("{what} name {key:?} is not a valid name"));
        }
        let value = percent_encoding::percent_decode_str(value.trim())
            .decode_utf8()
            .map_err(|_| format!("{what} {key:?} is not UTF-8 once percent-decoded"))?
            .into_owned();
        out.push((key.to_owned(), value));
    }
    Ok(out)
}

fn parse_protocol(text: &str) -> Result<OtlpProtocol, String> {
    match text.trim() {
        "http/protobuf" | "protobuf" => Ok(OtlpProtocol::Protobuf),
        "http/json" | "json" => Ok(OtlpProtocol::Json),
        "grpc" => Err("grpc is not supported; use http/protobuf or http/json".into()),
        other => Err(format!(
            "expected http/protobuf or http/json, got {other:?}"
        )),
    }
}

fn parse_compression(text: &str) -> Result<bool, String> {
    match text.trim() {
        "gzip" | "true" => Ok(true),
        "none" | "false" | "" => Ok(false),
        other => Err(format!("expected gzip or none, got {other:?}")),
    }
}

fn parse_spool(text: &str) -> Spool {
    match text.trim() {
        "" | "false" | "0" | "off" | "none" => Spool::Off,
        path => Spool::Path(PathBuf::from(path)),
    }
}

fn parse_spotlight(text: &str) -> Result<Option<String>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "off" | "f" | "n" => Ok(None),
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Some(DEFAULT_SPOTLIGHT_URL.into())),
        _ => {
            check_http_url(text.trim())?;
            Ok(Some(text.trim().to_owned()))
        }
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(format!("expected true or false, got {other:?}")),
    }
}

/// The sample rate OpenTelemetry's `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`) ask
/// for, 1.0 without them. llmtel's sampling is always parent-based (a child, local or remote,
/// keeps its parent's decision), so `always_on`, `always_off` and `traceidratio` act as their
/// `parentbased_` forms; samplers that need a remote service are refused by name.
fn otel_sampler_rate(env: impl Fn(&str) -> Option<String>) -> Result<f64, ConfigError> {
    const SAMPLER: &str = "OTEL_TRACES_SAMPLER";
    const ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
    let Some(name) = env(SAMPLER) else {
        return Ok(1.0);
    };
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Ok(1.0);
    }
    match name.strip_prefix("parentbased_").unwrap_or(&name) {
        "always_on" => Ok(1.0),
        "always_off" => Ok(0.0),
        // The ratio defaults to 1.0 when the argument is absent, as the specification says.
        "traceidratio" => match env(ARG) {
            Some(arg) => parse_sample_rate(&arg).map_err(|r| ConfigError::new(ARG, r)),
            None => Ok(1.0),
        },
        _ => Err(ConfigError::new(
            SAMPLER,
            format!(
                "{name:?} is not a sampler llmtel has: use always_on, always_off, traceidratio \
                 (with {ARG}) or their parentbased_ forms, or traces_sample_rate"
            ),
        )),
    }
}

/// A decimal number as options and headers write it (`0.5`, `.5`, `5.`, `+2`, `007`, `1e-3`;
/// not `inf` or `NaN`), read by serde_json's number parser, which the core links anyway: the
/// wasm build then carries no second float parser (`str::parse::<f64>` brings a 10 KB table;
/// 14 KB of the gzipped core in all). The same value as `str::parse` to within one unit in the last
/// place (tests::parse_number_reads_what_str_parse_reads).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let (sign, unsigned) = match text.as_bytes().first()? {
        b'-' => ("-", &text[1..]),
        b'+' => ("", &text[1..]),
        _ => ("", text),
    };
    let (mantissa, exponent) =
        unsigned.split_at(unsigned.find(['e', 'E']).unwrap_or(unsigned.len()));
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || mantissa.bytes().any(|b| !b.is_ascii_digit() && b != b'.') {
        return None;
    }
    let mantissa = mantissa.trim_start_matches('0');
    // JSON wants a digit on both sides of the point and no leading zeros.
    let lead = if mantissa.is_empty() || mantissa.starts_with('.') {
        "0"
    } else {
        ""
    };
    let trail = if mantissa.ends_with('.') { "0" } else { "" };
    serde_json::from_str(&format!("{sign}{lead}{mantissa}{trail}{exponent}")).ok()
}

fn parse_sample_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = parse_number(text.trim())
        .ok_or_else(|| format!("expected a number between 0.0 and 1.0, got {text:?}"))?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(format!("must be between 0.0 and 1.0, got {rate}"));
    }
    Ok(rate)
}

fn parse_positive(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a whole number above 0, got {text:?}")),
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 1e-3)
    } else if let Some(s) = t.strip_suffix('s') {
        (s, 1.0)
    } else {
        (t, 1.0)
    };
    let secs: f64 = parse_number(number.trim())
        .ok_or_else(|| format!("expected seconds (`2`, `0.5`) or `500ms`, got {text:?}"))?;
    let secs = secs * scale;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("must be a non-negative duration, got {text:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn parse_number_reads_what_str_parse_reads() {
        use proptest::prelude::*;
        let agree = |text: &str| {
            let ours = parse_number(text);
            match text.parse::<f64>() {
                // Infinities and NaN (which serde_json refuses) every caller refuses anyway.
                Ok(std) if !std.is_finite() => assert_eq!(ours, None, "{text}"),
                Ok(std) => {
                    let ours =
                        ours.unwrap_or_else(|| panic!("{text}: std reads {std}, we nothing"));
                    let ulps = (ours.to_bits() as i64).wrapping_sub(std.to_bits() as i64);
                    assert!(
                        ours == std || ulps.unsigned_abs() <= 1,
                        "{text}: {ours} against {std}"
                    );
                }
                Err(_) => assert_eq!(ours, None, "{text}"),
            }
        };
        for text in [
            "0",
            "0.5",
            ".5",
            "5.",
            "+2",
            "-0.25",
            "007",
            "00.5",
            "1e-3",
            "2E+2",
            "1e999",
            "e5",
            ".",
            "-",
            "+",
            "",
            "+-1",
            "1.2.3",
            "1e",
            "0x10",
            "1_000",
            "inf",
            "NaN",
            "infinity",
            " 1",
            "1 ",
            "-.5",
            "0.0001",
            "123456789.123456789",
        ] {
            agree(text);
        }
        proptest!(|(text in "[+-]?[0-9]{0,5}(\\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3})?")| agree(&text));
        proptest!(|(text in "[-+.0-9eE]{0,8}")| agree(&text));
    }

    fn resolve(opts: &Options, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        opts.resolve_with_env(|k| env.get(k).cloned())
    }

    #[test]
    fn nothing_configured_means_the_default_spool() {
        let c = resolve(&Options::default(), &[]).unwrap();
        let spool = c.spool.unwrap();
        assert_eq!(spool.path, PathBuf::from(DEFAULT_SPOOL_PATH));
        assert!(spool.is_default);
        assert!(c.dsn.is_none() && c.otlp.is_none() && c.spotlight.is_none());
        assert_eq!(c.environment, "production");
        assert_eq!(c.service_name, "unknown_service");
    }

    #[test]
    fn spool_false_or_empty_means_no_spool_at_all() {
        for value in ["false", "", "0"] {
            let c = resolve(&Options::default(), &[("LLMTEL_SPOOL", value)]).unwrap();
            assert!(c.spool.is_none(), "LLMTEL_SPOOL={value:?}");
        }
        let mut o = Options::default();
        o.set("spool", "false").unwrap();
        assert!(resolve(&o, &[]).unwrap().spool.is_none());
    }

    #[test]
    fn a_dsn_replaces_the_default_spool_and_env_fills_only_unset_options() {
        let c = resolve(
            &Options::default(),
            &[
                ("SENTRY_DSN", "https://abc@o1.ingest.sentry.io/42"),
                ("SENTRY_ENVIRONMENT", "staging"),
                ("SENTRY_RELEASE", "app@1.2"),
                ("OTEL_SERVICE_NAME", "svc"),
            ],
        )
        .unwrap();
        assert!(c.spool.is_none());
        assert_eq!(c.dsn.unwrap().project_id, "42");
        assert_eq!(c.environment, "staging");
        assert_eq!(c.release.as_deref(), Some("app@1.2"));
        assert_eq!(c.service_name, "svc");

        let mut o = Options::default();
        o.set("environment", "dev").unwrap();
        let c = resolve(&o, &[("SENTRY_ENVIRONMENT", "staging")]).unwrap();
        assert_eq!(c.environment, "dev");
    }

    #[test]
    fn empty_otel_variables_are_unset_ones() {
        let c = resolve(
            &Options::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", " "),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", ""),
            ],
        )
        .unwrap();
        assert!(c.otlp.is_none());
        let c = resolve(
            &Options::default(),
            &[
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_EXPORTER_OTLP_HEADERS", ""),
            ],
        )
        .unwrap();
        assert_eq!(c.otlp.unwrap().url, "http://c:4318/v1/traces");
    }

    #[test]
    fn config_errors_never_repeat_a_secret() {
        let e = resolve(
            &Options::default(),
            &[(
                "SENTRY_DSN",
                "ftp://public:s3cr3tkey@o1.ingest.sentry.io/42",
            )],
        )
        .unwrap_err();
        assert!(!e.to_string().contains("s3cr3tkey"), "{e}");
        let e = resolve(
            &Options::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                (
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    "Authorization: Bearer tok_9f8e7d6c5b4a",
                ),
            ],
        )
        .unwrap_err();
        assert!(!e.to_string().contains("tok_9f8e7d6c5b4a"), "{e}");
        let e = resolve(
            &Options::default(),
            &[(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "ftp://user:hunter2pw@collector:4318",
            )],
        )
        .unwrap_err();
        assert!(!e.to_string().contains("hunter2pw"), "{e}");
    }

    #[test]
    fn otlp_endpoint_rules_follow_the_otel_spec() {
        let c = resolve(
            &Options::default(),
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")],
        )
        .unwrap();
        assert_eq!(c.otlp.unwrap().url, "http://collector:4318/v1/traces");
        let c = resolve(
            &Options::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:9/custom"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%20ecret, x=1"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ],
        )
        .unwrap();
        let otlp = c.otlp.unwrap();
        assert_eq!(otlp.url, "http://b:9/custom");
        assert_eq!(
            otlp.headers,
            vec![
                ("api-key".into(), "s ecret".into()),
                ("x".into(), "1".into())
            ]
        );
        assert_eq!(otlp.protocol, OtlpProtocol::Json);
    }

    #[test]
    fn invalid_values_name_the_option_or_variable_and_the_reason() {
        let e = resolve(
            &Options::default(),
            &[("SENTRY_DSN", "https://o1.ingest.sentry.io/42")],
        )
        .unwrap_err();
        assert_eq!(e.option, "SENTRY_DSN");
        assert!(e.reason.contains("public key"), "{e}");

        let o = Options {
            dsn: Some("ftp://k@h/1".into()),
            ..Options::default()
        };
        let e = resolve(&o, &[]).unwrap_err();
        assert_eq!(e.option, "dsn");
        assert!(e.to_string().starts_with("invalid option `dsn`"));

        let e = Options::default()
            .set("traces_sample_rate", "1.5")
            .unwrap_err();
        assert_eq!(e.option, "traces_sample_rate");
        let e = Options::default().set("otlp_protocol", "grpc").unwrap_err();
        assert!(e.reason.contains("grpc is not supported"));
        let e = Options::default().set("queue_capacity", "0").unwrap_err();
        assert_eq!(e.option, "queue_capacity");
        let e = Options::default().set("no_such_option", "1").unwrap_err();
        assert!(e.reason.contains("unknown option"));
        let e = resolve(
            &Options::default(),
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
        )
        .unwrap_err();
        assert_eq!(e.option, "OTEL_EXPORTER_OTLP_ENDPOINT");
        let e = resolve(
            &Options::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
            ],
        )
        .unwrap_err();
        assert_eq!(e.option, "OTEL_EXPORTER_OTLP_HEADERS");
        let e = resolve(&Options::default(), &[("SENTRY_SPOTLIGHT", "ws://x")]).unwrap_err();
        assert_eq!(e.option, "SENTRY_SPOTLIGHT");
        let o = Options {
            traces_sample_rate: Some(f64::NAN),
            ..Options::default()
        };
        assert_eq!(resolve(&o, &[]).unwrap_err().option, "traces_sample_rate");
    }

    #[test]
    fn every_option_of_the_table_is_accepted_by_set_with_its_example() {
        for spec in OPTIONS.iter().filter(|o| o.kind != OptionKind::Callback) {
            let mut o = Options::default();
            o.set(spec.name, spec.example)
                .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        }
        let e = Options::default().set("before_send_span", "x").unwrap_err();
        assert!(e.reason.contains("a callback"), "{e}");
        let mut o = Options::default();
        o.set("flush_interval", "250ms").unwrap();
        assert_eq!(o.flush_interval, Duration::from_millis(250));
        o.set("spotlight", "true").unwrap();
        assert_eq!(o.spotlight, Some(Some(DEFAULT_SPOTLIGHT_URL.into())));
    }

    #[test]
    fn resource_attributes_come_from_the_option_else_the_environment() {
        let c = resolve(
            &Options::default(),
            &[("OTEL_RESOURCE_ATTRIBUTES", "team=search,k8s.pod.name=a%2Cb")],
        )
        .unwrap();
        assert_eq!(
            c.resource_attributes,
            [
                ("team".to_owned(), "search".to_owned()),
                ("k8s.pod.name".to_owned(), "a,b".to_owned())
            ]
        );
        let mut o = Options::default();
        o.set("resource_attributes", "team=ads").unwrap();
        let c = resolve(&o, &[("OTEL_RESOURCE_ATTRIBUTES", "team=search")]).unwrap();
        assert_eq!(
            c.resource_attributes,
            [("team".to_owned(), "ads".to_owned())]
        );
        let e = resolve(
            &Options::default(),
            &[("OTEL_RESOURCE_ATTRIBUTES", "novalue")],
        )
        .unwrap_err();
        assert_eq!(e.option, "OTEL_RESOURCE_ATTRIBUTES");
    }

    #[test]
    fn otel_sdk_disabled_true_turns_everything_off_and_anything_else_is_false() {
        let mut o = Options::default();
        o.set("dsn", "https://public@o1.ingest.sentry.io/42")
            .unwrap();
        o.set("spool", "/tmp/spans.jsonl").unwrap();
        let c = resolve(
            &o,
            &[
                ("OTEL_SDK_DISABLED", " TRUE "),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ],
        )
        .unwrap();
        assert!(c.disabled && c.dsn.is_none() && c.otlp.is_none() && c.spool.is_none());
        assert_eq!(c.traces_sample_rate, 0.0);
        assert!(c.describe().starts_with("disabled by OTEL_SDK_DISABLED"));
        for other in ["false", "1", "yes", ""] {
            let c = resolve(&o, &[("OTEL_SDK_DISABLED", other)]).unwrap();
            assert!(!c.disabled && c.dsn.is_some(), "{other:?}");
        }
    }

    #[test]
    fn the_first_run_line_names_the_exporters_without_secrets() {
        let mut o = Options::default();
        o.set("dsn", "https://public:secret@o1.ingest.sentry.io/42")
            .unwrap();
        o.set("otlp_endpoint", "http://collector:4318").unwrap();
        o.set("spool", "/tmp/spans.jsonl").unwrap();
        o.set("traces_sample_rate", "0.25").unwrap();
        let line = resolve(&o, &[]).unwrap().describe();
        assert_eq!(
            line,
            "exporters: sentry (o1.ingest.sentry.io, project 42), otlp (http://collector:4318/v1/traces, http/protobuf), spool (/tmp/spans.jsonl); traces_sample_rate 0.25; send_default_pii false"
        );
        assert!(!line.contains("secret") && !line.contains("public"));
        let mut o = Options::default();
        o.set("spool", "false").unwrap();
        assert!(
            resolve(&o, &[])
                .unwrap()
                .describe()
                .starts_with("exporters: none")
        );
    }

    #[test]
    fn sentry_only_options_and_misspellings_are_told_apart() {
        assert_eq!(
            unknown_option("profilesSampleRate", camel_case),
            UnknownOption::SentryOnly
        );
        assert_eq!(
            unknown_option("ignore_errors", str::to_owned),
            UnknownOption::SentryOnly
        );
        let near = |name: &str, spell: fn(&str) -> String| match unknown_option(name, spell) {
            UnknownOption::Unknown { did_you_mean } => did_you_mean,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(
            near("tracesSampelRate", camel_case).as_deref(),
            Some("tracesSampleRate")
        );
        assert_eq!(
            near("sendDefaultPii", str::to_owned).as_deref(),
            Some("send_default_pii"),
            "a Node spelling in Python names the Python one"
        );
        assert_eq!(
            near("envirnment", str::to_owned).as_deref(),
            Some("environment")
        );
        assert_eq!(near("colour", str::to_owned), None);
        let e = Options::default().set("relase", "1").unwrap_err();
        assert!(e.reason.contains("did you mean `release`"), "{e}");
        let e = Options::default()
            .set("profiles_sample_rate", "1")
            .unwrap_err();
        assert!(e.reason.contains("a Sentry option"), "{e}");
    }

    #[test]
    fn otlp_header_values_are_percent_decoded_only() {
        // A base64 token keeps its `+`: the OTel spec percent-decodes, it does not form-decode.
        let headers = parse_headers("authorization=Basic%20dXNlcjpw+c3M=, x-y = a%2Cb ").unwrap();
        assert_eq!(
            headers,
            vec![
                ("authorization".into(), "Basic dXNlcjpw+c3M=".into()),
                ("x-y".into(), "a,b".into())
            ]
        );
    }

    #[test]
    fn otel_traces_sampler_sets_the_rate_unless_the_option_does() {
        let resolve = |o: &Options, pairs: &[(&str, &str)]| {
            o.resolve_with_env(|name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let rate =
            |o: &Options, pairs: &[(&str, &str)]| resolve(o, pairs).unwrap().traces_sample_rate;
        let unset = Options::default();
        assert_eq!(rate(&unset, &[]), 1.0);
        for (sampler, want) in [
            ("always_on", 1.0),
            ("parentbased_always_off", 0.0),
            ("ALWAYS_OFF", 0.0),
            ("traceidratio", 1.0),
        ] {
            assert_eq!(
                rate(&unset, &[("OTEL_TRACES_SAMPLER", sampler)]),
                want,
                "{sampler}"
            );
        }
        let ratio = [
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ];
        assert_eq!(rate(&unset, &ratio), 0.25);
        let explicit = Options {
            traces_sample_rate: Some(0.5),
            ..Options::default()
        };
        assert_eq!(rate(&explicit, &ratio), 0.5, "the option wins");
        let bad_arg = resolve(
            &unset,
            &[
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "half"),
            ],
        )
        .unwrap_err();
        assert_eq!(bad_arg.option, "OTEL_TRACES_SAMPLER_ARG");
        let remote = resolve(&unset, &[("OTEL_TRACES_SAMPLER", "jaeger_remote")]).unwrap_err();
        assert_eq!(remote.option, "OTEL_TRACES_SAMPLER");
        assert!(remote.reason.contains("jaeger_remote"), "{}", remote.reason);
    }
}
