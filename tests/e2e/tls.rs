//! TLS on the gRPC port: `consultctl` reaches an https server with the CA it is given, and with
//! mutual TLS a client certificate from an unknown CA (or none) is refused at the handshake.

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, consultctl, tls_fixture, token};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

fn tls_settings(mutual: bool) -> String {
    let mut s = format!(
        "[tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
        tls_fixture("server.pem"),
        tls_fixture("server.key")
    );
    if mutual {
        s.push_str(&format!("client_ca_file = \"{}\"\n", tls_fixture("ca.pem")));
    }
    s
}

async fn call_with(
    server: &TestServer,
    identity: Option<(&str, &str)>,
) -> Result<pb::Caller, String> {
    let mut config = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(
            std::fs::read(tls_fixture("ca.pem")).unwrap(),
        ))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        config = config.identity(Identity::from_pem(
            std::fs::read(tls_fixture(cert)).unwrap(),
            std::fs::read(tls_fixture(key)).unwrap(),
        ));
    }
    let channel = Channel::from_shared(server.grpc.clone())
        .unwrap()
        .tls_config(config)
        .unwrap()
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    pb::caller_service_client::CallerServiceClient::new(channel)
        .get_caller(authed(token::PORTAL, pb::GetCallerRequest {}))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| format!("{s:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consultctl_speaks_tls_with_the_ca_it_is_given() {
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &tls_settings(false)).await;
    assert!(server.grpc.starts_with("https://"));
    let ca = tls_fixture("ca.pem");
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["whoami", "--ca-cert", &ca, "-o", "json"],
    )
    .await
    .expect(0);
    assert_eq!(run.json()["principal"], "officer-fgw");
    // Without the private CA the server's certificate is not trusted: no connection.
    let run = consultctl(&server.grpc, Some(token::OFFICER_FGW), &["whoami"])
        .await
        .expect(6);
    assert!(run.stderr.contains("无法连接服务器"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_certificates_of_an_unknown_ca() {
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &tls_settings(true)).await;
    let me = call_with(&server, Some(("client.pem", "client.key")))
        .await
        .unwrap();
    assert_eq!(me.principal, "portal");
    let intruder = call_with(&server, Some(("intruder.pem", "intruder.key"))).await;
    assert!(
        intruder.is_err(),
        "a certificate of an unknown CA was accepted"
    );
    let none = call_with(&server, None).await;
    assert!(none.is_err(), "a client without a certificate was accepted");
}
