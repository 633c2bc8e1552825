//! The decision catalogue: administrators draft a government's yearly catalogue, publish it
//! once approved and adjust it into a new version; anyone reads the published versions, every
//! version stays readable, and drafts stay with administrators and auditors.

use consult_api::pb;
use consult_api::pb::catalogue_service_client::CatalogueServiceClient;
use consult_e2e::{TestServer, assert_status, authed, beijing, consultctl, token};
use tonic::Code;
use tonic::transport::Channel;

pub(crate) fn catalogues(server: &TestServer) -> CatalogueServiceClient<Channel> {
    CatalogueServiceClient::new(server.channel.clone())
}

pub(crate) fn item(title: &str, department: &str, month: &str, hearing: bool) -> pb::CatalogueItem {
    pb::CatalogueItem {
        title: title.into(),
        department: department.into(),
        planned_month: month.into(),
        hearing_required: hearing,
        ..Default::default()
    }
}

/// Registers department `code` of 南昌市人民政府 as the administrator.
pub(crate) async fn register(server: &TestServer, code: &str, name: &str) {
    pb::department_service_client::DepartmentServiceClient::new(server.channel.clone())
        .create_department(authed(
            token::ADMIN,
            pb::CreateDepartmentRequest {
                department: Some(pb::Department {
                    code: code.into(),
                    display_name: name.into(),
                    government: "南昌市人民政府".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
}

/// The request drafting catalogue `nc-2026` of 南昌市人民政府 for 2026 with `items`.
pub(crate) fn nc_2026(items: Vec<pb::CatalogueItem>) -> pb::CreateCatalogueRequest {
    pb::CreateCatalogueRequest {
        catalogue_id: "nc-2026".into(),
        catalogue: Some(pb::Catalogue {
            government: "南昌市人民政府".into(),
            year: 2026,
            title: "南昌市人民政府2026年度重大行政决策事项目录".into(),
            items,
            ..Default::default()
        }),
    }
}

/// The request publishing `nc-2026`'s draft, approved by document `number` on `date`.
pub(crate) fn approved(number: &str, date: &str) -> pb::PublishCatalogueRequest {
    pb::PublishCatalogueRequest {
        name: "catalogues/nc-2026".into(),
        approval: Some(pb::CatalogueApproval {
            document_number: number.into(),
            approve_date: date.into(),
        }),
    }
}

fn unauthenticated<T>(message: T) -> tonic::Request<T> {
    tonic::Request::new(message)
}

#[tokio::test]
async fn a_catalogue_is_drafted_published_adjusted_and_every_version_stays_readable() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    register(&server, "gaj", "南昌市公安局").await;
    register(&server, "zjj", "南昌市住房和城乡建设局").await;
    let mut api = catalogues(&server);
    let before = server.row_counts().await;

    // Bad input names every field, and writes nothing.
    let bad = api
        .create_catalogue(authed(
            token::ADMIN,
            pb::CreateCatalogueRequest {
                catalogue_id: "NC 2026".into(),
                catalogue: Some(pb::Catalogue {
                    government: "南昌市人民政府".into(),
                    year: 2026,
                    title: " ".into(),
                    items: vec![
                        item("南昌市养犬管理规定", "nobody", "2026-09", true),
                        item("", "gaj", "2026-13", false),
                    ],
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    for field in [
        "catalogue_id",
        "catalogue.title",
        "catalogue.items[0].department",
        "catalogue.items[1].title",
        "catalogue.items[1].planned_month",
    ] {
        assert!(bad.message().contains(field), "{field}: {bad:?}");
    }
    assert_eq!(server.row_counts().await, before, "a refusal wrote");

    let draft = api
        .create_catalogue(authed(
            token::ADMIN,
            nc_2026(vec![
                item("南昌市养犬管理规定", "gaj", "2026-09", true),
                item("老旧小区改造三年行动计划", "zjj", "2026-06", false),
            ]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(draft.name, "catalogues/nc-2026/versions/1");
    assert_eq!(draft.state, pb::CatalogueState::Draft as i32);
    assert_eq!(draft.items.len(), 2);
    let dogs = draft.items[0].name.clone();
    assert!(dogs.starts_with("catalogues/nc-2026/items/"), "{dogs}");

    // The public does not see a draft; administrators and auditors do.
    let hidden = api
        .get_catalogue(unauthenticated(pb::GetCatalogueRequest {
            name: "catalogues/nc-2026".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let listed = api
        .list_catalogues(unauthenticated(pb::ListCataloguesRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.catalogues.is_empty());
    let asked = api
        .list_catalogues(authed(
            token::OFFICER_FGW,
            pb::ListCataloguesRequest {
                include_drafts: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(asked.code(), Code::PermissionDenied);
    let audited = api
        .get_catalogue(authed(
            token::AUDITOR,
            pb::GetCatalogueRequest {
                name: "catalogues/nc-2026".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(audited.version, 1);

    // Officers cannot publish; an approval dated tomorrow is refused.
    let denied = api
        .publish_catalogue(authed(
            token::OFFICER_FGW,
            pb::PublishCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                approval: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let future = api
        .publish_catalogue(authed(
            token::ADMIN,
            approved("洪府字〔2026〕12号", "2026-03-03"),
        ))
        .await
        .unwrap_err();
    assert_eq!(future.code(), Code::InvalidArgument);
    assert!(
        future.message().contains("approval.approve_date"),
        "{future:?}"
    );
    let v1 = api
        .publish_catalogue(authed(
            token::ADMIN,
            approved("洪府字〔2026〕12号", "2026-02-27"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v1.state, pb::CatalogueState::Published as i32);
    assert!(v1.publish_time.is_some());

    // Malformed requests name their field and change nothing.
    let before = server.row_counts().await;
    assert_status(
        api.publish_catalogue(authed(
            token::ADMIN,
            pb::PublishCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                approval: None,
            },
        ))
        .await,
        Code::InvalidArgument,
        "approval",
    );
    assert_status(
        api.get_catalogue(unauthenticated(pb::GetCatalogueRequest {
            name: "catalogues/nc-2026/versions/0".into(),
        }))
        .await,
        Code::InvalidArgument,
        "name",
    );
    assert_status(
        api.update_catalogue(authed(
            token::ADMIN,
            pb::UpdateCatalogueRequest {
                catalogue: Some(pb::Catalogue {
                    name: "catalogues/nc-2026".into(),
                    year: 2027,
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["year".into()],
                }),
            },
        ))
        .await,
        Code::InvalidArgument,
        "update_mask",
    );
    assert_status(
        api.adjust_catalogue(authed(
            token::ADMIN,
            pb::AdjustCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                reason: " ".into(),
            },
        ))
        .await,
        Code::InvalidArgument,
        "reason",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");

    // A published version never changes: an update is refused until an adjustment starts.
    let frozen = api
        .update_catalogue(authed(
            token::ADMIN,
            pb::UpdateCatalogueRequest {
                catalogue: Some(pb::Catalogue {
                    name: "catalogues/nc-2026".into(),
                    title: "改个标题".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["title".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(frozen.code(), Code::FailedPrecondition, "{frozen:?}");

    let v2 = api
        .adjust_catalogue(authed(
            token::ADMIN,
            pb::AdjustCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                reason: "根据市政府常务会议决定，调出老旧小区改造计划，增加停车收费事项".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (v2.version, v2.state),
        (2, pb::CatalogueState::Draft as i32)
    );
    let again = api
        .adjust_catalogue(authed(
            token::ADMIN,
            pb::AdjustCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                reason: "再调整一次".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    register(&server, "fgw", "南昌市发展和改革委员会").await;
    let mut kept = v2.items[0].clone();
    kept.planned_month = "2026-10".into();
    let changed = api
        .update_catalogue(authed(
            token::ADMIN,
            pb::UpdateCatalogueRequest {
                catalogue: Some(pb::Catalogue {
                    name: "catalogues/nc-2026".into(),
                    items: vec![kept, item("公共停车场收费标准调整", "fgw", "2026-11", true)],
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["items".into()],
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let statuses: Vec<(String, i32)> = changed
        .items
        .iter()
        .map(|i| (i.title.clone(), i.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "南昌市养犬管理规定".to_owned(),
                pb::CatalogueItemStatus::Planned as i32
            ),
            (
                "公共停车场收费标准调整".to_owned(),
                pb::CatalogueItemStatus::Planned as i32
            ),
            (
                "老旧小区改造三年行动计划".to_owned(),
                pb::CatalogueItemStatus::Withdrawn as i32
            ),
        ]
    );
    assert_eq!(changed.items[0].name, dogs, "an item keeps its name");
    // While version 2 is drafted the public still reads version 1.
    let public = api
        .get_catalogue(unauthenticated(pb::GetCatalogueRequest {
            name: "catalogues/nc-2026".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.version, 1);
    api.publish_catalogue(authed(
        token::ADMIN,
        approved("洪府字〔2026〕20号", "2026-03-02"),
    ))
    .await
    .unwrap();

    let versions = api
        .list_catalogue_versions(unauthenticated(pb::ListCatalogueVersionsRequest {
            name: "catalogues/nc-2026".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .versions;
    let summary: Vec<(i32, i32, String)> = versions
        .iter()
        .map(|v| {
            (
                v.version,
                v.state,
                v.approval
                    .as_ref()
                    .map(|a| a.document_number.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                1,
                pb::CatalogueState::Superseded as i32,
                "洪府字〔2026〕12号".to_owned()
            ),
            (
                2,
                pb::CatalogueState::Published as i32,
                "洪府字〔2026〕20号".to_owned()
            ),
        ]
    );
    assert_eq!(versions[0].items.len(), 2, "version 1 as it was published");
    assert!(versions[1].adjustment_reason.contains("常务会议"));
    let first = api
        .get_catalogue(unauthenticated(pb::GetCatalogueRequest {
            name: "catalogues/nc-2026/versions/1".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first.items[1].status,
        pb::CatalogueItemStatus::Planned as i32
    );

    // Every change is audited as the administrator's.
    let events = crate::registry::admin_events(&server).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("catalogue."))
        .collect();
    assert_eq!(
        actions,
        [
            "catalogue.create",
            "catalogue.publish",
            "catalogue.adjust",
            "catalogue.update",
            "catalogue.publish"
        ]
    );
}

/// Drafts and publishes catalogue `nc-2026` with one item of `fgw` and one of `gaj`; returns
/// their names.
async fn published_catalogue(server: &TestServer) -> (String, String) {
    register(server, "fgw", "南昌市发展和改革委员会").await;
    register(server, "gaj", "南昌市公安局").await;
    let mut api = catalogues(server);
    let draft = api
        .create_catalogue(authed(
            token::ADMIN,
            nc_2026(vec![
                item("促进民营经济高质量发展若干措施", "fgw", "2026-06", false),
                item("南昌市养犬管理规定", "gaj", "2026-09", true),
            ]),
        ))
        .await
        .unwrap()
        .into_inner();
    api.publish_catalogue(authed(
        token::ADMIN,
        approved("洪府字〔2026〕12号", "2026-02-27"),
    ))
    .await
    .unwrap();
    (draft.items[0].name.clone(), draft.items[1].name.clone())
}

#[tokio::test]
async fn a_major_decision_is_published_only_with_an_item_of_its_departments_published_catalogue() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let (fgw_item, gaj_item) = published_catalogue(&server).await;
    let mut api = server.consultations();
    let mut d = consult_e2e::draft("关于促进民营经济高质量发展的若干措施（征求意见稿）");
    d.kind = pb::ConsultationKind::MajorDecision as i32;
    let c = crate::created_draft(&server, d).await;
    let publish = |name: String| pb::PublishConsultationRequest { name };
    let set_item = |item: &str| pb::UpdateConsultationRequest {
        consultation: Some(pb::Consultation {
            name: c.name.clone(),
            catalogue_item: item.into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["catalogue_item".into()],
        }),
    };

    let before = server.row_counts().await;
    assert_status(
        api.publish_consultation(authed(token::OFFICER_FGW, publish(c.name.clone())))
            .await,
        Code::FailedPrecondition,
        "CATALOGUE_ITEM_REQUIRED",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");
    assert_status(
        api.update_consultation(authed(token::OFFICER_FGW, set_item("nc-2026/i1")))
            .await,
        Code::InvalidArgument,
        "consultation.catalogue_item",
    );
    for (item, rule) in [
        (gaj_item.as_str(), "CATALOGUE_ITEM_OF_ANOTHER_DEPARTMENT"),
        ("catalogues/nc-2026/items/nope", "CATALOGUE_ITEM_UNKNOWN"),
        ("catalogues/nc-2025/items/x", "CATALOGUE_ITEM_UNKNOWN"),
    ] {
        api.update_consultation(authed(token::OFFICER_FGW, set_item(item)))
            .await
            .unwrap();
        assert_status(
            api.publish_consultation(authed(token::OFFICER_FGW, publish(c.name.clone())))
                .await,
            Code::FailedPrecondition,
            rule,
        );
    }
    api.update_consultation(authed(token::OFFICER_FGW, set_item(&fgw_item)))
        .await
        .unwrap();
    let published = api
        .publish_consultation(authed(token::OFFICER_FGW, publish(c.name.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(published.catalogue_item, fgw_item);
    assert_eq!(
        published.state,
        pb::ConsultationState::Open as i32,
        "{published:?}"
    );

    // The item follows its consultation, and cannot be taken out of the catalogue any more.
    let mut catalogue = catalogues(&server);
    let read = catalogue
        .get_catalogue(unauthenticated(pb::GetCatalogueRequest {
            name: "catalogues/nc-2026".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    let carried = read.items.iter().find(|i| i.name == fgw_item).unwrap();
    assert_eq!(carried.status, pb::CatalogueItemStatus::InProgress as i32);
    assert_eq!(carried.consultation, c.name);
    let other = read.items.iter().find(|i| i.name == gaj_item).unwrap();
    assert_eq!(other.status, pb::CatalogueItemStatus::Planned as i32);
    assert!(other.consultation.is_empty());
    catalogue
        .adjust_catalogue(authed(
            token::ADMIN,
            pb::AdjustCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                reason: "根据市政府常务会议决定调整".into(),
            },
        ))
        .await
        .unwrap();
    let before = server.row_counts().await;
    assert_status(
        catalogue
            .update_catalogue(authed(
                token::ADMIN,
                pb::UpdateCatalogueRequest {
                    catalogue: Some(pb::Catalogue {
                        name: "catalogues/nc-2026".into(),
                        items: vec![other.clone()],
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["items".into()],
                    }),
                },
            ))
            .await,
        Code::FailedPrecondition,
        "ITEM_HAS_CONSULTATION",
    );
    assert_eq!(server.row_counts().await, before, "a refusal wrote");
}

#[tokio::test]
async fn consultctl_drafts_publishes_and_adjusts_a_catalogue() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    register(&server, "gaj", "南昌市公安局").await;
    let admin = |args: &'static [&'static str]| {
        let grpc = server.grpc.clone();
        async move { consultctl(&grpc, Some(token::ADMIN), args).await }
    };
    let run = admin(&[
        "catalogue",
        "create",
        "nc-2026",
        "--government",
        "南昌市人民政府",
        "--year",
        "2026",
        "--title",
        "南昌市人民政府2026年度重大行政决策事项目录",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = admin(&[
        "catalogue",
        "add-item",
        "nc-2026",
        "--title",
        "南昌市养犬管理规定",
        "--department",
        "gaj",
        "--month",
        "2026-09",
        "--hearing",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    // A department not registered is refused, naming the field.
    let run = admin(&[
        "catalogue",
        "add-item",
        "nc-2026",
        "--title",
        "另一项",
        "--department",
        "nobody",
        "--month",
        "2026-10",
    ])
    .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("department"), "{run:?}");
    let run = admin(&[
        "catalogue",
        "publish",
        "nc-2026",
        "--number",
        "洪府字〔2026〕12号",
        "--date",
        "2026-02-27",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");

    // Anyone reads it; the table says what a catalogue says.
    let run = consultctl(&server.grpc, None, &["catalogue", "show", "nc-2026"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    for text in [
        "南昌市养犬管理规定",
        "gaj",
        "2026-09",
        "是",
        "洪府字〔2026〕12号",
    ] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let run = admin(&[
        "catalogue",
        "adjust",
        "nc-2026",
        "--reason",
        "根据市政府常务会议决定调整",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = consultctl(
        &server.grpc,
        None,
        &["catalogue", "versions", "nc-2026", "-o", "json"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let versions = run.json();
    assert_eq!(versions.as_array().map(Vec::len), Some(1), "{versions}");
    let run = admin(&["catalogue", "versions", "nc-2026", "-o", "json"]).await;
    let versions = run.json();
    assert_eq!(versions[1]["state"], "CATALOGUE_STATE_DRAFT", "{versions}");
    // An officer cannot publish.
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &[
            "catalogue",
            "publish",
            "nc-2026",
            "--number",
            "x",
            "--date",
            "2026-03-01",
        ],
    )
    .await;
    assert_ne!(run.code, 0);
}

#[tokio::test]
async fn the_public_reads_the_catalogue_in_chromium_and_downloads_it_as_json_and_csv() {
    let Some(browser) = crate::web::chromium() else {
        // The browser is installed by .ci/run; CI must never pass without it.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Debian's chromium package (installed by .ci/run)"
        );
        eprintln!("chromium not installed: skipping the browser test (apt-get install chromium)");
        return;
    };
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let (fgw_item, _) = published_catalogue(&server).await;
    let base = server.http.clone();
    // A draft is never public: the adjustment under way is not shown.
    catalogues(&server)
        .adjust_catalogue(authed(
            token::ADMIN,
            pb::AdjustCatalogueRequest {
                name: "catalogues/nc-2026".into(),
                reason: "根据市政府常务会议决定调整".into(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        consult_e2e::http_get(&format!("{base}/catalogues/nc-2026/versions/2"))
            .await
            .status,
        404
    );
    let dir = crate::web::screenshots_dir();
    let url = format!("{base}/catalogues/nc-2026");
    let dom = tokio::task::spawn_blocking(move || {
        crate::web::render(&browser, &url, &dir.join("catalogue.png"))
    })
    .await
    .unwrap();
    assert!(dom.contains("lang=\"zh-CN\""));
    for text in [
        "南昌市人民政府2026年度重大行政决策事项目录",
        "促进民营经济高质量发展若干措施",
        "南昌市发展和改革委员会",
        "2026年6月",
        "洪府字〔2026〕12号",
        "未启动",
    ] {
        assert!(dom.contains(text), "{text}: {dom}");
    }
    assert!(
        !dom.contains("根据市政府常务会议决定调整"),
        "the draft shows"
    );

    let json = consult_e2e::http_get(&format!("{base}/catalogues/nc-2026/versions/1.json"))
        .await
        .text();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["approval"]["document_number"], "洪府字〔2026〕12号");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        format!(
            "catalogues/nc-2026/items/{}",
            items[0]["id"].as_str().unwrap()
        ),
        fgw_item
    );
    assert_eq!(items[1]["hearing_required"], true);
    let csv = consult_e2e::http_get(&format!("{base}/catalogues/nc-2026/versions/1.csv"))
        .await
        .text();
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        rows[0],
        "序号,决策事项,承办部门,决策时间,是否听证,状态,征求意见"
    );
    assert_eq!(
        rows[2],
        "2,南昌市养犬管理规定,南昌市公安局,2026年9月,是,未启动,"
    );
    assert_eq!(rows.len(), 3);
}
