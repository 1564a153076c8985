//! `cargo run --release -p ceiling`: the benchmark ceiling on `PORT` (default 8000), for
//! `workshop bench` or any load generator. See the library's documentation for what it is.

use anyhow::Context;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Like the phases: a PORT that is set but invalid stops start-up and names the variable.
    let port: u16 = match std::env::var("PORT") {
        Ok(raw) => raw
            .parse()
            .with_context(|| format!("PORT must be a port number, not {raw:?}"))?,
        Err(_) => 8000,
    };
    // Loopback only: the ceiling is a measuring stick for this machine, not a service.
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}; set PORT to another"))?;
    println!("ceiling on http://{}", listener.local_addr()?);
    axum::serve(listener, ceiling::app()).await?;
    Ok(())
}
