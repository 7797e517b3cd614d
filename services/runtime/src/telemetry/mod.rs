//! Logs and traces.
//!
//! Logs are JSON lines for machines and readable lines for people at a terminal. Traces are
//! OpenTelemetry spans, exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
//! without it no OpenTelemetry layer is installed and every trace helper returns at once, so
//! tracing costs nothing when it is off. While traces are on, JSON log lines carry the
//! `trace_id` and `span_id` of the span they were written in.

mod log_format;
mod trace_context;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use trace_context::{continue_trace, current_traceparent, record_interval, traceparent_of};

/// The standard variable naming the OTLP collector; traces are off without it.
pub const OTLP_ENDPOINT_ENV: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Whether an OpenTelemetry layer is installed; the trace helpers check it first.
static TRACING: AtomicBool = AtomicBool::new(false);

pub(crate) fn tracing_enabled() -> bool {
    TRACING.load(Ordering::Relaxed)
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("cannot build the OTLP exporter for {endpoint}: {source}")]
    Exporter {
        endpoint: String,
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// The installed telemetry. [`Telemetry::shutdown`] flushes the spans still buffered.
#[must_use = "dropping it without `shutdown` loses the spans not yet exported"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports what is buffered and stops the exporter. It blocks on the export, so it runs on
    /// a blocking thread while the runtime keeps driving the batch processor.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(err)) = flushed {
            tracing::warn!(%err, "could not flush the last spans");
        }
    }
}

/// Installs logging, and tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Call it inside the
/// Tokio runtime: the exporter and its batch processor run on it.
///
/// The log filter comes from `RUST_LOG` (default `info`). Calling it twice is harmless: the
/// first subscriber stays, so tests may call it freely.
pub fn init(service: &'static str) -> Result<Telemetry, TelemetryError> {
    let provider = match std::env::var(OTLP_ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => Some(otlp_provider(service, &endpoint)?),
        _ => None,
    };
    Ok(install(service, provider))
}

/// Installs logging and, with `provider`, tracing through it: [`init`] without reading the
/// environment, for tests that export to memory.
pub fn install(service: &'static str, provider: Option<SdkTracerProvider>) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let traces = provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer(service)));
    let installed = Registry::default()
        .with(log_layer())
        .with(traces)
        .with(filter)
        .try_init()
        .is_ok();
    if installed {
        if let Some(provider) = &provider {
            opentelemetry::global::set_tracer_provider(provider.clone());
            TRACING.store(true, Ordering::Relaxed);
        }
        tracing::info!(
            service,
            version = env!("CARGO_PKG_VERSION"),
            traces = provider.is_some(),
            "telemetry initialised"
        );
    }
    Telemetry { provider }
}

fn log_layer() -> Box<dyn Layer<Registry> + Send + Sync> {
    let layer = tracing_subscriber::fmt::layer();
    if std::io::stdout().is_terminal() {
        layer.compact().boxed()
    } else {
        log_format::json(layer)
    }
}

fn otlp_provider(service: &str, endpoint: &str) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|source| TelemetryError::Exporter {
            endpoint: endpoint.to_owned(),
            source,
        })?;
    let processor =
        BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio).build();
    // `OTEL_SERVICE_NAME`, when set (the operator sets it), names the service instead.
    let resource = match std::env::var("OTEL_SERVICE_NAME") {
        Ok(name) if !name.is_empty() => Resource::builder().build(),
        _ => Resource::builder()
            .with_service_name(service.to_owned())
            .build(),
    };
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build())
}
