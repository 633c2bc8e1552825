//! What generic gRPC tooling needs: health, reflection (v1 and v1alpha), and a clean stop.

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, token};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::published;

#[tokio::test]
async fn health_reports_each_service_serving() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut health = HealthClient::new(server.channel.clone());
    for service in [
        "",
        "consult.v1.ConsultationService",
        "consult.v1.CommentService",
    ] {
        let r = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.status, 1, "{service} is not SERVING");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "consult.v1.Nothing".into(),
        })
        .await;
    assert_eq!(unknown.unwrap_err().code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn reflection_lists_the_services_in_both_versions() {
    use tokio_stream_shim::once;
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;

    let mut v1 = tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(
        server.channel.clone(),
    );
    let mut stream = v1
        .server_reflection_info(once(tonic_reflection::pb::v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(
                    String::new(),
                ),
            ),
        }))
        .await
        .unwrap()
        .into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    let listed = format!("{reply:?}");
    assert!(
        listed.contains("consult.v1.ConsultationService"),
        "{listed}"
    );
    assert!(listed.contains("consult.v1.CommentService"), "{listed}");
    assert!(listed.contains("grpc.health.v1.Health"), "{listed}");
    assert!(!listed.contains("TestClock"), "{listed}");

    let mut v1alpha =
        tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient::new(
            server.channel.clone(),
        );
    let mut stream = v1alpha
        .server_reflection_info(once(tonic_reflection::pb::v1alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "consult.v1.CommentService".into(),
                ),
            ),
        }))
        .await
        .unwrap()
        .into_inner();
    let reply = format!("{:?}", stream.message().await.unwrap().unwrap());
    assert!(reply.contains("FileDescriptorResponse"), "{reply}");
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_keeps_every_accepted_comment() {
    let mut server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = published(&server, "城市排水管理办法（征求意见稿）").await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let mut client = server.comments();
        let parent = c.name.clone();
        tasks.push(tokio::spawn(async move {
            client
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(comment(pb::Channel::Portal, &format!("意见{i}"))),
                        request_id: format!("stop-{i}"),
                        validate_only: false,
                    },
                ))
                .await
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            accepted += 1;
        }
    }
    let status = server.terminate();
    assert!(status.success(), "consultd exited with {status}");
    // What the server acknowledged is on disk.
    assert_eq!(server.row_counts().await[1], accepted);
}

/// A one-item request stream without pulling in a stream crate.
mod tokio_stream_shim {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub(crate) struct Once<T>(Option<T>);

    pub(crate) fn once<T>(item: T) -> Once<T> {
        Once(Some(item))
    }

    impl<T: Unpin> tonic::codegen::tokio_stream::Stream for Once<T> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<T>> {
            Poll::Ready(self.0.take())
        }
    }
}
