//! Signed tokens (JWT, EdDSA and RS256) from the identity provider: the holder's role comes from
//! the claims; expired, not-yet-valid, wrong-audience, wrongly signed and `alg: none` tokens are
//! refused; production mode refuses the static development tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, token};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use tonic::Code;

fn fixture(name: &str) -> String {
    format!("{}/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn settings(mode: &str) -> String {
    format!(
        "mode = \"{mode}\"\n\n[jwt]\nissuer = \"https://idp.example.gov.cn\"\naudience = \"consult\"\nleeway_seconds = 30\n\n\
[[jwt.keys]]\nalgorithm = \"EdDSA\"\npublic_key_file = \"{}\"\n\n\
[[jwt.keys]]\nid = \"rsa-2026\"\nalgorithm = \"RS256\"\npublic_key_file = \"{}\"\n",
        fixture("ed25519-public.pem"),
        fixture("rsa-public.pem")
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(extra: serde_json::Value) -> serde_json::Value {
    let mut c = json!({
        "iss": "https://idp.example.gov.cn",
        "aud": "consult",
        "sub": "zhang.san@fgw",
        "role": "officer",
        "department": "fgw",
        "iat": now(),
        "nbf": now() - 5,
        "exp": now() + 600,
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn ed25519(c: &serde_json::Value, key: &str) -> String {
    let pem = std::fs::read(fixture(key)).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::EdDSA),
        c,
        &EncodingKey::from_ed_pem(&pem).unwrap(),
    )
    .unwrap()
}

fn rs256(c: &serde_json::Value) -> String {
    let pem = std::fs::read(fixture("rsa-private.pem")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-2026".into());
    jsonwebtoken::encode(&header, c, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

async fn caller(server: &TestServer, tok: &str) -> Result<pb::Caller, tonic::Status> {
    pb::caller_service_client::CallerServiceClient::new(server.channel.clone())
        .get_caller(authed(tok, pb::GetCallerRequest {}))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_tokens_carry_the_role_and_bad_ones_are_refused() {
    let server =
        TestServer::start_with(beijing("2026-03-02 10:00"), &settings("development")).await;

    let me = caller(&server, &ed25519(&claims(json!({})), "ed25519-private.pem"))
        .await
        .unwrap();
    assert_eq!(
        (me.principal.as_str(), me.role, me.department.as_str()),
        ("zhang.san@fgw", pb::PrincipalRole::Officer as i32, "fgw")
    );
    let auditor = rs256(&claims(json!({"sub": "li.si@sjj", "role": "auditor"})));
    assert_eq!(
        caller(&server, &auditor).await.unwrap().role,
        pb::PrincipalRole::Auditor as i32
    );
    // The role is the token's: an officer token may open a consultation of its department.
    let officer = ed25519(&claims(json!({})), "ed25519-private.pem");
    let created = server
        .consultations()
        .create_consultation(authed(
            &officer,
            pb::CreateConsultationRequest {
                consultation: Some(consult_e2e::draft("关于签名令牌的测试事项")),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.creator, "zhang.san@fgw");
    // Within the tolerated skew.
    let skewed = ed25519(&claims(json!({"exp": now() - 10})), "ed25519-private.pem");
    assert!(caller(&server, &skewed).await.is_ok());

    let refused = [
        (
            ed25519(&claims(json!({"exp": now() - 3600})), "ed25519-private.pem"),
            "过期",
        ),
        (
            ed25519(&claims(json!({"nbf": now() + 3600})), "ed25519-private.pem"),
            "尚未生效",
        ),
        (
            ed25519(
                &claims(json!({"aud": "another-service"})),
                "ed25519-private.pem",
            ),
            "受众",
        ),
        (
            ed25519(
                &claims(json!({"iss": "https://evil.example"})),
                "ed25519-private.pem",
            ),
            "签发方",
        ),
        (
            ed25519(&claims(json!({})), "intruder-ed25519-private.pem"),
            "签名无效",
        ),
        (
            ed25519(
                &claims(json!({"role": "officer", "department": ""})),
                "ed25519-private.pem",
            ),
            "身份不完整",
        ),
        (
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
                URL_SAFE_NO_PAD.encode(claims(json!({"role": "auditor"})).to_string())
            ),
            "算法",
        ),
        (
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
                URL_SAFE_NO_PAD.encode(claims(json!({})).to_string()),
                URL_SAFE_NO_PAD.encode(b"guessed-secret")
            ),
            "没有可验证该令牌的密钥",
        ),
    ];
    for (tok, why) in refused {
        assert_status(caller(&server, &tok).await, Code::Unauthenticated, why);
    }
    // Development mode still takes the static tokens of the settings file.
    assert_eq!(
        caller(&server, token::OFFICER_FGW).await.unwrap().principal,
        "officer-fgw"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_mode_refuses_static_tokens() {
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &settings("production")).await;
    assert_status(
        caller(&server, token::OFFICER_FGW).await,
        Code::Unauthenticated,
        "生产模式",
    );
    assert_status(
        caller(&server, token::PORTAL).await,
        Code::Unauthenticated,
        "生产模式",
    );
    let signed = ed25519(&claims(json!({})), "ed25519-private.pem");
    assert_eq!(
        caller(&server, &signed).await.unwrap().principal,
        "zhang.san@fgw"
    );
}
