//! A unit's register of public representatives: its officers keep it, anyone reads how many of
//! each category it holds, names and contacts stay with the department (and out of the audit
//! log), and a representative who stepped down stays on record, no longer counted.

use consult_api::pb;
use consult_api::pb::representative_service_client::RepresentativeServiceClient;
use consult_e2e::{TestServer, assert_status, authed, beijing, consultctl, token};
use tonic::Code;

fn register(
    id: &str,
    category: pb::SubmitterCategory,
    name: &str,
) -> pb::CreateRepresentativeRequest {
    pb::CreateRepresentativeRequest {
        parent: "departments/fgw".into(),
        representative_id: id.into(),
        representative: Some(pb::Representative {
            category: category as i32,
            display_name: name.into(),
            contact: "13800138000".into(),
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn officers_keep_the_register_and_the_public_reads_only_its_categories() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut api = RepresentativeServiceClient::new(server.channel.clone());
    for (id, category, name) in [
        ("r1", pb::SubmitterCategory::Enterprise, "赵经理"),
        ("r2", pb::SubmitterCategory::Enterprise, "钱经理"),
        ("r3", pb::SubmitterCategory::Deputy, "孙代表"),
    ] {
        api.create_representative(authed(token::OFFICER_FGW, register(id, category, name)))
            .await
            .unwrap();
    }
    let before = server.row_counts().await;
    assert_status(
        api.create_representative(authed(
            token::OFFICER_FGW,
            register("r1", pb::SubmitterCategory::Media, "李记者"),
        ))
        .await,
        Code::AlreadyExists,
        "r1",
    );
    assert_status(
        api.create_representative(authed(
            token::OFFICER_FGW,
            register("r4", pb::SubmitterCategory::Media, " "),
        ))
        .await,
        Code::InvalidArgument,
        "representative.display_name",
    );
    assert_status(
        api.create_representative(authed(
            token::OFFICER_FGW,
            register("r4", pb::SubmitterCategory::Unspecified, "李记者"),
        ))
        .await,
        Code::InvalidArgument,
        "representative.category",
    );
    assert_status(
        api.create_representative(authed(
            token::OFFICER_JTJ,
            register("r4", pb::SubmitterCategory::Media, "李记者"),
        ))
        .await,
        Code::PermissionDenied,
        "",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");

    let counts = |r: &pb::ListRepresentativesResponse| {
        r.counts
            .iter()
            .map(|c| (c.category, c.count))
            .collect::<Vec<_>>()
    };
    let list = pb::ListRepresentativesRequest {
        parent: "departments/fgw".into(),
    };
    let public = api
        .list_representatives(tonic::Request::new(list.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        counts(&public),
        [
            (pb::SubmitterCategory::Enterprise as i32, 2),
            (pb::SubmitterCategory::Deputy as i32, 1)
        ]
    );
    assert!(public.representatives.is_empty(), "names are private");
    let other = api
        .list_representatives(authed(token::OFFICER_JTJ, list.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        other.representatives.is_empty(),
        "another department sees counts only"
    );
    let own = api
        .list_representatives(authed(token::OFFICER_FGW, list.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.representatives.len(), 3);
    assert_eq!(own.representatives[0].display_name, "赵经理");
    assert_eq!(own.representatives[0].contact, "13800138000");

    // One steps down: kept, no longer counted; consultctl shows it.
    let set = api
        .set_representative_active(authed(
            token::OFFICER_FGW,
            pb::SetRepresentativeActiveRequest {
                name: "departments/fgw/representatives/r2".into(),
                active: false,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!set.active);
    let public = api
        .list_representatives(tonic::Request::new(list))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        counts(&public),
        [
            (pb::SubmitterCategory::Enterprise as i32, 1),
            (pb::SubmitterCategory::Deputy as i32, 1)
        ]
    );
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["representative", "list", "fgw"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    for text in ["钱经理", "已停用", "企业 1人"] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &[
            "representative",
            "add",
            "fgw",
            "r4",
            "--category",
            "新闻媒体",
            "--name",
            "李记者",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let events = server
        .audit()
        .list_audit_events(authed(
            token::AUDITOR,
            pb::ListAuditEventsRequest {
                actor: "officer-fgw".into(),
                page_size: 1000,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    let said = format!("{events:?}");
    assert!(said.contains("representative.register"), "{said}");
    assert!(
        !said.contains("赵经理") && !said.contains("13800138000"),
        "{said}"
    );
}
