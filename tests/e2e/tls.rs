//! TLS on the gRPC port: `consultctl` reaches an https server with the CA it is given; with
//! mutual TLS a client certificate from an unknown CA (or none) is refused at the handshake, and
//! a certificate registered to a calling system identifies it without a token.

use consult_api::pb;
use consult_e2e::{
    TestServer, assert_status, authed, beijing, comment, consultctl, tls_fixture, token,
};
use tonic::Code;
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

async fn connect(server: &TestServer, identity: Option<(&str, &str)>) -> Result<Channel, String> {
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
    Channel::from_shared(server.grpc.clone())
        .unwrap()
        .tls_config(config)
        .unwrap()
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))
}

async fn call_with(
    server: &TestServer,
    identity: Option<(&str, &str)>,
) -> Result<pb::Caller, String> {
    let channel = connect(server, identity).await?;
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

/// A calling system registered by its certificate's common name (`portal`), channel PORTAL.
const GATEWAY: &str = "\n[[principals]]\nid = \"portal-gateway\"\nrole = \"calling_system\"\nchannels = [\"PORTAL\"]\ncertificate_common_name = \"portal\"\n";

async fn whoami(channel: &Channel, token: Option<&str>) -> Result<pb::Caller, tonic::Status> {
    let mut request = tonic::Request::new(pb::GetCallerRequest {});
    if let Some(t) = token {
        request = authed(t, pb::GetCallerRequest {});
    }
    pb::caller_service_client::CallerServiceClient::new(channel.clone())
        .get_caller(request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_client_certificate_identifies_its_calling_system() {
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        &format!("{}{GATEWAY}", tls_settings(true)),
    )
    .await;
    let c = crate::published(&server, "关于规范共享单车停放的通知（征求意见稿）").await;
    let portal = connect(&server, Some(("client.pem", "client.key")))
        .await
        .unwrap();

    // The certificate alone says who calls: the registered system, with its channels.
    let me = whoami(&portal, None).await.unwrap();
    assert_eq!(me.principal, "portal-gateway");
    assert_eq!(me.role, pb::PrincipalRole::CallingSystem as i32);
    assert_eq!(me.channels, vec![pb::Channel::Portal as i32]);
    let submitted = pb::comment_service_client::CommentServiceClient::new(portal.clone())
        .submit_comment(pb::SubmitCommentRequest {
            parent: c.name.clone(),
            comment: Some(comment(pb::Channel::Portal, "建议在地铁站口划定停放区")),
            request_id: "mtls-1".into(),
            validate_only: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(submitted.submitted_by, "portal-gateway");
    // Its channels bind it like a token's would.
    let wrong_channel = pb::comment_service_client::CommentServiceClient::new(portal.clone())
        .submit_comment(pb::SubmitCommentRequest {
            parent: c.name.clone(),
            comment: Some(comment(pb::Channel::Wechat, "经微信提交")),
            request_id: "mtls-2".into(),
            validate_only: false,
        })
        .await;
    assert_status(wrong_channel, Code::PermissionDenied, "WECHAT");

    // A token naming another caller than the certificate is refused, naming both.
    let mixed = whoami(&portal, Some(token::HOTLINE)).await;
    assert_status(mixed, Code::Unauthenticated, "portal-gateway");

    // A certificate of the CA registered to nobody identifies nobody: the token decides.
    let office = connect(&server, Some(("office.pem", "office.key")))
        .await
        .unwrap();
    assert_status(whoami(&office, None).await, Code::Unauthenticated, "");
    assert_eq!(
        whoami(&office, Some(token::OFFICER_FGW))
            .await
            .unwrap()
            .principal,
        "officer-fgw"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_accepts_certificates_and_refuses_static_tokens() {
    let production = format!(
        "mode = \"production\"\n{}[jwt]\nissuer = \"https://idp.example.gov.cn\"\naudience = \"consult\"\n\
         [[jwt.keys]]\nalgorithm = \"EdDSA\"\npublic_key_file = \"{}/fixtures/jwt/ed25519-public.pem\"\n{GATEWAY}",
        tls_settings(true),
        env!("CARGO_MANIFEST_DIR")
    );
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &production).await;
    let portal = connect(&server, Some(("client.pem", "client.key")))
        .await
        .unwrap();
    assert_eq!(
        whoami(&portal, None).await.unwrap().principal,
        "portal-gateway"
    );
    let office = connect(&server, Some(("office.pem", "office.key")))
        .await
        .unwrap();
    assert_status(
        whoami(&office, Some(token::PORTAL)).await,
        Code::Unauthenticated,
        "生产模式",
    );
}
