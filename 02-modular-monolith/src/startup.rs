//! Building the application from settings, and running it until Ctrl-C or SIGTERM.

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::{config::Settings, database::Database, routes::app, state::AppState};

/// A bound, migrated, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to and migrates the database, then binds the port. Port 0 picks a free
    /// port, which is how tests run many instances side by side.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        if settings.jwt_secret.generated {
            warn_about_generated_secret();
        }
        let database = Database::connect(&settings.database_url).await?;
        database.migrate().await?;
        let state = AppState::new(database, &settings);
        let address = SocketAddr::new(settings.host, settings.port);
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("cannot listen on {address}: is another phase already running there? Set PORT to use another port")
        })?;
        Ok(Self {
            router: app(state.clone()),
            listener,
            state,
        })
    }

    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The wired state, for tests that want to reach past HTTP (e.g. close the database).
    pub fn state(&self) -> &AppState {
        &self.state
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
        tracing::info!(address = %self.listener.local_addr()?, "listening");
        axum::serve(
            self.listener,
            // The rate limiter keys on the client's IP, so it needs the peer address.
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("stopped");
        Ok(())
    }
}

fn warn_about_generated_secret() {
    tracing::warn!(
        "\n\
        ************************************************************************\n\
        *  JWT_SECRET is not set: using a RANDOM secret generated at start-up. *\n\
        *  Fine for local development; tokens stop working at every restart.   *\n\
        *  NEVER run like this in production: set JWT_SECRET (>= 32 bytes).    *\n\
        ************************************************************************"
    );
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
