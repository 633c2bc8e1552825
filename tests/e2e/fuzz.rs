//! Every request type fuzzed against the running server: random, hostile and malformed
//! messages built from the descriptors, sent by every kind of caller. Never a panic or an
//! INTERNAL status; a refusal writes nothing; the audit chains hold at the end.
//!
//! Bounded for CI (`CONSULT_FUZZ_CASES`, default 24 per RPC); reproduce a run with the
//! `CONSULT_FUZZ_SEED` it prints. Longer runs: see the README.

use std::str::FromStr;

use consult_api::google::longrunning::Operation;
use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, token};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, Value,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;

use crate::matrix::Raw;

/// Text a hostile or careless caller might send.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "\u{3000}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE comments; --",
    "\" OR 1=1 --",
    "%00",
    "\u{0}",
    "\u{200B}\u{200C}\u{200D}\u{FEFF}",
    "\u{202E}gnp.exe",
    "\\uD800\\uDFFF",
    "\u{1F600}\u{1F1E8}\u{1F1F3}",
    "../../etc/passwd",
    "consultations/",
    "consultations/../x",
    "consultations/%2e%2e/comments/x",
    "consultations/01ZZZZZZZZZZZZZZZZZZZZZZZZ",
    "第五条",
    "采纳",
    "X府规〔2026〕3号",
    "2026-02-30",
    "2026-05-20",
    "9999-12-31",
    "PORTAL",
    "fgw",
    "jtj",
    "title",
    "summary",
    "closes_at",
    "YJ7K-2M9Q-XW4D",
    "张三 13800138000 zhangsan@example.cn 110101199003074578",
];

struct Fuzzer {
    rng: StdRng,
    /// Real resource names of the fixture, so that random requests reach past name parsing.
    names: Vec<String>,
}

impl Fuzzer {
    fn text(&mut self) -> String {
        match self.rng.random_range(0..10) {
            0..=3 => self.names[self.rng.random_range(0..self.names.len())].clone(),
            4..=7 => HOSTILE[self.rng.random_range(0..HOSTILE.len())].to_owned(),
            8 => {
                let unit = HOSTILE[self.rng.random_range(0..HOSTILE.len())];
                let n = self.rng.random_range(100..4_000);
                unit.repeat(n / unit.len().max(1) + 1)
            }
            _ => (0..self.rng.random_range(1..40))
                .map(|_| {
                    char::from_u32(self.rng.random_range(0x20..0x3_0000)).unwrap_or('\u{FFFD}')
                })
                .collect(),
        }
    }

    fn int(&mut self) -> i64 {
        const EDGES: &[i64] = &[
            0,
            1,
            -1,
            7,
            30,
            1_000,
            1_001,
            i32::MAX as i64,
            i32::MIN as i64,
        ];
        if self.rng.random_bool(0.7) {
            EDGES[self.rng.random_range(0..EDGES.len())]
        } else {
            self.rng.random::<i32>() as i64
        }
    }

    fn scalar(&mut self, kind: &Kind) -> Value {
        match kind {
            Kind::Bool => Value::Bool(self.rng.random()),
            Kind::String => Value::String(self.text()),
            Kind::Bytes => Value::Bytes(self.text().into_bytes().into()),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                Value::I32(i32::try_from(self.int()).unwrap_or(i32::MAX))
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(self.int()),
            Kind::Uint32 | Kind::Fixed32 => Value::U32(self.rng.random()),
            Kind::Uint64 | Kind::Fixed64 => Value::U64(self.rng.random()),
            Kind::Float => Value::F32(self.rng.random()),
            Kind::Double => Value::F64(self.rng.random()),
            Kind::Enum(e) => {
                let defined: Vec<i32> = e.values().map(|v| v.number()).collect();
                Value::EnumNumber(match self.rng.random_range(0..10) {
                    0 => 999,
                    1 => -1,
                    _ => defined[self.rng.random_range(0..defined.len())],
                })
            }
            Kind::Message(m) => Value::Message(self.message(m, 1)),
        }
    }

    fn value(&mut self, field: &FieldDescriptor, depth: usize) -> Value {
        match field.kind() {
            Kind::Message(m) => Value::Message(self.message(&m, depth + 1)),
            other => self.scalar(&other),
        }
    }

    fn message(&mut self, desc: &MessageDescriptor, depth: usize) -> DynamicMessage {
        let mut msg = DynamicMessage::new(desc.clone());
        match desc.full_name() {
            "google.protobuf.Timestamp" => {
                const SECONDS: &[i64] = &[
                    0,
                    -1,
                    1_780_000_000,
                    1_800_000_000,
                    253_402_300_800,
                    i64::MAX,
                    i64::MIN,
                ];
                let s = SECONDS[self.rng.random_range(0..SECONDS.len())];
                msg.set_field_by_name("seconds", Value::I64(s));
                let nanos = [0, -1, 999_999_999, 1_000_000_000][self.rng.random_range(0..4)];
                msg.set_field_by_name("nanos", Value::I32(nanos));
                return msg;
            }
            "google.protobuf.FieldMask" => {
                let paths = (0..self.rng.random_range(0..4))
                    .map(|_| Value::String(self.text()))
                    .collect();
                msg.set_field_by_name("paths", Value::List(paths));
                return msg;
            }
            _ => {}
        }
        if depth > 3 {
            return msg;
        }
        for field in desc.fields() {
            if field.is_map() || !self.rng.random_bool(0.7) {
                continue;
            }
            let v = if field.is_list() {
                let n = if self.rng.random_bool(0.05) {
                    self.rng.random_range(1_000..1_200)
                } else {
                    self.rng.random_range(0..4)
                };
                Value::List((0..n).map(|_| self.value(&field, depth)).collect())
            } else {
                self.value(&field, depth)
            };
            msg.set_field(&field, v);
        }
        msg
    }

    /// A request body: mostly structured, sometimes bytes that are not a message at all.
    fn body(&mut self, desc: &MessageDescriptor) -> Vec<u8> {
        let structured = self.message(desc, 0).encode_to_vec();
        match self.rng.random_range(0..12) {
            0 => (0..self.rng.random_range(1..64))
                .map(|_| self.rng.random())
                .collect(),
            1 if structured.len() > 1 => {
                structured[..self.rng.random_range(1..structured.len())].to_vec()
            }
            _ => structured,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_type_survives_random_and_hostile_messages() {
    let cases: usize = std::env::var("CONSULT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let seed: u64 = std::env::var("CONSULT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("fuzz: CONSULT_FUZZ_SEED={seed} CONSULT_FUZZ_CASES={cases}");

    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let f = crate::fixture(&server).await;
    let open = f.open;
    let mut names = vec![f.draft.name, open.name.clone(), f.group];
    names.extend(f.comments.iter().map(|c| c.name.clone()));
    names.extend(f.comments.into_iter().map(|c| c.receipt_code));
    names.push(format!("{}/comments/01ZZZZZZZZZZZZZZZZZZZZZZZZ", open.name));

    let pool = DescriptorPool::decode(consult_api::FILE_DESCRIPTOR_SET).unwrap();
    let callers = [
        None,
        Some(token::OFFICER_FGW),
        Some(token::OFFICER_JTJ),
        Some(token::PORTAL),
        Some(token::AUDITOR),
        Some(token::ADMIN),
    ];
    let mut fuzzer = Fuzzer {
        rng: StdRng::seed_from_u64(seed),
        names,
    };
    let mut grpc = tonic::client::Grpc::new(server.channel.clone())
        .max_decoding_message_size(64 * 1024 * 1024);
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    let mut rpcs = 0;
    for service in pool
        .services()
        .filter(|s| ["consult.v1", "google.longrunning"].contains(&s.package_name()))
    {
        for method in service.methods() {
            rpcs += 1;
            for case in 0..cases {
                let body = fuzzer.body(&method.input());
                let caller = callers[case % callers.len()];
                let mut request = tonic::Request::new(body.clone());
                if let Some(t) = caller {
                    request
                        .metadata_mut()
                        .insert("authorization", format!("Bearer {t}").parse().unwrap());
                }
                let before = server.row_counts().await;
                grpc.ready().await.unwrap();
                let path =
                    PathAndQuery::from_str(&format!("/{}/{}", service.full_name(), method.name()))
                        .unwrap();
                let what = format!(
                    "{}/{} as {caller:?} (seed {seed}, case {case}, body {})",
                    service.name(),
                    method.name(),
                    hex::encode(&body[..body.len().min(64)])
                );
                let answer = if method.is_server_streaming() {
                    // A stream may stay open (a watch from now): its first message, or a
                    // second of silence, is an answer; errors come before or in it.
                    match grpc.server_streaming(request, path, Raw).await {
                        Ok(reply) => {
                            let mut stream = reply.into_inner();
                            match tokio::time::timeout(
                                std::time::Duration::from_secs(1),
                                stream.message(),
                            )
                            .await
                            {
                                Ok(Err(s)) => Err(s),
                                _ => Ok(tonic::Response::new(Vec::new())),
                            }
                        }
                        Err(s) => Err(s),
                    }
                } else {
                    grpc.unary(request, path, Raw).await
                };
                let (code, message) = match answer {
                    Ok(reply) if method.output().full_name() == "google.longrunning.Operation" => {
                        // An operation started writes later: let it end before counting rows.
                        let op = Operation::decode(reply.into_inner().as_slice()).unwrap();
                        if method.name().starts_with("Start") {
                            crate::operations::wait_done(&server, &op.name).await;
                        }
                        (Code::Ok, String::new())
                    }
                    Ok(_) => (Code::Ok, String::new()),
                    Err(s) => {
                        assert!(
                            !s.message().is_empty(),
                            "{what}: a status without a message"
                        );
                        (s.code(), s.message().to_owned())
                    }
                };
                assert!(
                    !matches!(
                        code,
                        Code::Internal
                            | Code::Unknown
                            | Code::Unavailable
                            | Code::Unimplemented
                            | Code::DataLoss
                    ),
                    "{what}: {code:?} {message}"
                );
                if code != Code::Ok {
                    assert_eq!(
                        server.row_counts().await,
                        before,
                        "{what}: refused but wrote"
                    );
                }
                *by_code.entry(format!("{code:?}")).or_default() += 1;
            }
        }
    }
    eprintln!("fuzz: {rpcs} RPCs, {cases} cases each: {by_code:?}");
    assert_eq!(rpcs, crate::matrix::EXPECTED.len());
    // Random requests get past validation sometimes, and are refused for cause other times.
    assert!(by_code.contains_key("InvalidArgument"), "{by_code:?}");
    assert!(by_code.len() >= 3, "{by_code:?}");

    // The server still serves, and every write it did accept is chained in the audit log.
    let verified = server
        .audit()
        .verify_audit_chain(authed(
            token::AUDITOR,
            pb::VerifyAuditChainRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(verified.intact, "{verified:?}");
}
