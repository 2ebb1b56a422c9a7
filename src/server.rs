//! Starting and stopping the HTTP server.

use std::{future::Future, net::SocketAddr};

use tokio::net::TcpListener;

use crate::{AppState, config::Settings, db::DbError, error::AppError, services, web};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare the instance keys: {0}")]
    Keys(AppError),
    #[error("cannot prepare the first-run link: {0}")]
    Setup(AppError),
    #[error("server stopped with an error: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database (migrating it), makes sure the instance has its keys,
/// then serves until SIGINT or SIGTERM.
pub async fn serve(settings: Settings) -> Result<(), ServeError> {
    if settings.federation.debug {
        tracing::warn!(
            "federation.debug is ON: plain http and loopback peers are accepted. \
             Never use this setting in production."
        );
    }
    let state = AppState::open(settings).await?;
    services::instance::ensure_keys(&state)
        .await
        .map_err(ServeError::Keys)?;
    if services::sessions::needs_setup(&state)
        .await
        .map_err(ServeError::Setup)?
    {
        let link = services::sessions::setup_link(&state)
            .await
            .map_err(ServeError::Setup)?;
        // The public link is https, behind the reverse proxy; a local run
        // (`cargo run -- serve`) is plain http on `bind`.
        let local = format!(
            "http://{}{}",
            state.settings.bind,
            link.find("/setup").map_or("", |at| &link[at..])
        );
        tracing::warn!(
            %link,
            %local,
            "no account yet: open this link to create the first admin \
             (or run `preau admin create-admin`)"
        );
    }
    let addr = state.settings.bind;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    tracing::info!(
        %addr,
        domain = %state.settings.domain,
        database = %state.db.backend(),
        "préau is listening"
    );
    let federation = crate::federation::config(state.clone())
        .await
        .map_err(|e| ServeError::Keys(AppError::internal(e)))?;
    let stopping = tokio_util::sync::CancellationToken::new();
    let workers = crate::federation::delivery::spawn(federation.clone(), stopping.clone());
    crate::federation::directory::spawn_periodic(federation.clone(), stopping.clone());
    crate::federation::mirror::spawn_periodic(state.clone(), stopping.clone());
    crate::services::uploads::spawn_sweeper(state.clone(), stopping.clone());
    let flusher = crate::services::statistics::spawn_flush(state.clone(), stopping.clone());
    let stop = stopping.clone();
    let served = run_router(web::router(state, federation), listener, async move {
        shutdown_signal().await;
        stop.cancel();
    })
    .await;
    stopping.cancel();
    // The outbox is durable: what is not delivered now is delivered after
    // the restart.
    let _ = workers.await;
    let _ = flusher.await;
    served?;
    tracing::info!("préau stopped");
    Ok(())
}

/// Serves a router on an already bound listener until `shutdown`
/// completes, then lets in-flight requests finish.
pub async fn run_router(
    router: axum::Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
