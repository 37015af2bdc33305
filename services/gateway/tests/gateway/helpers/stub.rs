//! A programmable upstream: what a test needs a service to do on cue.
//!
//! | path | answers |
//! |---|---|
//! | `/health/ready` | 200, or 503 while `set_ready(false)` |
//! | `/.well-known/jwks.json` | the key set given to `set_jwks` |
//! | `…/fail` and every path while `set_failing(true)` | 503 |
//! | `…/slow?ms=N` | 200 after N ms |
//! | `…/big?bytes=N` | N bytes, streamed in 64 KiB chunks |
//!
//! (`…`: any prefix, so the stub answers the same behind any route.)
//! | anything else | 200 with JSON: method, path, query, headers, body length, instance name |

use std::{
    collections::BTreeMap,
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;

#[derive(Debug, Default)]
struct State {
    name: String,
    ready: AtomicBool,
    failing: AtomicBool,
    /// Requests other than health checks.
    hits: AtomicUsize,
    jwks: std::sync::Mutex<serde_json::Value>,
}

pub struct Stub {
    pub address: String,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Stub {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

impl Stub {
    pub async fn start(name: &str) -> Self {
        let state = Arc::new(State {
            name: name.into(),
            ready: AtomicBool::new(true),
            ..State::default()
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let data = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/health/ready", web::get().to(ready))
                .route("/.well-known/jwks.json", web::get().to(jwks))
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            address,
            state,
            handle,
        }
    }

    /// Stops listening (and closes kept-alive connections): a dead instance.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    pub fn set_ready(&self, ready: bool) {
        self.state.ready.store(ready, Ordering::SeqCst);
    }

    /// Publishes these keys as the stub's JWKS.
    pub fn set_jwks(&self, keys: &[&capstone_platform::access_token::SigningKey]) {
        let keys: Vec<_> = keys.iter().map(|key| key.public_jwk().clone()).collect();
        *self.state.jwks.lock().expect("lock") = serde_json::json!({ "keys": keys });
    }

    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }
}

async fn ready(state: web::Data<State>) -> HttpResponse {
    if state.ready.load(Ordering::SeqCst) {
        HttpResponse::Ok().body("ready")
    } else {
        HttpResponse::ServiceUnavailable().body("not ready")
    }
}

async fn jwks(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok().json(state.jwks.lock().expect("lock").clone())
}

async fn answer(
    request: HttpRequest,
    mut body: web::Payload,
    state: web::Data<State>,
) -> HttpResponse {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let query: BTreeMap<String, String> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    let number = |key: &str| {
        query
            .get(key)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let last_segment = request.path().rsplit('/').next().unwrap_or_default();
    if state.failing.load(Ordering::SeqCst) || last_segment == "fail" {
        return HttpResponse::ServiceUnavailable().body("failing on purpose");
    }
    match last_segment {
        "slow" => {
            tokio::time::sleep(Duration::from_millis(number("ms"))).await;
        }
        "big" => {
            let total = number("bytes") as usize;
            let chunks = (0..total).step_by(64 * 1024).map(move |start| {
                let size = (total - start).min(64 * 1024);
                Ok::<_, actix_web::Error>(web::Bytes::from(vec![b'x'; size]))
            });
            return HttpResponse::Ok().streaming(futures_util::stream::iter(chunks));
        }
        _ => {}
    }
    let mut received = 0usize;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => received += bytes.len(),
            Err(_) => return HttpResponse::BadRequest().finish(),
        }
    }
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in request.headers() {
        headers
            .entry(name.to_string())
            .or_default()
            .push(value.to_str().unwrap_or("<binary>").to_owned());
    }
    HttpResponse::Ok()
        .insert_header(("x-stub-instance", state.name.as_str()))
        .json(serde_json::json!({
            "instance": state.name,
            "method": request.method().as_str(),
            "path": request.path(),
            "query": request.query_string(),
            "headers": headers,
            "body_bytes": received,
        }))
}
