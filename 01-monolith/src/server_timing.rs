//! `Server-Timing` (W3C Server Timing): every response says where its time went.
//!
//! The browser's developer tools show the header as a breakdown of the request, and the web
//! app's footer shows it for the last requests. The same header in every phase lets a learner
//! compare them request by request:
//!
//! ```text
//! phase 01  server-timing: app;dur=1.92, db;dur=0.41;desc="1 query"
//! phase 02  server-timing: app;dur=2.30, stats;dur=1.71, tasks;dur=1.05, db;dur=0.62;desc="1 query"
//! phase 03  server-timing: gateway;dur=5.10, stats-service;dur=3.62, stats-service.task-service;dur=1.30, stats-service.task-service.db;dur=0.58;desc="1 query"
//! ```
//!
//! Each process measures four things, all wall-clock milliseconds:
//! - itself, from the moment its outermost layer sees the request until the response's
//!   headers are ready ([`ServerTimingLayer`]: `app`, or the service's name in phase 03);
//! - the parts it passes through, such as phase 02's modules ([`SectionLayer`], [`section`]);
//!   a part called from inside another part is inside it, so parts nest like a call stack;
//! - `db`: the sum of its database calls, and how many there were ([`TimedPool`]);
//! - the processes it called: each callee's own entries come back in its response's
//!   header, and [`record_callee`] adds them under the callee's name (the rule below).
//!
//! Names stay unique by prefixing: a callee's entry named after the callee keeps its name,
//! and every other entry `x` of callee `c` becomes `c.x`. So task-service's `db` is
//! `task-service.db` at stats-service, and `stats-service.task-service.db` at the gateway.
//! Entries of one name add up (a retried call, two calls into one module).
//!
//! The numbers live in a tokio task-local for the duration of one request, so code deep
//! down (a repository's query) adds to them without being handed anything, and a request
//! pays for two clock readings per measured part and no lock.

use std::{
    cell::{Cell, RefCell},
    fmt::{self, Write as _},
    future::Future,
    ops::Deref,
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use futures_util::Stream;
use sqlx::{
    Any, AnyPool, Describe, Either, Execute, Executor,
    any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo},
};
use tower::{Layer, Service};

pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// At most this many entries are taken from one callee's header, so a broken callee cannot
/// grow a response without bound.
const MAX_CALLEE_ENTRIES: usize = 64;

tokio::task_local! {
    static TIMINGS: Timings;
}

/// What one request has measured so far. A task-local belongs to one task, so plain cells
/// suffice: nothing else can touch them while the request runs.
#[derive(Default)]
struct Timings {
    db_time: Cell<Duration>,
    db_calls: Cell<u32>,
    /// Sections and callees' entries, in the order they started.
    entries: RefCell<Vec<Entry>>,
}

/// One metric of the header: `name;dur=1.23;desc="..."`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub name: String,
    pub duration: Duration,
    pub description: Option<String>,
}

/// As it appears in the header.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        write_entry(
            &mut text,
            &self.name,
            self.duration,
            self.description.as_deref(),
        );
        f.write_str(&text)
    }
}

impl Timings {
    /// Adds `duration` to the entry called `name`, or adds that entry; returns its index.
    fn add(&self, name: &str, duration: Duration, description: Option<String>) -> usize {
        let mut entries = self.entries.borrow_mut();
        if let Some(index) = entries.iter().position(|entry| entry.name == name) {
            entries[index].duration += duration;
            return index;
        }
        entries.push(Entry {
            name: name.to_string(),
            duration,
            description,
        });
        entries.len() - 1
    }

    fn header(&self, own_name: &str, own_time: Duration, database: bool) -> String {
        let mut header = String::with_capacity(64);
        write_entry(&mut header, own_name, own_time, None);
        for entry in self.entries.borrow().iter() {
            header.push_str(", ");
            write_entry(
                &mut header,
                &entry.name,
                entry.duration,
                entry.description.as_deref(),
            );
        }
        if database {
            let calls = self.db_calls.get();
            let description = match calls {
                1 => "1 query".to_string(),
                calls => format!("{calls} queries"),
            };
            header.push_str(", ");
            write_entry(&mut header, "db", self.db_time.get(), Some(&description));
        }
        header
    }
}

/// `name;dur=1.23` with milliseconds to 10 µs, then `;desc="..."` (quoted-string escaping).
fn write_entry(out: &mut String, name: &str, duration: Duration, description: Option<&str>) {
    let _infallible = write!(out, "{name};dur={:.2}", duration.as_secs_f64() * 1000.0);
    if let Some(description) = description {
        out.push_str(";desc=\"");
        for c in description.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
}

// ---------------------------------------------------------------------------------------
// The whole request: the outermost layer of a process
// ---------------------------------------------------------------------------------------

/// Measures every request from the outside and writes the `Server-Timing` header on every
/// response (a handler's, a fallback's 404, the rate limiter's 429, a panic's 500). It must
/// be the outermost layer: what runs outside it is not measured and gets no header.
#[derive(Clone, Copy, Debug)]
pub struct ServerTimingLayer {
    name: &'static str,
    database: bool,
}

impl ServerTimingLayer {
    /// `name` is this process's own entry: `app`, or the service's name in phase 03.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            database: false,
        }
    }

    /// Also a `db` entry on every response (`dur=0.00;desc="0 queries"` when the request
    /// made none): for processes that have a database.
    pub const fn with_database(self) -> Self {
        Self {
            database: true,
            ..self
        }
    }
}

impl<S> Layer<S> for ServerTimingLayer {
    type Service = ServerTiming<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerTiming {
            inner,
            layer: *self,
        }
    }
}

/// The service [`ServerTimingLayer`] wraps around a router.
#[derive(Clone, Debug)]
pub struct ServerTiming<S> {
    inner: S,
    layer: ServerTimingLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, RequestBody, ResponseBody> Service<Request<RequestBody>> for ServerTiming<S>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    RequestBody: Send + 'static,
    ResponseBody: 'static,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's rule for `call`).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let ServerTimingLayer { name, database } = self.layer;
        Box::pin(TIMINGS.scope(Timings::default(), async move {
            let started = Instant::now();
            let mut response = inner.call(request).await?;
            let header = TIMINGS.with(|timings| timings.header(name, started.elapsed(), database));
            if let Ok(value) = HeaderValue::from_str(&header) {
                response.headers_mut().append(SERVER_TIMING, value);
            }
            Ok(response)
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Parts of a request: sections
// ---------------------------------------------------------------------------------------

/// Runs `future` as the section `name` of the current request: its time becomes the entry
/// `name` (added to an entry of that name if there is one). Outside a request measured by
/// [`ServerTimingLayer`] it just runs `future`.
pub async fn section<F: Future>(name: &'static str, future: F) -> F::Output {
    let _section = SectionTimer::start(name);
    future.await
}

/// Reserves the section's place when it starts (so sections appear in the order they
/// started, an outer one before what it calls) and fills in its time when it ends, even if
/// it ends early because the request was dropped.
struct SectionTimer {
    index: Option<usize>,
    started: Instant,
}

impl SectionTimer {
    fn start(name: &'static str) -> Self {
        Self {
            index: TIMINGS
                .try_with(|timings| timings.add(name, Duration::ZERO, None))
                .ok(),
            started: Instant::now(),
        }
    }
}

impl Drop for SectionTimer {
    fn drop(&mut self) {
        if let Some(index) = self.index {
            let elapsed = self.started.elapsed();
            let _outside_a_request = TIMINGS.try_with(|timings| {
                if let Some(entry) = timings.entries.borrow_mut().get_mut(index) {
                    entry.duration += elapsed;
                }
            });
        }
    }
}

/// The layer form of [`section`]: every request a router (a module's routes) serves is a
/// section of that name.
#[derive(Clone, Copy, Debug)]
pub struct SectionLayer(pub &'static str);

impl<S> Layer<S> for SectionLayer {
    type Service = Section<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Section {
            inner,
            name: self.0,
        }
    }
}

/// The service [`SectionLayer`] wraps around a router.
#[derive(Clone, Debug)]
pub struct Section<S> {
    inner: S,
    name: &'static str,
}

impl<S, RequestBody> Service<Request<RequestBody>> for Section<S>
where
    S: Service<Request<RequestBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    RequestBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(section(self.name, inner.call(request)))
    }
}

// ---------------------------------------------------------------------------------------
// Other processes: a callee's entries, prefixed with its name
// ---------------------------------------------------------------------------------------

/// Adds the entries of `callee`'s `Server-Timing` header (in `headers`, its response's) to
/// the current request's, named by the rule in the module documentation. Entries that do
/// not parse are left out: timing never fails a request.
pub fn record_callee(callee: &str, headers: &HeaderMap) {
    let _outside_a_request = TIMINGS.try_with(|timings| {
        let values = headers
            .get_all(SERVER_TIMING)
            .iter()
            .filter_map(|value| value.to_str().ok());
        for entry in values.flat_map(parse).take(MAX_CALLEE_ENTRIES) {
            let name = if entry.name == callee {
                entry.name
            } else {
                format!("{callee}.{}", entry.name)
            };
            timings.add(&name, entry.duration, entry.description);
        }
    });
}

/// The well-formed metrics of one header value (`a;dur=1, b;dur=2;desc="x, y"`), each with
/// a `dur`. The grammar: metrics separated by commas, each a token followed by `;name=value`
/// parameters, a value a token or a quoted string (which may contain commas).
pub fn parse(value: &str) -> Vec<Entry> {
    split_outside_quotes(value, ',')
        .into_iter()
        .filter_map(|metric| {
            let mut parts = split_outside_quotes(metric, ';').into_iter();
            let name = parts.next()?.trim();
            if !is_token(name) {
                return None;
            }
            let mut duration = None;
            let mut description = None;
            for parameter in parts {
                let (key, value) = parameter.split_once('=')?;
                let value = unquote(value.trim())?;
                match key.trim().to_ascii_lowercase().as_str() {
                    "dur" => {
                        let milliseconds: f64 = value.parse().ok()?;
                        duration = Some(Duration::try_from_secs_f64(milliseconds / 1000.0).ok()?);
                    }
                    "desc" => description = Some(value),
                    _ => {}
                }
            }
            Some(Entry {
                name: name.to_string(),
                duration: duration?,
                description,
            })
        })
        .collect()
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..index]);
                start = index + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A token as is, a quoted string without its quotes and escapes; `None` for neither.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return is_token(value).then(|| value.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        text.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(text)
}

/// RFC 9110's `token`: letters, digits and ``!#$%&'*+-.^_`|~``, at least one.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

// ---------------------------------------------------------------------------------------
// The database: a pool whose queries count towards `db`
// ---------------------------------------------------------------------------------------

/// A connection pool whose every query adds its time to the current request's `db` entry.
/// Repositories use it exactly as they would use the pool (`.fetch_one(&pools.read)`), so
/// no query needs to remember to be measured. The time counted is the caller's wait: for a
/// connection, then for the answer, so a query queued behind the one SQLite writer counts
/// its wait as database time, which it is.
#[derive(Clone, Debug)]
pub struct TimedPool(AnyPool);

impl TimedPool {
    /// The pool itself, for what is not a request's query (migrations).
    pub fn pool(&self) -> &AnyPool {
        &self.0
    }
}

impl From<AnyPool> for TimedPool {
    fn from(pool: AnyPool) -> Self {
        Self(pool)
    }
}

/// Code that takes a plain `&AnyPool` (a module's migrations, `close`) accepts a
/// `&TimedPool` as it is; only the queries sent through [`Executor`] are timed.
impl Deref for TimedPool {
    type Target = AnyPool;

    fn deref(&self) -> &AnyPool {
        &self.0
    }
}

/// Counts one database call, from its start until it is dropped (finished or abandoned).
struct DbTimer(Instant);

impl DbTimer {
    fn start() -> Self {
        Self(Instant::now())
    }
}

impl Drop for DbTimer {
    fn drop(&mut self) {
        let elapsed = self.0.elapsed();
        let _outside_a_request = TIMINGS.try_with(|timings| {
            timings.db_time.set(timings.db_time.get() + elapsed);
            timings.db_calls.set(timings.db_calls.get() + 1);
        });
    }
}

type BoxStream<'e, T> = Pin<Box<dyn Stream<Item = T> + Send + 'e>>;
type BoxFutureOf<'e, T> = Pin<Box<dyn Future<Output = T> + Send + 'e>>;

/// A stream of rows that holds its [`DbTimer`] until the caller is done with it.
struct TimedStream<'e, T> {
    rows: BoxStream<'e, T>,
    _timer: DbTimer,
}

impl<T> Stream for TimedStream<'_, T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rows.as_mut().poll_next(cx)
    }
}

/// sqlx builds `fetch_one`, `fetch_all`, `execute` and the rest on these two calls, so
/// timing them times every query.
impl<'p> Executor<'p> for &TimedPool {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let _timer = DbTimer::start();
        Box::pin(TimedStream {
            rows: Executor::fetch_many(&self.0, query),
            _timer,
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFutureOf<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let timer = DbTimer::start();
        let row = Executor::fetch_optional(&self.0, query);
        Box::pin(async move {
            let _timer = timer;
            row.await
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFutureOf<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        Executor::prepare_with(&self.0, sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFutureOf<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'p: 'e,
    {
        Executor::describe(&self.0, sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(milliseconds: u64) -> Duration {
        Duration::from_millis(milliseconds)
    }

    #[test]
    fn the_header_lists_the_process_its_parts_and_the_database() {
        let timings = Timings::default();
        timings.add("stats", ms(2), None);
        timings.add("tasks", ms(1), None);
        timings.add("tasks", ms(1), None);
        timings.db_time.set(Duration::from_micros(420));
        timings.db_calls.set(2);
        assert_eq!(
            timings.header("app", ms(3), true),
            r#"app;dur=3.00, stats;dur=2.00, tasks;dur=2.00, db;dur=0.42;desc="2 queries""#
        );
        assert_eq!(
            Timings::default().header("gateway", ms(1), false),
            "gateway;dur=1.00"
        );
    }

    #[test]
    fn a_callee_header_parses_back_with_quoted_commas_and_escapes() {
        let entries = parse(
            r#"task-service;dur=1.5, db;dur=0.25;desc="1 query, \"cached\"", bad name;dur=1, nodur"#,
        );
        assert_eq!(
            entries,
            [
                Entry {
                    name: "task-service".into(),
                    duration: Duration::from_micros(1500),
                    description: None
                },
                Entry {
                    name: "db".into(),
                    duration: Duration::from_micros(250),
                    description: Some(r#"1 query, "cached""#.into())
                },
            ]
        );
        assert_eq!(
            entries[1].to_string(),
            r#"db;dur=0.25;desc="1 query, \"cached\"""#
        );
        assert!(parse("a;dur=-1, b;dur=x, c;dur").is_empty());
    }

    #[tokio::test]
    async fn callee_entries_are_prefixed_unless_named_after_the_callee() {
        let mut headers = HeaderMap::new();
        headers.insert(
            SERVER_TIMING,
            HeaderValue::from_static(
                "stats-service;dur=4, task-service;dur=2, task-service.db;dur=1;desc=\"1 query\"",
            ),
        );
        let header = TIMINGS
            .scope(Timings::default(), async {
                record_callee("stats-service", &headers);
                record_callee("stats-service", &headers); // a retry adds up
                TIMINGS.with(|timings| timings.header("gateway", ms(9), false))
            })
            .await;
        assert_eq!(
            header,
            "gateway;dur=9.00, stats-service;dur=8.00, stats-service.task-service;dur=4.00, \
             stats-service.task-service.db;dur=2.00;desc=\"1 query\""
        );
    }

    #[tokio::test]
    async fn sections_appear_in_the_order_they_started_and_nest() {
        let header = TIMINGS
            .scope(Timings::default(), async {
                section("stats", async {
                    tokio::time::sleep(ms(2)).await;
                    section("tasks", tokio::time::sleep(ms(1))).await;
                })
                .await;
                TIMINGS.with(|timings| timings.header("app", ms(5), false))
            })
            .await;
        let entries = parse(&header);
        let names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(names, ["app", "stats", "tasks"]);
        assert!(entries[1].duration >= ms(3), "{header}");
        assert!(entries[2].duration >= ms(1) && entries[2].duration < entries[1].duration);
    }

    #[tokio::test]
    async fn outside_a_request_nothing_is_recorded_and_nothing_fails() {
        assert_eq!(section("tasks", async { 7 }).await, 7);
        record_callee("task-service", &HeaderMap::new());
        drop(DbTimer::start());
    }
}
