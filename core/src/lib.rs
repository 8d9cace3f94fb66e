//! llmtel-core: the synchronous core every binding shares. Spans are recorded on the caller's
//! thread, filtered there, queued without blocking, and exported by one background thread to
//! Sentry, OTLP/HTTP, a local JSONL spool and Spotlight.
//!
//! ```no_run
//! use llmtel_core::{Client, Options, SpanStart, SpanKind};
//!
//! let client = Client::init(Options::default()).expect("valid options");
//! let task = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
//! let mut call = client.start_span(
//!     SpanStart::new("chat gpt-4o")
//!         .op("gen_ai.chat")
//!         .origin("auto.ai.openai")
//!         .kind(SpanKind::Client)
//!         .parent(task.context()),
//! );
//! call.set_attribute("gen_ai.usage.input_tokens", 150);
//! call.end();
//! task.end();
//! client.close(std::time::Duration::from_secs(2)).ok();
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

mod buffer;
pub mod clock;
pub mod dsn;
pub mod event;
pub mod export;
pub mod facade;
#[cfg(feature = "runtime")]
mod fork;
pub mod genai;
mod http_url;
pub mod ids;
pub mod imported;
pub mod keys;
mod option_table;
pub mod options;
#[cfg(feature = "runtime")]
mod pipeline;
pub mod privacy;
pub mod propagation;
mod rollup;
pub mod scrub;
pub mod span;
pub mod stats;

pub use export::{Segment, SpanExporter};
pub use facade::{
    CallHandle, CallSpec, Error, ErrorKind, FailSpec, PlacementSpec, RunHandle, SpanHandle,
    SpanSpec,
};
pub use options::{
    BeforeSendSpan, Config, ConfigError, Options, SamplingContext, SpanFate, TracesSampler,
};

/// Why a bounded wait ended without finishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// The deadline passed; the flush thread carries on in the background.
    Timeout,
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("timed out waiting for the flush thread")
    }
}

impl std::error::Error for WaitError {}
pub use span::{
    Attributes, ErrorCode, SpanContext, SpanData, SpanId, SpanKind, Status, Str, TraceId, Value,
};
pub use stats::{DropCounts, DropReason, ExportTally, Stats};

/// The SDK version written into envelopes and resources.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A handle to one configured pipeline. Cheap to clone; when the last handle (and the last open
/// span) is gone, the pipeline closes with the configured shutdown timeout.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    config: Config,
    before_send: Option<BeforeSendSpan>,
    sampler: Option<TracesSampler>,
    /// The baggage of the traces this process continued (see `continue_trace`).
    continued: propagation::ContinuedTraces,
    sink: Sink,
    genai: Arc<genai::GenAiSettings>,
    /// Token usage and cost gathered for the agent spans still open.
    rollups: Arc<rollup::Rollups>,
    /// Attribute values dropped because they have no attribute form.
    invalid_attributes: std::sync::atomic::AtomicU64,
}

/// Where finished spans go: the native pipeline (queue, flush thread, exporters), or a buffer
/// the host empties itself (the wasm build).
enum Sink {
    #[cfg(feature = "runtime")]
    Pipeline(pipeline::Pipeline),
    Buffer(buffer::Buffer),
}

impl Sink {
    #[inline]
    fn submit(&self, span: SpanData) {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.submit(span),
            Sink::Buffer(b) => b.submit(span),
        }
    }

    fn submit_event(&self, event: event::EventData) {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.submit_event(event),
            Sink::Buffer(b) => b.submit_event(event),
        }
    }

    #[inline]
    fn record_drop(&self, reason: DropReason, is_segment: bool) {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.record_drop(reason, is_segment),
            Sink::Buffer(b) => b.record_drop(reason, is_segment),
        }
    }

    #[inline]
    fn recycled_attributes(&self) -> Option<span::AttributeStorage> {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.recycled_attributes(),
            Sink::Buffer(_) => None,
        }
    }

    fn flush(&self, _timeout: Duration) -> Result<(), WaitError> {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.flush(_timeout),
            Sink::Buffer(_) => Ok(()),
        }
    }

    fn close(&self, _timeout: Duration) -> Result<(), WaitError> {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.close(_timeout),
            Sink::Buffer(b) => {
                b.close();
                Ok(())
            }
        }
    }

    fn is_closed(&self) -> bool {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.is_closed(),
            Sink::Buffer(b) => b.is_closed(),
        }
    }

    fn stats(&self) -> Stats {
        match self {
            #[cfg(feature = "runtime")]
            Sink::Pipeline(p) => p.stats(),
            Sink::Buffer(b) => b.stats(),
        }
    }
}

impl Client {
    /// See `ClientInner::maps_later`.
    pub(crate) fn maps_later(&self) -> bool {
        self.inner.maps_later()
    }

    /// Validates the options (with environment fallbacks) and starts the flush thread.
    #[cfg(feature = "runtime")]
    pub fn init(options: Options) -> Result<Client, ConfigError> {
        let config = options.resolve()?;
        Self::with_config(config, &options)
    }

    /// Starts from an already resolved config; `options` supplies the callbacks and the
    /// embedder's own exporters.
    #[cfg(feature = "runtime")]
    pub fn with_config(config: Config, options: &Options) -> Result<Client, ConfigError> {
        let settings = pipeline::Settings {
            capacity: config.queue_capacity,
            batch_size: config.max_export_batch_size,
            interval: config.flush_interval,
            export_timeout: config.export_timeout,
        };
        let factory_config = config.clone();
        let custom = options.exporters.clone();
        let pipeline = pipeline::Pipeline::start(
            settings,
            Box::new(move |pipeline_drops| {
                let mut exporters = export::build(&factory_config, pipeline_drops)?;
                exporters.extend(custom.iter().map(|make| make()));
                Ok(exporters)
            }),
        )?;
        if let Some(spool) = config.spool.as_ref().filter(|s| s.is_default) {
            eprintln!(
                "llmtel: no DSN or OTLP endpoint configured; writing spans to {} (set spool to false to turn this off)",
                spool.path.display()
            );
        }
        Ok(Self::assemble(config, options, Sink::Pipeline(pipeline)))
    }

    /// A client whose finished spans wait in memory for the host (`take_finished`): no thread,
    /// no exporter, no environment read. The wasm build runs on this.
    pub fn buffered(options: &Options) -> Result<Client, ConfigError> {
        let config = options.resolve_with_env(|_| None)?;
        let buffer = buffer::Buffer::new(config.queue_capacity);
        Ok(Self::assemble(config, options, Sink::Buffer(buffer)))
    }

    fn assemble(config: Config, options: &Options, sink: Sink) -> Client {
        let sampler = options.traces_sampler.clone().filter(|_| !config.disabled);
        let genai = Arc::new(genai::GenAiSettings {
            content_format: config.content_format,
            max_content_bytes: config.max_content_bytes,
            scrubber: config.scrubber.clone(),
            prices: config.prices.clone(),
        });
        Client {
            inner: Arc::new(ClientInner {
                config,
                before_send: options.before_send_span.clone(),
                sampler,
                continued: Default::default(),
                sink,
                genai,
                rollups: Arc::default(),
                invalid_attributes: Default::default(),
            }),
        }
    }

    /// Records an event the application captured (`captureException`, `captureMessage`)
    /// under `spec.parent`, the span it happened in; returns its id.
    pub fn capture_event(&self, spec: event::EventSpec) -> Result<String, genai::SpecError> {
        let event = spec.into_data(
            event::new_event_id(),
            span::now_unix_nano(),
            &self.inner.config.scrubber,
        )?;
        let event_id = event.event_id.clone();
        self.inner.sink.submit_event(event);
        Ok(event_id)
    }

    /// The events captured since the last call, for a buffered client; empty otherwise.
    pub fn take_events(&self) -> Vec<event::EventData> {
        match &self.inner.sink {
            Sink::Buffer(b) => b.take_events(),
            #[cfg(feature = "runtime")]
            Sink::Pipeline(_) => Vec::new(),
        }
    }

    /// The spans finished since the last call, for a buffered client; empty otherwise.
    pub fn take_finished(&self) -> Vec<SpanData> {
        match &self.inner.sink {
            Sink::Buffer(b) => b.take(),
            #[cfg(feature = "runtime")]
            Sink::Pipeline(_) => Vec::new(),
        }
    }

    /// The drop counts of a buffered client (`None` with the native pipeline, which reports
    /// its own).
    pub(crate) fn buffer_drops(&self) -> Option<&stats::AtomicDrops> {
        match &self.inner.sink {
            Sink::Buffer(b) => Some(b.drops()),
            #[cfg(feature = "runtime")]
            Sink::Pipeline(_) => None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn genai_settings(&self) -> &Arc<genai::GenAiSettings> {
        &self.inner.genai
    }

    /// Starts a span. Without a parent it is a local root and takes the sampling decision;
    /// with one it inherits its parent's trace and decision.
    pub fn start_span(&self, start: SpanStart) -> Span {
        let span_id = SpanId::random();
        let (trace_id, segment_id, parent_span_id, sampled) = match start.parent {
            // A remote parent's child is the local root of its segment in the caller's trace.
            Some(p) if p.remote => {
                let parent = start.remote_decided.then_some(p.sampled);
                (
                    p.trace_id,
                    span_id,
                    Some(p.span_id),
                    self.sample(&start, parent),
                )
            }
            Some(p) => (p.trace_id, p.segment_id, Some(p.span_id), p.sampled),
            None => (TraceId::random(), span_id, None, self.sample(&start, None)),
        };
        let agent = match start.parent {
            _ if start.rolls_up_usage && sampled => Some(span_id),
            Some(p) if !p.remote => p.agent,
            _ => None,
        };
        let context = SpanContext {
            trace_id,
            span_id,
            segment_id,
            sampled,
            remote: false,
            agent,
        };
        if agent == Some(span_id) {
            self.inner.rollups.open(span_id);
        }
        if !sampled {
            if segment_id == span_id {
                self.inner.sink.record_drop(DropReason::SampleRate, true);
            }
            return Span {
                context,
                data: None,
                client: None,
                parent_agent: None,
            };
        }
        let dsc = match start.parent {
            Some(p) if p.remote => self.inner.continued.dsc(trace_id),
            _ => None,
        };
        let mut attributes = start.attributes;
        if let Some(storage) = self.inner.sink.recycled_attributes() {
            attributes.adopt(storage);
        }
        let data = SpanData {
            trace_id,
            span_id,
            parent_span_id,
            segment_id,
            name: start.name,
            op: start.op,
            origin: start.origin,
            kind: start.kind,
            status: Status::Unset,
            start_time_unix_nano: start
                .start_time_unix_nano
                .unwrap_or_else(span::now_unix_nano),
            end_time_unix_nano: 0,
            attributes,
            dsc,
        };
        Span {
            context,
            data: Some(data),
            client: Some(self.inner.clone()),
            parent_agent: start.parent.filter(|p| !p.remote).and_then(|p| p.agent),
        }
    }

    /// The sampling decision of a span that takes one: `traces_sampler` when set (a panic or no
    /// answer falls back), else the parent's decision, else `traces_sample_rate`.
    fn sample(&self, start: &SpanStart, parent: Option<bool>) -> bool {
        let rate = self
            .inner
            .sampler
            .as_ref()
            .and_then(|sampler| {
                let context = SamplingContext {
                    name: &start.name,
                    op: start.op.as_deref(),
                    attributes: &start.attributes,
                    parent_sampled: parent,
                };
                catch_unwind(AssertUnwindSafe(|| sampler(&context)))
                    .ok()
                    .flatten()
            })
            .filter(|r| r.is_finite());
        match (rate, parent) {
            (Some(rate), _) => roll(rate),
            (None, Some(decided)) => decided,
            (None, None) => roll(self.inner.config.traces_sample_rate),
        }
    }

    /// Continues a trace another process started: remembers its baggage (the DSC its head
    /// froze) for the spans of that trace, and returns the context they start under. A
    /// deferred decision is taken here, by the sample rate.
    pub fn continue_trace(&self, parent: &propagation::RemoteParent) -> SpanContext {
        self.inner.continued.remember(parent);
        parent.context(|| roll(self.inner.config.traces_sample_rate))
    }

    /// The headers an outgoing request made inside `span` carries: `sentry-trace`,
    /// `traceparent` and `baggage` (the continued trace's, or this process's DSC).
    pub fn trace_data(&self, span: &SpanContext) -> propagation::TraceData {
        let continued = self.inner.continued.get(span.trace_id);
        propagation::trace_data(span, continued.as_deref(), || self.own_dsc(span))
    }

    /// Hands a span finished elsewhere (imported from another tracer) to the pipeline; a local
    /// root in a continued trace carries that trace's DSC.
    pub(crate) fn record_finished(&self, mut data: SpanData) {
        if data.is_segment() && data.parent_span_id.is_some() {
            data.dsc = self.inner.continued.dsc(data.trace_id);
        }
        self.inner.finish(data);
    }

    /// This process's DSC for a trace it heads.
    fn own_dsc(&self, span: &SpanContext) -> propagation::DynamicSamplingContext {
        let config = &self.inner.config;
        propagation::DynamicSamplingContext {
            trace_id: span.trace_id,
            public_key: config.dsn.as_ref().map(|d| d.public_key.clone()),
            release: config.release.clone(),
            environment: Some(config.environment.clone()),
            transaction: None,
            sample_rate: Some(config.traces_sample_rate.to_string()),
            sample_rand: None,
            sampled: Some(span.sampled),
        }
    }

    /// Waits until every span queued before this call has been attempted by every exporter
    /// (in-flight requests included). Returns at once when nothing is pending.
    pub fn flush(&self, timeout: Duration) -> Result<(), WaitError> {
        self.inner.sink.flush(timeout)
    }

    /// Stops taking spans, exports what is queued and stops the flush thread, waiting at most
    /// `timeout`. A second call returns at once.
    pub fn close(&self, timeout: Duration) -> Result<(), WaitError> {
        self.inner.sink.close(timeout)
    }

    pub fn is_closed(&self) -> bool {
        self.inner.sink.is_closed()
    }

    /// Counters of queued, exported and dropped spans.
    pub fn stats(&self) -> Stats {
        Stats {
            invalid_attributes: self
                .inner
                .invalid_attributes
                .load(std::sync::atomic::Ordering::Relaxed),
            ..self.inner.sink.stats()
        }
    }
}

/// True with probability `rate` (clamped to 0..=1).
fn roll(rate: f64) -> bool {
    rate >= 1.0 || (rate > 0.0 && ids::unit_f64() < rate)
}

/// What is left to write onto an ended span's data (a GenAI call's response, read off the
/// caller's thread); an error says what could not be read.
pub(crate) type Completion =
    Box<dyn FnOnce(&mut SpanData) -> Result<(), genai::MappingError> + Send>;

/// Runs `complete` on `data`, saying under `debug` what could not be read.
fn completed(
    data: &mut SpanData,
    complete: Completion,
    debug: bool,
) -> Result<(), genai::MappingError> {
    let read = complete(data);
    if let (Err(e), true) = (&read, debug) {
        eprintln!("llmtel: span {:?}: {e}", data.name);
    }
    read
}

impl ClientInner {
    /// Queues a span whose data `complete` finishes on the flush thread, followed there by the
    /// privacy filter. With a `before_send_span` hook (which reads the whole span on the
    /// caller's thread) or without a flush thread (the wasm build), it is completed at once.
    /// Whether a span's attributes may be written after it ended, on the flush thread: nothing
    /// reads them before it is exported (no `traces_sampler`, which reads a span's name and
    /// attributes when it starts; no `before_send_span`; a native pipeline). See
    /// `Client::call_done`.
    fn maps_later(&self) -> bool {
        #[cfg(feature = "runtime")]
        if let (None, None, Sink::Pipeline(_)) = (&self.before_send, &self.sampler, &self.sink) {
            return true;
        }
        false
    }

    fn finish_later(&self, mut data: SpanData, complete: Completion) {
        #[cfg(feature = "runtime")]
        if let (None, Sink::Pipeline(pipeline)) = (&self.before_send, &self.sink) {
            let genai = self.genai.clone(); // its scrubber is the config's
            let debug = self.config.debug;
            return pipeline.submit_completing(
                data,
                Box::new(move |data| {
                    let read = completed(data, complete, debug);
                    privacy::filter(data, &genai.scrubber);
                    read
                }),
            );
        }
        let _ = completed(&mut data, complete, self.config.debug);
        self.finish(data);
    }

    /// Runs on the caller's thread: privacy filter, then the user's hook, then the queue.
    fn finish(&self, mut data: SpanData) {
        privacy::filter(&mut data, &self.config.scrubber);
        if let Some(hook) = &self.before_send {
            match catch_unwind(AssertUnwindSafe(|| hook(&mut data))) {
                Ok(SpanFate::Keep) => {}
                Ok(SpanFate::Drop) => {
                    return self
                        .sink
                        .record_drop(DropReason::BeforeSend, data.is_segment());
                }
                Err(_) => {
                    if self.config.debug {
                        eprintln!("llmtel: before_send_span panicked; the span is dropped");
                    }
                    return self
                        .sink
                        .record_drop(DropReason::InternalSdkError, data.is_segment());
                }
            }
        }
        self.sink.submit(data);
    }
}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let _ = self.sink.close(self.config.shutdown_timeout);
    }
}

/// What a new span starts with. Everything but the name has a default: op none, origin
/// `manual`, kind internal, no parent, start now.
#[derive(Clone, Debug)]
pub struct SpanStart {
    name: Str,
    op: Option<Str>,
    origin: Str,
    kind: SpanKind,
    parent: Option<SpanContext>,
    /// False when a remote parent deferred its sampling decision to us.
    remote_decided: bool,
    /// An agent span: the usage of the model calls beneath it is summed onto it.
    rolls_up_usage: bool,
    attributes: Attributes,
    start_time_unix_nano: Option<u64>,
}

impl SpanStart {
    pub fn new(name: impl Into<Str>) -> Self {
        SpanStart {
            name: name.into(),
            op: None,
            origin: Str::Borrowed("manual"),
            kind: SpanKind::Internal,
            parent: None,
            remote_decided: true,
            rolls_up_usage: false,
            attributes: Attributes::default(),
            start_time_unix_nano: None,
        }
    }

    pub fn op(mut self, op: impl Into<Str>) -> Self {
        self.op = Some(op.into());
        self
    }

    pub fn origin(mut self, origin: impl Into<Str>) -> Self {
        self.origin = origin.into();
        self
    }

    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn parent(mut self, parent: SpanContext) -> Self {
        self.parent = Some(parent);
        self
    }

    pub fn parent_opt(mut self, parent: Option<SpanContext>) -> Self {
        self.parent = parent;
        self
    }

    /// Continues a trace another process started: the span is the local root of its segment,
    /// a child of the caller's span, sampled as the caller decided (or by the sample rate when
    /// the caller deferred).
    pub fn remote_parent(mut self, parent: &propagation::RemoteParent) -> Self {
        self.parent = Some(parent.context(|| true));
        self.remote_decided = parent.sampled.is_some();
        self
    }

    /// Sums the token usage and cost of the model calls beneath this span onto it when it
    /// ends (agent spans).
    pub fn rolls_up_usage(mut self) -> Self {
        self.rolls_up_usage = true;
        self
    }

    /// The attributes the host's scope gives every span started in it (its tags, the user):
    /// call it first, so that the span's own attributes win a clash.
    pub fn scope(mut self, scope: &[(String, String)]) -> Self {
        for (key, value) in scope {
            self.attributes.set(key.clone(), value.clone());
        }
        self
    }

    /// Attributes known at start (samplers and backends read them there).
    pub fn attribute(mut self, key: impl Into<Str>, value: impl Into<Value>) -> Self {
        self.attributes.set(key, value);
        self
    }

    pub fn start_time_unix_nano(mut self, nanos: u64) -> Self {
        self.start_time_unix_nano = Some(nanos);
        self
    }
}

/// A span being recorded. An unsampled span records nothing and costs next to nothing. Dropping
/// a span that was not ended ends it.
pub struct Span {
    context: SpanContext,
    data: Option<SpanData>,
    client: Option<Arc<ClientInner>>,
    /// For an agent span: the agent above it, which its sums go on to.
    parent_agent: Option<SpanId>,
}

impl Span {
    pub fn context(&self) -> SpanContext {
        self.context
    }

    /// False for unsampled spans and for spans already ended.
    pub fn is_recording(&self) -> bool {
        self.data.is_some()
    }

    pub fn data(&self) -> Option<&SpanData> {
        self.data.as_ref()
    }

    /// The data, while the span records.
    pub(crate) fn data_mut(&mut self) -> Option<&mut SpanData> {
        self.data.as_mut()
    }

    /// The attributes, while the span records.
    pub fn attributes_mut(&mut self) -> Option<&mut Attributes> {
        self.data.as_mut().map(|d| &mut d.attributes)
    }

    /// Adds a model call's usage and cost to the enclosing agent span, if there is one.
    pub fn report_usage(&self, usage: &genai::Usage, cost: Option<genai::Cost>) {
        if let Some((agent, rollups)) = self.usage_sink() {
            rollups.add(agent, usage, cost);
        }
    }

    /// The agent span above this one that sums its usage, and where the sums are kept; for
    /// `report_usage` on the flush thread.
    pub(crate) fn usage_sink(&self) -> Option<(SpanId, &Arc<rollup::Rollups>)> {
        let (Some(agent), Some(client)) = (self.context.agent, &self.client) else {
            return None;
        };
        (agent != self.context.span_id).then_some((agent, &client.rollups))
    }

    pub fn set_attribute(&mut self, key: impl Into<Str>, value: impl Into<Value>) {
        if let Some(data) = &mut self.data {
            data.attributes.set(key, value);
        }
    }

    /// Counts a value a host could not turn into an attribute (and says so under `debug`);
    /// the span goes on without it.
    pub fn reject_attribute(&self, key: &str, why: &str) {
        let Some(client) = &self.client else { return };
        client
            .invalid_attributes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if client.config.debug {
            let name = self.data.as_ref().map_or("", |d| &*d.name);
            eprintln!("llmtel: attribute {key:?} of span {name:?} dropped: {why}");
        }
    }

    pub fn remove_attribute(&mut self, key: &str) {
        if let Some(data) = &mut self.data {
            data.attributes.remove(key);
        }
    }

    pub fn set_status(&mut self, status: Status) {
        if let Some(data) = &mut self.data {
            data.status = status;
        }
    }

    pub fn set_name(&mut self, name: impl Into<Str>) {
        if let Some(data) = &mut self.data {
            data.name = name.into();
        }
    }

    pub fn set_op(&mut self, op: impl Into<Str>) {
        if let Some(data) = &mut self.data {
            data.op = Some(op.into());
        }
    }

    /// Ends the span now and hands it to the pipeline.
    pub fn end(mut self) {
        self.finish(None);
    }

    /// Ends the span at a given wall time (nanoseconds since the epoch).
    pub fn end_at(mut self, end_time_unix_nano: u64) {
        self.finish(Some(end_time_unix_nano));
    }

    /// Ends the span now; `complete` writes the rest of its data later, on the flush thread
    /// when nothing reads the span before it is exported (see `ClientInner::finish_later`).
    /// A span under an agent reports its usage from `complete` (see `usage_sink`).
    /// A span not bound to a pipeline, over `data` (a span being completed on the flush
    /// thread, read onto as a live one is: see `Client::done_later`).
    pub(crate) fn detached(context: SpanContext, data: SpanData) -> Span {
        Span {
            context,
            data: Some(data),
            client: None,
            parent_agent: None,
        }
    }

    /// Its data, when it records (a detached span's, given back).
    pub(crate) fn into_data(mut self) -> Option<SpanData> {
        self.data.take()
    }

    pub(crate) fn end_later(mut self, complete: Completion) {
        let (Some(mut data), Some(client)) = (self.data.take(), self.client.take()) else {
            return;
        };
        data.end_time_unix_nano = span::now_unix_nano().max(data.start_time_unix_nano);
        client.finish_later(data, complete);
    }

    fn finish(&mut self, end_time: Option<u64>) {
        let (Some(mut data), Some(client)) = (self.data.take(), self.client.take()) else {
            return;
        };
        data.end_time_unix_nano = end_time
            .unwrap_or_else(span::now_unix_nano)
            .max(data.start_time_unix_nano);
        if self.context.agent == Some(self.context.span_id) {
            // The sums go on once the calls beneath have given theirs, which a call whose
            // response is read on the flush thread does there: the agent's are written there
            // too, after them (one queue, in order).
            let rollup = rollup::PendingRollup::new(
                client.rollups.clone(),
                self.context.span_id,
                self.parent_agent,
            );
            return client.finish_later(
                data,
                Box::new(move |data| {
                    rollup.write(&mut data.attributes);
                    Ok(())
                }),
            );
        }
        client.finish(data);
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        self.finish(None);
    }
}
