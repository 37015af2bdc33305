//! What tracing costs on the gateway's hot path: one proxied GET through the
//! real gateway app (built by `Application::build`, driven in-process) to a
//! tiny upstream on 127.0.0.1 that answers 200, rate limited in the local
//! Redis like every API route, under three subscribers:
//!
//! | bench | subscriber |
//! |---|---|
//! | `logs` | the production JSON log layer, writing to `io::sink` |
//! | `logs_and_trace_ids` | plus the trace layer over a provider that exports nothing (services without `OTEL_EXPORTER_OTLP_ENDPOINT`) |
//! | `logs_and_otlp_export` | plus the trace layer sampling everything and exporting in batches over OTLP/HTTP to a local sink that answers 200 |
//!
//! Each is measured twice: `proxied_get` is the wall time of a request;
//! `proxied_get_on_cpu` is the time the thread running the gateway spent on
//! a CPU for it (Linux's `/proc/thread-self/schedstat`), which leaves out the
//! waits for Redis and the upstream. Those waits, thread wake-ups on a small
//! VM, vary between runs by more than tracing costs; CPU time is the
//! overhead itself. (The batch exporter's own thread is not in it: that work
//! is off the request path.) Read the results as ratios to `logs`
//! (docs/src/monitoring.md quotes them).
//!
//! Needs the local Redis (scripts/dev-services.sh); its keys are deleted at
//! the end. Run: `cargo bench -p capstone-gateway --bench tracing_overhead`.

use capstone_platform::service::ServiceSettings as _;
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use actix_web::{
    App, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Service, ServiceResponse},
    rt::System,
    test, web,
};
use capstone_gateway::{
    Application, Settings,
    rate_limit::RateLimitSettings,
    settings::{RouteSettings, UpstreamSettings},
};
use capstone_platform::{
    settings::Environment,
    telemetry::{
        json_logs::json_layer,
        traces::{self, ServiceIdentity},
    },
    testing::set_thread_default,
};
use capstone_users::testing::RedisNamespace;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry_otlp::{SpanExporter, WithExportConfig as _};
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, Layer as _, Registry, layer::SubscriberExt as _};

const SERVICE: ServiceIdentity = ServiceIdentity {
    name: "capstone-gateway",
    environment: Environment::Production,
};

/// A server on 127.0.0.1 that answers 200 to anything (the upstream, and
/// the OTLP sink), counting what it answered.
fn answer_200(answered: Arc<AtomicUsize>) -> SocketAddr {
    let server = HttpServer::new(move || {
        let answered = Arc::clone(&answered);
        App::new().default_service(web::to(move || {
            answered.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::Ok().body("ok") }
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .expect("bind 127.0.0.1");
    let address = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    address
}

/// The gateway's settings with one rate-limited route, `/bench`, to `upstream`.
fn settings(upstream: SocketAddr, redis: &RedisNamespace) -> Settings {
    let mut settings = Settings::load(None).expect("settings load");
    settings.gateway.http.port = 0;
    settings.gateway.upstreams.clear();
    let mut pool = UpstreamSettings {
        instances: vec![format!("http://{upstream}").parse().expect("url")],
        ..UpstreamSettings::default()
    };
    pool.health_check.interval_ms = 60_000; // no probes during the measurement
    settings.gateway.upstreams.insert("bench".into(), pool);
    settings.gateway.rate_limits.insert(
        "bench".into(),
        RateLimitSettings {
            requests: 1_000_000,
            period_secs: 1,
            burst: 1_000_000,
        },
    );
    settings.gateway.routes = vec![RouteSettings {
        prefix: "/bench".into(),
        upstream: "bench".into(),
        rewrite_to: None,
        protected: false,
        rate_limit: Some("bench".into()),
        timeout_ms: 2_000,
    }];
    settings.redis.key_prefix = redis.prefix.clone();
    settings
}

// ANCHOR: subscribers
/// Logs as production writes them (to a sink), plus `traces` if given.
fn subscriber(
    traces: Option<&opentelemetry_sdk::trace::SdkTracerProvider>,
) -> impl Subscriber + Send + Sync + 'static {
    let layers = vec![
        Some(json_layer(std::io::sink).boxed()),
        traces.map(traces::layer),
    ];
    Registry::default()
        .with(layers.into_iter().flatten().collect::<Vec<_>>())
        .with(EnvFilter::new("info"))
}
// ANCHOR_END: subscribers

#[derive(Debug, Clone, Copy)]
enum Clock {
    Wall,
    /// This thread's time on a CPU, which is where the in-process gateway
    /// (its app, its HTTP client, its Redis connection) runs.
    ThreadCpu,
}

impl Clock {
    fn now(self) -> Duration {
        match self {
            Clock::Wall => EPOCH.elapsed(),
            Clock::ThreadCpu => {
                // "on-CPU ns, waiting ns, timeslices" (Linux; no unsafe needed).
                let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
                    .expect("Linux /proc/thread-self/schedstat");
                let nanos = stat.split_whitespace().next().and_then(|n| n.parse().ok());
                Duration::from_nanos(nanos.expect("on-CPU nanoseconds"))
            }
        }
    }
}

static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

async fn proxied_get<S, B>(app: &S)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = test::TestRequest::get()
        .uri("/bench/ping")
        .peer_addr("127.0.0.1:40000".parse().expect("address"))
        .to_request();
    let response = test::call_service(app, request).await;
    assert_eq!(response.status(), 200, "the proxied GET succeeds");
    test::read_body(response).await;
}

fn tracing_overhead(c: &mut Criterion) {
    let system = System::new();
    let upstream_hits = Arc::new(AtomicUsize::new(0));
    let exports = Arc::new(AtomicUsize::new(0));
    let redis = RedisNamespace::new(&Settings::load(None).expect("settings").redis);
    let (app, sink) = system.block_on(async {
        let upstream = answer_200(Arc::clone(&upstream_hits));
        let sink = answer_200(Arc::clone(&exports));
        let application = Application::build(settings(upstream, &redis))
            .await
            .expect("the gateway builds");
        let app = test::init_service(application.app_state().app()).await;
        (app, sink)
    });
    // Wait (bounded) until the limiter uses Redis, as in production.
    system.block_on(async {
        for _ in 0..200 {
            let ready = test::TestRequest::get().uri("/health/ready").to_request();
            let report: serde_json::Value = test::call_and_read_body_json(&app, ready).await;
            if report["checks"]["redis"]["status"] == "up" {
                return proxied_get(&app).await;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("Redis not reachable: run scripts/dev-services.sh");
    });

    let without_export = traces::without_export(SERVICE);
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("http://{sink}/v1/traces"))
        .build()
        .expect("OTLP exporter");
    let exporting = traces::provider(exporter, SERVICE, 1.0);

    for (group, clock) in [
        ("proxied_get", Clock::Wall),
        ("proxied_get_on_cpu", Clock::ThreadCpu),
    ] {
        let mut group = c.benchmark_group(group);
        for (name, traces) in [
            ("logs", None),
            ("logs_and_trace_ids", Some(&without_export)),
            ("logs_and_otlp_export", Some(&exporting)),
        ] {
            let _default = set_thread_default(subscriber(traces));
            group.bench_function(name, |b| {
                b.iter_custom(|iterations| {
                    system.block_on(async {
                        let started = clock.now();
                        for _ in 0..iterations {
                            proxied_get(&app).await;
                        }
                        clock.now() - started
                    })
                })
            });
        }
        group.finish();
    }

    let _ = exporting.shutdown();
    eprintln!(
        "upstream answered {} requests; the OTLP sink received {} exports",
        upstream_hits.load(Ordering::Relaxed),
        exports.load(Ordering::Relaxed)
    );
}

criterion_group!(benches, tracing_overhead);
criterion_main!(benches);
