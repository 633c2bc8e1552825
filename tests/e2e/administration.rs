//! What administrators manage at run time: the register of calling systems (a disabled one is
//! refused at its next call on every replica) and departments that can be disabled.

use consult_api::pb;
use consult_api::pb::calling_system_service_client::CallingSystemServiceClient;
use consult_api::pb::department_service_client::DepartmentServiceClient;
use consult_e2e::{
    Replicas, TestServer, UNLIMITED, assert_status, authed, beijing, comment, consultctl, token,
};
use tonic::Code;
use tonic::transport::Channel;

fn registry(server: &TestServer) -> CallingSystemServiceClient<Channel> {
    CallingSystemServiceClient::new(server.channel.clone())
}

fn county_portal(channels: &[pb::Channel]) -> pb::CreateCallingSystemRequest {
    pb::CreateCallingSystemRequest {
        calling_system: Some(pb::CallingSystem {
            id: "county-portal".into(),
            display_name: "新建区人民政府门户网站".into(),
            channels: channels.iter().map(|c| *c as i32).collect(),
            ..Default::default()
        }),
    }
}

fn submission(parent: &str, content: &str, request_id: &str) -> pb::SubmitCommentRequest {
    pb::SubmitCommentRequest {
        parent: parent.into(),
        comment: Some(comment(pb::Channel::Portal, content)),
        request_id: request_id.into(),
        validate_only: false,
    }
}

/// The register's own rows, read straight from the database.
async fn registered(server: &TestServer) -> i64 {
    server.table_count("calling_systems").await
}

fn set_disabled(id: &str, disabled: bool) -> pb::UpdateCallingSystemRequest {
    pb::UpdateCallingSystemRequest {
        calling_system: Some(pb::CallingSystem {
            name: format!("callingSystems/{id}"),
            disabled,
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["disabled".into()],
        }),
    }
}

#[tokio::test]
async fn a_calling_system_registered_at_run_time_works_and_stops_at_once_on_every_replica() {
    let replicas = Replicas::start(2, beijing("2026-03-02 10:00"), UNLIMITED).await;
    let (first, second) = (&replicas[0], &replicas[1]);
    let c = crate::published(first, "关于优化营商环境的若干措施（征求意见稿）").await;

    // Only administrators register; officers, calling systems and auditors are refused and
    // nothing is written.
    for caller in [token::OFFICER_FGW, token::PORTAL, token::AUDITOR] {
        assert_status(
            registry(first)
                .create_calling_system(authed(caller, county_portal(&[pb::Channel::Portal])))
                .await,
            Code::PermissionDenied,
            "",
        );
    }
    // Bad fields are named together; the configuration file's ids and tokens are not the
    // register's to give; a certificate needs mutual TLS. Nothing is written.
    let before = first.row_counts().await;
    let bad = pb::CreateCallingSystemRequest {
        calling_system: Some(pb::CallingSystem {
            id: "County Portal".into(),
            display_name: " ".into(),
            token_sha256: "abc".into(),
            ..Default::default()
        }),
    };
    let refused = assert_status(
        registry(first)
            .create_calling_system(authed(token::ADMIN, bad))
            .await,
        Code::InvalidArgument,
        "calling_system.id",
    );
    let said = format!("{refused:?}");
    for field in [
        "calling_system.display_name",
        "calling_system.channels",
        "calling_system.token_sha256",
    ] {
        assert!(said.contains(field), "{field} in {said}");
    }
    let mut clash = county_portal(&[pb::Channel::Portal]);
    clash.calling_system.as_mut().unwrap().id = "portal".into();
    assert_status(
        registry(first)
            .create_calling_system(authed(token::ADMIN, clash))
            .await,
        Code::AlreadyExists,
        "callingSystems/portal",
    );
    let mut stolen = county_portal(&[pb::Channel::Portal]);
    stolen.calling_system.as_mut().unwrap().token_sha256 = consult_e2e::hash_token(token::PORTAL);
    assert_status(
        registry(first)
            .create_calling_system(authed(token::ADMIN, stolen))
            .await,
        Code::AlreadyExists,
        "token",
    );
    let mut by_certificate = county_portal(&[pb::Channel::Portal]);
    by_certificate
        .calling_system
        .as_mut()
        .unwrap()
        .certificate_common_name = "portal.example.gov.cn".into();
    assert_status(
        registry(first)
            .create_calling_system(authed(token::ADMIN, by_certificate))
            .await,
        Code::FailedPrecondition,
        "MUTUAL_TLS_REQUIRED",
    );
    assert_eq!(first.row_counts().await, before, "a refusal wrote");
    assert_eq!(registered(first).await, 0);

    // Registered on the first replica without a digest: the service issues a token, shown
    // in this reply only and stored as its digest.
    let created = registry(first)
        .create_calling_system(authed(
            token::ADMIN,
            county_portal(&[pb::Channel::Portal, pb::Channel::Wechat]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "callingSystems/county-portal");
    assert!(
        created.token.starts_with("cs_") && created.has_token,
        "{created:?}"
    );
    let issued = created.token.clone();
    let stored = first
        .query_strings("SELECT token_sha256 AS v FROM calling_systems")
        .await;
    assert_eq!(stored, [consult_e2e::hash_token(&issued)]);
    assert_status(
        registry(first)
            .create_calling_system(authed(token::ADMIN, county_portal(&[pb::Channel::Portal])))
            .await,
        Code::AlreadyExists,
        "county-portal",
    );
    let got = registry(second)
        .get_calling_system(authed(
            token::AUDITOR,
            pb::GetCallingSystemRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        got.token.is_empty() && got.token_sha256.is_empty(),
        "{got:?}"
    );

    // The new token works on both replicas at once, on its own channels only.
    let mut comments = second.comments();
    let accepted = comments
        .submit_comment(authed(
            &issued,
            submission(&c.name, "建议简化审批流程", "cp-1"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!accepted.receipt_code.is_empty());
    first
        .comments()
        .submit_comment(authed(
            &issued,
            submission(&c.name, "建议公开办理时限", "cp-2"),
        ))
        .await
        .unwrap();
    let mut hotline = submission(&c.name, "热线意见", "cp-3");
    hotline.comment.as_mut().unwrap().channel = pb::Channel::Hotline12345 as i32;
    assert_status(
        comments.submit_comment(authed(&issued, hotline)).await,
        Code::PermissionDenied,
        "",
    );
    // Registered systems are administrators' business, not their own.
    assert_status(
        registry(second)
            .list_calling_systems(authed(&issued, pb::ListCallingSystemsRequest {}))
            .await,
        Code::PermissionDenied,
        "",
    );

    // Bad updates are named and change nothing: a field that cannot change, a malformed
    // name, a system never registered.
    let before = first.row_counts().await;
    let mut masked = set_disabled("county-portal", true);
    masked.update_mask = Some(prost_types::FieldMask {
        paths: vec!["id".into()],
    });
    assert_status(
        registry(first)
            .update_calling_system(authed(token::ADMIN, masked))
            .await,
        Code::InvalidArgument,
        "update_mask",
    );
    let mut malformed = set_disabled("county-portal", true);
    malformed.calling_system.as_mut().unwrap().name = "county-portal".into();
    assert_status(
        registry(first)
            .update_calling_system(authed(token::ADMIN, malformed))
            .await,
        Code::InvalidArgument,
        "calling_system.name",
    );
    assert_status(
        registry(first)
            .issue_calling_system_token(authed(
                token::ADMIN,
                pb::IssueCallingSystemTokenRequest {
                    name: "callingSystems/nobody".into(),
                },
            ))
            .await,
        Code::NotFound,
        "callingSystems/nobody",
    );
    assert_eq!(first.row_counts().await, before, "a refusal wrote");

    // Renamed and rebound by an administrator; the system itself may not.
    let rename = pb::UpdateCallingSystemRequest {
        calling_system: Some(pb::CallingSystem {
            name: created.name.clone(),
            display_name: "新建区政务服务网".into(),
            channels: vec![pb::Channel::Portal as i32],
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["display_name".into(), "channels".into()],
        }),
    };
    for caller in [issued.as_str(), token::OFFICER_FGW, token::PORTAL] {
        assert_status(
            registry(second)
                .update_calling_system(authed(caller, rename.clone()))
                .await,
            Code::PermissionDenied,
            "",
        );
    }
    let renamed = registry(second)
        .update_calling_system(authed(token::ADMIN, rename))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (renamed.display_name.as_str(), renamed.channels.as_slice()),
        ("新建区政务服务网", &[pb::Channel::Portal as i32][..])
    );

    // Disabled on the first replica: the second refuses its very next call.
    registry(first)
        .update_calling_system(authed(token::ADMIN, set_disabled("county-portal", true)))
        .await
        .unwrap();
    assert_status(
        comments
            .submit_comment(authed(&issued, submission(&c.name, "停用后", "cp-4")))
            .await,
        Code::Unauthenticated,
        "county-portal",
    );
    // The configuration file's systems are shown beside the register and cannot be changed
    // through it.
    let listed = registry(second)
        .list_calling_systems(authed(token::ADMIN, pb::ListCallingSystemsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .calling_systems;
    let row = |id: &str| listed.iter().find(|s| s.id == id).unwrap().clone();
    assert!(row("county-portal").disabled);
    assert_eq!(
        row("county-portal").source,
        pb::CallingSystemSource::Register as i32
    );
    assert_eq!(
        row("portal").source,
        pb::CallingSystemSource::Configuration as i32
    );
    assert_eq!(listed.len(), 4, "the register's one and the file's three");
    assert_status(
        registry(first)
            .update_calling_system(authed(token::ADMIN, set_disabled("portal", true)))
            .await,
        Code::FailedPrecondition,
        "CONFIGURED_PRINCIPAL",
    );

    // Enabled again it works; a new token replaces the old one everywhere at once.
    registry(second)
        .update_calling_system(authed(token::ADMIN, set_disabled("county-portal", false)))
        .await
        .unwrap();
    first
        .comments()
        .submit_comment(authed(&issued, submission(&c.name, "重新启用后", "cp-5")))
        .await
        .unwrap();
    let reissued = registry(first)
        .issue_calling_system_token(authed(
            token::ADMIN,
            pb::IssueCallingSystemTokenRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .token;
    assert!(reissued.starts_with("cs_") && reissued != issued);
    assert_status(
        comments
            .submit_comment(authed(&issued, submission(&c.name, "旧令牌", "cp-6")))
            .await,
        Code::Unauthenticated,
        "",
    );
    comments
        .submit_comment(authed(&reissued, submission(&c.name, "新令牌", "cp-7")))
        .await
        .unwrap();

    // Each change is audited under the administrator, the digest in none of them; what the
    // system submitted is recorded under its id.
    let events = crate::registry::admin_events(first).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "calling_system.create",
            "calling_system.update",
            "calling_system.disable",
            "calling_system.enable",
            "calling_system.replace_token"
        ],
        "{events:?}"
    );
    for e in &events {
        for digest in [
            consult_e2e::hash_token(&issued),
            consult_e2e::hash_token(&reissued),
        ] {
            assert!(!e.after_json.contains(&digest) && !e.before_json.contains(&digest));
        }
    }
    assert_eq!(
        first
            .query_count("SELECT COUNT(*) AS n FROM comments WHERE submitted_by = 'county-portal'")
            .await,
        4
    );

    // consultctl: an administrator adds one (the token printed once) and disables it; an
    // officer cannot.
    let run = consultctl(
        &first.grpc,
        Some(token::ADMIN),
        &[
            "calling-system",
            "add",
            "hotline-county",
            "--name",
            "县12345热线",
            "--channel",
            "hotline_12345",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("cs_"), "{run:?}");
    let run = consultctl(
        &second.grpc,
        Some(token::ADMIN),
        &["calling-system", "disable", "hotline-county"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = consultctl(
        &second.grpc,
        Some(token::AUDITOR),
        &["calling-system", "list", "-o", "json"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let listed = run.json();
    let county = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "hotline-county")
        .unwrap();
    assert_eq!(county["disabled"], true, "{listed}");
    let run = consultctl(
        &first.grpc,
        Some(token::OFFICER_FGW),
        &["calling-system", "disable", "county-portal"],
    )
    .await;
    assert_ne!(run.code, 0, "{run:?}");
}

#[tokio::test]
async fn a_disabled_department_opens_no_new_consultation() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut departments = DepartmentServiceClient::new(server.channel.clone());
    crate::catalogues::register(&server, "fgw", "南昌市发展和改革委员会").await;
    let open = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;

    // Officers and calling systems cannot disable a department.
    for caller in [token::OFFICER_FGW, token::PORTAL] {
        assert_status(
            departments
                .update_department(authed(
                    caller,
                    pb::UpdateDepartmentRequest {
                        department: Some(pb::Department {
                            name: "departments/fgw".into(),
                            disabled: true,
                            ..Default::default()
                        }),
                        update_mask: Some(prost_types::FieldMask {
                            paths: vec!["disabled".into()],
                        }),
                    },
                ))
                .await,
            Code::PermissionDenied,
            "",
        );
    }
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &["department", "disable", "fgw"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let got = departments
        .get_department(pb::GetDepartmentRequest {
            name: "departments/fgw".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.disabled);

    // No new consultation; the one already open still takes comments.
    let before = server.row_counts().await;
    assert_status(
        server
            .consultations()
            .create_consultation(authed(
                token::OFFICER_FGW,
                pb::CreateConsultationRequest {
                    consultation: Some(consult_e2e::draft("关于新设停车场的通知（征求意见稿）")),
                },
            ))
            .await,
        Code::FailedPrecondition,
        "DEPARTMENT_DISABLED",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");
    server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            submission(&open.name, "已发起的事项照常收集意见", "d-1"),
        ))
        .await
        .unwrap();

    // Enabled again, it opens consultations as before; both changes are audited.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &["department", "enable", "fgw"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    crate::created_draft(
        &server,
        consult_e2e::draft("关于新设停车场的通知（征求意见稿）"),
    )
    .await;
    let events = crate::registry::admin_events(&server).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.ends_with(&["department.disable", "department.enable"]),
        "{actions:?}"
    );
}
