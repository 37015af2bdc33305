//! `bare`: the ceiling. One actix-web route answering a fixed JSON body with
//! no middleware at all: no logging, tracing, metrics, auth, request ids,
//! database or cache. Whatever a real service reaches under the same load is
//! compared to this; the gap is what its middleware and I/O cost.

use std::path::PathBuf;

use actix_web::{App, HttpResponse, HttpServer, http::header::ContentType, web};
use anyhow::Context;
use clap::Parser;

/// Serves `GET /api/v1/users/{id}` (the body of `--body-file`, as JSON) and
/// `GET /health` on 127.0.0.1 until SIGINT or SIGTERM.
#[derive(Debug, Clone, Parser)]
#[command(name = "bare", version)]
pub struct Args {
    #[arg(long)]
    pub port: u16,
    /// The answer's bytes, read once at start.
    #[arg(long, value_name = "FILE")]
    pub body_file: PathBuf,
    /// Worker threads (actix's default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
}

/// Runs the server until a signal stops it (actix handles SIGINT/SIGTERM
/// and drains the connections).
pub async fn serve(args: Args) -> anyhow::Result<()> {
    let body = web::Bytes::from(
        std::fs::read(&args.body_file)
            .with_context(|| format!("reading {}", args.body_file.display()))?,
    );
    let mut server = HttpServer::new(move || {
        // Captured, not `web::Data`: a `Bytes` clone per request and no
        // app-data lookup, the least a handler can do.
        let body = body.clone();
        App::new()
            .route(
                "/api/v1/users/{id}",
                web::get().to(move || {
                    let body = body.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type(ContentType::json())
                            .body(body)
                    }
                }),
            )
            .route("/health", web::get().to(|| async { "ok" }))
    });
    if let Some(workers) = args.workers {
        server = server.workers(workers as usize);
    }
    let server = server
        .bind(("127.0.0.1", args.port))
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    for address in server.addrs() {
        eprintln!("bare: listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}
