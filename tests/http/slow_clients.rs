//! Slow and idle clients against the real accept loop (`ecaf_web::server::serve`) on loopback:
//! half-sent requests and idle kept-alive connections are closed, the connection cap holds
//! further connections back, and shutdown waits for requests in progress, within a bound.
use ecaf_tests::{Db, TestApp, ADMIN, PASSWORD};
use ecaf_web::server::{serve, ConnectionLimits};
use ecaf_web::WebConfig;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The real application served on a free loopback port until `stop` is sent.
struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    app: TestApp,
}

impl Server {
    async fn start(config: WebConfig, limits: ConnectionLimits) -> Server {
        let app = TestApp::with_config(Db::Sqlite, config).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app.router.clone(), limits, async {
            let _ = stopped.await;
        }));
        Server {
            address,
            stop: Some(stop),
            task,
            app,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.expect("connect")
    }

    /// Begin shutting down; `task` finishes when `serve` returns.
    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn limits(header_read_timeout: Duration, max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout,
        max_connections,
        shutdown_timeout: Duration::from_secs(5),
    }
}

// tokio's io-util is not enabled in this workspace; the readiness calls of `net` are enough.
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            other => return other,
        }
    }
}

/// Whether the server has closed the connection: a read returns end of file or a reset
/// (anything sent but unread by the server may turn the close into a reset).
async fn closed_by_server(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    match read_some(stream, &mut buf).await {
        Ok(0) | Err(_) => true,
        Ok(_) => false,
    }
}

/// One whole response read from the connection: head and body.
async fn read_response(stream: &TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = read_some(stream, &mut buf).await.expect("read a response");
        assert!(n > 0, "connection closed before a whole response");
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// A request on a connection of its own, answered within two seconds.
async fn healthy(server: &Server) {
    let stream = server.connect().await;
    write_all(&stream, HEALTH).await.expect("send");
    let response = tokio::time::timeout(Duration::from_secs(2), read_response(&stream))
        .await
        .expect("answered in time");
    assert_eq!(status(&response), "HTTP/1.1 200 OK");
}

fn status(response: &str) -> &str {
    response.lines().next().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(WebConfig::default(), limits(timeout, 1024)).await;
    let mut stalled = Vec::new();
    for _ in 0..50 {
        let stream = server.connect().await;
        write_all(&stream, b"GET /healthz HTTP/1.1\r\nHost: 127.0.")
            .await
            .expect("send half a request");
        stalled.push((stream, Instant::now()));
    }
    healthy(&server).await;

    for (stream, opened) in &stalled {
        let closed = tokio::time::timeout(Duration::from_secs(3), closed_by_server(stream))
            .await
            .expect("closed by the server within 3 seconds");
        assert!(closed, "the server answered a half-sent request");
        let after = opened.elapsed();
        assert!(
            after >= timeout - Duration::from_millis(100),
            "closed after {after:?}, before the header read timeout"
        );
    }
    healthy(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_client_address_of_the_connection() {
    let server = Server::start(WebConfig::default(), limits(Duration::from_secs(5), 16)).await;
    let stream = server.connect().await;
    write_all(&stream, b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("send");
    let page = read_response(&stream).await;
    let form_cookie = page
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: ecaf_form="))
        .and_then(|rest| rest.split(';').next())
        .expect("a form cookie");
    let token = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token on the page");
    let body =
        serde_urlencoded::to_string([("email", ADMIN), ("password", PASSWORD)]).expect("form body");
    let request = format!(
        "POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ecaf_form={form_cookie}\r\n\
         X-CSRF-Token: {token}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    write_all(&stream, request.as_bytes()).await.expect("send");
    let signed_in = read_response(&stream).await;
    assert_eq!(status(&signed_in), "HTTP/1.1 303 See Other", "{signed_in}");
    assert_eq!(
        server
            .app
            .count(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in.success' \
                 AND source_address = '127.0.0.1'"
            )
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(WebConfig::default(), limits(timeout, 1024)).await;
    let stream = server.connect().await;
    // Three requests 0.7 s apart: more than the timeout since the connection opened, so the
    // timer starts again after each response rather than once per connection.
    for n in 0..3 {
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
        write_all(&stream, HEALTH).await.expect("send");
        assert_eq!(status(&read_response(&stream).await), "HTTP/1.1 200 OK");
    }
    let idle = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(3), closed_by_server(&stream))
        .await
        .expect("idle connection closed within 3 seconds");
    assert!(closed);
    let after = idle.elapsed();
    assert!(
        after >= timeout - Duration::from_millis(100),
        "closed after {after:?} idle, before the timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = Server::start(WebConfig::default(), limits(Duration::from_secs(30), 5)).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        let stream = server.connect().await;
        write_all(&stream, HEALTH).await.expect("send");
        assert_eq!(status(&read_response(&stream).await), "HTTP/1.1 200 OK");
        held.push(stream);
    }
    // The sixth is queued by the kernel, not served.
    let sixth = server.connect().await;
    write_all(&sixth, HEALTH).await.expect("send");
    let early = tokio::time::timeout(Duration::from_millis(700), read_response(&sixth)).await;
    assert!(early.is_err(), "a sixth connection was served: {early:?}");
    // The five still get answers.
    write_all(&held[1], HEALTH).await.expect("send");
    assert_eq!(status(&read_response(&held[1]).await), "HTTP/1.1 200 OK");

    drop(held.remove(0));
    let response = tokio::time::timeout(Duration::from_secs(2), read_response(&sixth))
        .await
        .expect("the sixth is served once one of the five closes");
    assert_eq!(status(&response), "HTTP/1.1 200 OK");
}

/// A page form whose body is announced but only partly sent.
const PARTIAL_FORM: &[u8] = b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\
    Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_body_is_cut_off_at_the_request_timeout() {
    let config = WebConfig {
        request_timeout: Duration::from_secs(1),
        ..WebConfig::default()
    };
    let server = Server::start(config, limits(Duration::from_secs(30), 1024)).await;
    let stream = server.connect().await;
    let sent = Instant::now();
    write_all(&stream, PARTIAL_FORM).await.expect("send");
    let response = tokio::time::timeout(Duration::from_secs(3), read_response(&stream))
        .await
        .expect("answered within 3 seconds");
    assert_eq!(status(&response), "HTTP/1.1 503 Service Unavailable");
    assert!(sent.elapsed() >= Duration::from_millis(900));
    let closed = tokio::time::timeout(Duration::from_secs(2), closed_by_server(&stream))
        .await
        .expect("closed after the answer");
    assert!(closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_refuses_new_connections_and_lets_a_request_in_progress_finish() {
    let mut server =
        Server::start(WebConfig::default(), limits(Duration::from_secs(30), 1024)).await;
    let stream = server.connect().await;
    write_all(&stream, PARTIAL_FORM).await.expect("send");
    // Let the server take the request before shutting down.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.shut_down();

    let deadline = Instant::now() + Duration::from_secs(2);
    while TcpStream::connect(server.address).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting after shutdown");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !server.task.is_finished(),
        "returned with a request in progress"
    );

    // The rest of the body: the request is answered (refused for want of a form token).
    write_all(&stream, &[b'x'; 93])
        .await
        .expect("send the rest");
    let response = tokio::time::timeout(Duration::from_secs(2), read_response(&stream))
        .await
        .expect("answered");
    assert!(status(&response).starts_with("HTTP/1.1 "), "{response}");
    tokio::time::timeout(Duration::from_secs(2), &mut server.task)
        .await
        .expect("serve returns once the last request is done")
        .expect("serve did not panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_no_longer_than_its_timeout() {
    let limits = ConnectionLimits {
        shutdown_timeout: Duration::from_millis(500),
        ..limits(Duration::from_secs(30), 1024)
    };
    let mut server = Server::start(WebConfig::default(), limits).await;
    let stream = server.connect().await;
    write_all(&stream, PARTIAL_FORM).await.expect("send");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = Instant::now();
    server.shut_down();
    tokio::time::timeout(Duration::from_secs(2), &mut server.task)
        .await
        .expect("serve returns after its shutdown timeout")
        .expect("serve did not panic");
    assert!(stopping.elapsed() >= Duration::from_millis(450));
    // The request that never finished had its connection closed.
    let closed = tokio::time::timeout(Duration::from_secs(1), closed_by_server(&stream))
        .await
        .expect("closed");
    assert!(closed);
}
