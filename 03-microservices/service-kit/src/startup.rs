//! Binding a port and serving a router until Ctrl-C or SIGTERM: the same for every service.
//! Each service's own `startup.rs` builds its router and hands it to [`Application::bind`].

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use axum::{Router, serve::ListenerExt};
use tokio::net::TcpListener;

use crate::config::{FromEnv, Listen};

/// Every service's `main`: logging, settings from the environment, `build`, then serve
/// until Ctrl-C or SIGTERM. A setting that is present but invalid stops it with a message.
pub fn run<S, F, Fut>(build: F) -> anyhow::Result<()>
where
    S: FromEnv,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = anyhow::Result<Application>>,
{
    crate::telemetry::init()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let settings = S::from_env()?;
            build(settings).await?.run_until_stopped().await
        })
}

/// A bound, ready-to-serve service.
pub struct Application {
    service: &'static str,
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `host:port`. Port 0 picks a free port, which is how tests run many side by side.
    pub async fn bind(
        service: &'static str,
        listen: Listen,
        router: Router,
    ) -> anyhow::Result<Self> {
        let address = SocketAddr::new(listen.host, listen.port);
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("{service} cannot listen on {address}: is something already running there? Set PORT to use another port")
        })?;
        Ok(Self {
            service,
            listener,
            router,
        })
    }

    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves in the background (for tests) and returns the base URL, `http://<address>`.
    pub fn spawn(self) -> anyhow::Result<String> {
        let url = format!("http://{}", self.address()?);
        tokio::spawn(self.run_until_stopped());
        Ok(url)
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let service = self.service;
        tracing::info!(service, address = %self.listener.local_addr()?, "listening");
        axum::serve(
            // Small answers go out at once instead of waiting for the peer's ACK (Nagle):
            // every request here is a hop in a chain, so each hop's latency adds up.
            self.listener.tap_io(|stream| {
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::warn!(%error, "cannot set TCP_NODELAY");
                }
            }),
            // The gateway's rate limiter keys on the client's IP, so it needs the peer address.
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!(service, "stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
