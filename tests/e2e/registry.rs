//! The registry of departments: administrators register and rename departments, anyone reads
//! them, and the public pages show the full names instead of codes.

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, consultctl, http_get, token};
use tonic::Code;

fn department(code: &str, name: &str, government: &str) -> pb::CreateDepartmentRequest {
    pb::CreateDepartmentRequest {
        department: Some(pb::Department {
            code: code.into(),
            display_name: name.into(),
            government: government.into(),
            ..Default::default()
        }),
    }
}

/// The audit events of the administrator's changes, oldest first.
pub(crate) async fn admin_events(server: &TestServer) -> Vec<pb::AuditEvent> {
    server
        .audit()
        .list_audit_events(authed(
            token::AUDITOR,
            pb::ListAuditEventsRequest {
                actor: "admin".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events
}

#[tokio::test]
async fn administrators_keep_the_registry_and_pages_show_full_names() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut registry = consult_api::pb::department_service_client::DepartmentServiceClient::new(
        server.channel.clone(),
    );
    let c = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;
    let id = c.name.trim_start_matches("consultations/").to_owned();
    // Before registration the code is all there is to show.
    let page = http_get(&format!("{}/consultations/{id}", server.http))
        .await
        .text();
    assert!(page.contains("<td>fgw</td>"), "{page}");

    let created = registry
        .create_department(authed(
            token::ADMIN,
            department("fgw", "南昌市发展和改革委员会", "南昌市人民政府"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "departments/fgw");
    assert!(created.update_time.is_some());

    // Taken codes, bad fields and other roles are refused, and nothing changes.
    let taken = registry
        .create_department(authed(token::ADMIN, department("fgw", "另一个名字", "")))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists, "{taken:?}");
    let bad = registry
        .create_department(authed(token::ADMIN, department("FGW 1", " ", "")))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message().contains("department.code")
            && bad.message().contains("department.display_name"),
        "{bad:?}"
    );
    for caller in [token::OFFICER_FGW, token::AUDITOR, token::PORTAL] {
        let denied = registry
            .create_department(authed(caller, department("jtj", "南昌市交通运输局", "")))
            .await
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{caller}");
    }
    // Anyone reads it, without credentials.
    let listed = registry
        .list_departments(pb::ListDepartmentsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.departments.len(), 1);
    assert_eq!(listed.departments[0].display_name, "南昌市发展和改革委员会");
    let missing = registry
        .get_department(pb::GetDepartmentRequest {
            name: "departments/jtj".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let malformed = registry
        .get_department(pb::GetDepartmentRequest { name: "fgw".into() })
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::InvalidArgument);
    assert!(malformed.message().contains("name"), "{malformed:?}");
    let unknown = registry
        .update_department(authed(
            token::ADMIN,
            pb::UpdateDepartmentRequest {
                department: Some(pb::Department {
                    name: "departments/jtj".into(),
                    display_name: "南昌市交通运输局".into(),
                    ..Default::default()
                }),
                update_mask: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let unnamed = registry
        .update_department(authed(
            token::ADMIN,
            pb::UpdateDepartmentRequest {
                department: Some(pb::Department {
                    name: "departments/fgw".into(),
                    display_name: "  ".into(),
                    ..Default::default()
                }),
                update_mask: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unnamed.code(), Code::InvalidArgument);
    assert!(
        unnamed.message().contains("department.display_name"),
        "{unnamed:?}"
    );

    // The pages show the full name.
    for path in ["/".to_owned(), format!("/consultations/{id}")] {
        let page = http_get(&format!("{}{path}", server.http)).await.text();
        assert!(page.contains("南昌市发展和改革委员会"), "{path}");
        assert!(!page.contains("<td>fgw</td>"), "{path}");
    }

    // consultctl: an administrator renames it, anyone lists it.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &["department", "update", "fgw", "--name", "南昌市发展改革委"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = consultctl(&server.grpc, None, &["department", "list", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let listed = run.json();
    assert_eq!(listed[0]["displayName"], "南昌市发展改革委", "{listed}");
    assert_eq!(listed[0]["government"], "南昌市人民政府");
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &["department", "update", "fgw", "--name", "改不了"],
    )
    .await;
    assert_ne!(run.code, 0);

    // Both changes are in the audit log, with the name before and after.
    let events = admin_events(&server).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["department.create", "department.update"],
        "{events:?}"
    );
    assert!(events[1].before_json.contains("南昌市发展和改革委员会"));
    assert!(events[1].after_json.contains("南昌市发展改革委"));
}

fn guide(channel: pb::Channel, address: &str, note: &str) -> pb::ChannelGuide {
    pb::ChannelGuide {
        channel: channel as i32,
        address: address.into(),
        note: note.into(),
    }
}

#[tokio::test]
async fn departments_tell_the_public_how_to_take_part_on_each_channel() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut registry = consult_api::pb::department_service_client::DepartmentServiceClient::new(
        server.channel.clone(),
    );
    // Offered on the portal, 12345 and by letter.
    let c = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;
    let id = c.name.trim_start_matches("consultations/").to_owned();
    let page_url = format!("{}/consultations/{id}", server.http);

    // Bad guides are refused field by field, and nothing is registered.
    let mut bad = department("fgw", "南昌市发展和改革委员会", "南昌市人民政府");
    bad.department.as_mut().unwrap().channel_guides = vec![
        guide(pb::Channel::Portal, "javascript:alert(1)", ""),
        guide(pb::Channel::Email, "yjzj at nc.gov.cn", ""),
        guide(pb::Channel::Portal, "https://www.nc.gov.cn/", ""),
        guide(pb::Channel::Unspecified, "某处", ""),
    ];
    let refused = registry
        .create_department(authed(token::ADMIN, bad))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    for field in [
        "department.channel_guides[0].address",
        "department.channel_guides[1].address",
        "department.channel_guides[2].channel",
        "department.channel_guides[3].channel",
    ] {
        assert!(refused.message().contains(field), "{field}: {refused:?}");
    }
    let missing = registry
        .get_department(pb::GetDepartmentRequest {
            name: "departments/fgw".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    let mut good = department("fgw", "南昌市发展和改革委员会", "南昌市人民政府");
    good.department.as_mut().unwrap().channel_guides = vec![
        guide(
            pb::Channel::Letter,
            "南昌市红谷滩区卧龙路999号 市发展改革委政策法规处（邮编330038）",
            "请在信封上注明“营商环境意见”",
        ),
        guide(pb::Channel::Email, "yjzj@nc.gov.cn", ""),
        guide(pb::Channel::Portal, "https://www.nc.gov.cn/hdjl/", ""),
    ];
    let created = registry
        .create_department(authed(token::ADMIN, good))
        .await
        .unwrap()
        .into_inner();
    let order: Vec<i32> = created.channel_guides.iter().map(|g| g.channel).collect();
    assert_eq!(
        order,
        [
            pb::Channel::Portal as i32,
            pb::Channel::Email as i32,
            pb::Channel::Letter as i32
        ]
    );

    // An administrator adds the hotline with consultctl; the others stay.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &[
            "department",
            "guide",
            "fgw",
            "--channel",
            "12345热线",
            "--address",
            "0791-12345",
            "--note",
            "工作日 8:30-17:30",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = consultctl(
        &server.grpc,
        None,
        &["department", "show", "fgw", "-o", "json"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["channelGuides"].as_array().unwrap().len(),
        4,
        "{}",
        run.stdout
    );
    let run = consultctl(&server.grpc, None, &["department", "show", "fgw"]).await;
    assert!(
        run.stdout.contains("0791-12345") && run.stdout.contains("信函"),
        "{run:?}"
    );
    // A bad address from consultctl names the field and changes nothing.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &[
            "department",
            "guide",
            "fgw",
            "--channel",
            "email",
            "--address",
            "不是邮箱",
        ],
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("address"), "{run:?}");

    // A rename names only the display name in its mask, so the guides stay; a mask naming
    // anything else is refused.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &["department", "update", "fgw", "--name", "南昌市发展改革委"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let bad_mask = registry
        .update_department(authed(
            token::ADMIN,
            pb::UpdateDepartmentRequest {
                department: Some(pb::Department {
                    name: "departments/fgw".into(),
                    code: "jtj".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["code".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_mask.code(), Code::InvalidArgument);
    assert!(bad_mask.message().contains("update_mask"), "{bad_mask:?}");
    let now = registry
        .get_department(pb::GetDepartmentRequest {
            name: "departments/fgw".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.display_name, "南昌市发展改革委");
    assert_eq!(now.channel_guides.len(), 4);

    // The open consultation's page says where and how, for the channels it offers only.
    let page = http_get(&page_url).await.text();
    assert!(
        page.contains(r#"href="https://www.nc.gov.cn/hdjl/""#),
        "{page}"
    );
    assert!(page.contains(r#"href="tel:079112345""#), "{page}");
    assert!(page.contains("工作日 8:30-17:30"), "{page}");
    assert!(page.contains("南昌市红谷滩区卧龙路999号"), "{page}");
    assert!(page.contains("请在信封上注明“营商环境意见”"), "{page}");
    assert!(page.contains("信函以寄出邮戳日期为准"), "{page}");
    assert!(
        !page.contains("yjzj@nc.gov.cn"),
        "e-mail is not offered: {page}"
    );

    // Removing the letter guide takes it off the page; the channel itself stays listed.
    let run = consultctl(
        &server.grpc,
        Some(token::ADMIN),
        &[
            "department",
            "guide",
            "fgw",
            "--channel",
            "letter",
            "--remove",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let page = http_get(&page_url).await.text();
    assert!(!page.contains("南昌市红谷滩区卧龙路999号"), "{page}");
    assert!(page.contains("<strong>信函</strong>"), "{page}");

    // Every change is audited with the guides before and after.
    let events = admin_events(&server).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "department.create",
            "department.update",
            "department.update",
            "department.update"
        ],
        "{events:?}"
    );
    assert!(events[3].before_json.contains("南昌市红谷滩区卧龙路999号"));
    assert!(!events[3].after_json.contains("南昌市红谷滩区卧龙路999号"));
}
