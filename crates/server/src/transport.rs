//! How the two listeners accept connections: Nagle's algorithm off on every connection, and no
//! connection held open for a client that says nothing. The gRPC port closes a connection that
//! has not sent its HTTP/2 preface in time (with TLS, tonic's handshake timeout bounds the
//! rest); the page port closes one whose request headers are not complete in time, which also
//! ends idle keep-alive connections.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// Length of the HTTP/2 client preface, `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`. Under TLS the bytes
/// counted are those of the handshake, of which any ClientHello has more.
const PREFACE_LEN: usize = 24;

/// How often an HTTP/2 connection is pinged, and how long the answer may take: a client that
/// vanished without closing (a dead NAT entry, a pulled cable) is dropped instead of being
/// kept for ever.
pub(crate) const HTTP2_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
/// See [`HTTP2_KEEPALIVE_INTERVAL`].
pub(crate) const HTTP2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections accepted but not yet taken by the gRPC server; accepting waits while it is full.
const ACCEPT_QUEUE: usize = 64;

/// The gRPC listener's connections, for `serve_with_incoming_shutdown`. The accept loop stops,
/// closing the port, when the server drops the stream (it does so on its shutdown signal).
pub(crate) fn grpc_connections(
    listener: TcpListener,
    preface_timeout: Duration,
) -> ReceiverStream<Result<GrpcConnection, Infallible>> {
    let (tx, rx) = mpsc::channel(ACCEPT_QUEUE);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = tx.closed() => break,
                stream = accept(&listener) => stream,
            };
            let connection = GrpcConnection::new(stream, preface_timeout);
            if tx.send(Ok(connection)).await.is_err() {
                break;
            }
        }
    });
    ReceiverStream::new(rx)
}

/// A gRPC connection whose reads fail once its deadline passes before it has sent
/// [`PREFACE_LEN`] bytes; hyper (or the TLS handshake) then drops it. Tonic wraps it in TLS
/// itself when TLS is configured, so the bytes counted here are then the handshake's.
pub(crate) struct GrpcConnection {
    stream: TcpStream,
    /// Running until the preface is in, then dropped: an established connection pays nothing.
    deadline: Option<Pin<Box<Sleep>>>,
    received: usize,
}

impl GrpcConnection {
    fn new(stream: TcpStream, preface_timeout: Duration) -> Self {
        Self {
            stream,
            deadline: Some(Box::pin(tokio::time::sleep(preface_timeout))),
            received: 0,
        }
    }
}

impl AsyncRead for GrpcConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        let Some(deadline) = this.deadline.as_mut() else {
            return polled;
        };
        match polled {
            Poll::Ready(Ok(())) => {
                this.received += buf.filled().len() - before;
                if this.received >= PREFACE_LEN {
                    this.deadline = None;
                }
                Poll::Ready(Ok(()))
            }
            // Waiting for bytes: wake up at the deadline too, to fail the read then.
            Poll::Pending => match deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no HTTP/2 preface or TLS handshake in time",
                ))),
                Poll::Pending => Poll::Pending,
            },
            failed => failed,
        }
    }
}

impl AsyncWrite for GrpcConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The TCP stream's own connection info: `remote_addr()` and, under mutual TLS, the client
/// certificate (which tonic looks up by this type) keep working.
impl Connected for GrpcConnection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

/// Serves the public pages over HTTP/1.1 until `stop` turns true, then lets requests in flight
/// finish (idle connections close at once) and returns once every connection has closed.
pub(crate) async fn serve_pages(
    listener: TcpListener,
    pages: axum::Router,
    header_timeout: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut open = JoinSet::new();
    let mut stopped = stop.clone();
    loop {
        tokio::select! {
            () = stopped_on(&mut stopped) => break,
            stream = accept(&listener) => {
                open.spawn(serve_page_connection(
                    stream,
                    pages.clone(),
                    header_timeout,
                    stop.clone(),
                ));
            }
            // Reaps finished connections, so that the set holds open ones only.
            Some(_) = open.join_next() => {}
        }
    }
    drop(listener);
    while open.join_next().await.is_some() {}
}

async fn serve_page_connection(
    stream: TcpStream,
    pages: axum::Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper enforces the header timeout only with a timer. It runs from the moment hyper waits
    // for a request head, so it covers a new connection that sends nothing, a head sent a byte
    // at a time, and the idle time between keep-alive requests.
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    // The form's per-address limit needs the peer; a connection whose peer is gone already
    // is served without it and refused by the form.
    let pages = match stream.peer_addr() {
        Ok(peer) => pages.layer(axum::Extension(axum::extract::ConnectInfo(peer))),
        Err(_) => pages,
    };
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(pages));
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        served = connection.as_mut() => {
            if let Err(e) = served {
                tracing::debug!(error = %e, "page connection ended");
            }
        }
        () = stopped_on(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "page connection ended while stopping");
            }
        }
    }
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped_on(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The next connection, with Nagle's algorithm off.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // A reply that leaves in two writes (headers before its message is ready) would
                // otherwise hold the second until the client's delayed ACK, 40 ms on Linux.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::warn!(error = %e, "cannot set TCP_NODELAY");
                }
                return stream;
            }
            // The client gave up between its SYN and our accept: nothing to do.
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                // Out of file descriptors, typically: retrying at once would spin; meanwhile
                // connection timeouts free some.
                tracing::error!(error = %e, "cannot accept connections; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
