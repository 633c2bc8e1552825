//! The baseline of `--baseline`: a `CommentService` that does nothing but answer, served in
//! this process over a real socket, so that one run measures what the machine, gRPC and the
//! load generator allow and the server's rate is read as a ratio of it.

use std::net::SocketAddr;

use consult_api::pb;
use consult_api::pb::comment_service_server::{CommentService, CommentServiceServer};
use tonic::{Request, Response, Status};

/// Answers `SubmitComment` with the comment it was sent, named and given a receipt code, as
/// the real service does, without storing anything; everything else is unimplemented.
struct NoOp;

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented(
        "the baseline serves SubmitComment only",
    ))
}

#[tonic::async_trait]
impl CommentService for NoOp {
    async fn submit_comment(
        &self,
        request: Request<pb::SubmitCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        let req = request.into_inner();
        let mut comment = req.comment.unwrap_or_default();
        let id = ulid::Ulid::new().to_string();
        comment.name = format!("{}/comments/{id}", req.parent);
        comment.receipt_code = "YJ7K-2M9Q-XW4D".into();
        comment.receive_time = Some(prost_types::Timestamp::from(std::time::SystemTime::now()));
        Ok(Response::new(comment))
    }

    async fn get_comment(
        &self,
        _: Request<pb::GetCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        unimplemented()
    }

    async fn list_comments(
        &self,
        _: Request<pb::ListCommentsRequest>,
    ) -> Result<Response<pb::ListCommentsResponse>, Status> {
        unimplemented()
    }

    async fn list_clauses(
        &self,
        _: Request<pb::ListClausesRequest>,
    ) -> Result<Response<pb::ListClausesResponse>, Status> {
        unimplemented()
    }

    async fn lookup_comment(
        &self,
        _: Request<pb::LookupCommentRequest>,
    ) -> Result<Response<pb::CommentReceipt>, Status> {
        unimplemented()
    }

    async fn hide_comment(
        &self,
        _: Request<pb::HideCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        unimplemented()
    }

    async fn bulk_hide_comments(
        &self,
        _: Request<pb::BulkHideCommentsRequest>,
    ) -> Result<Response<pb::BulkHideCommentsResponse>, Status> {
        unimplemented()
    }

    async fn start_bulk_hide_comments(
        &self,
        _: Request<pb::StartBulkHideCommentsRequest>,
    ) -> Result<Response<consult_api::google::longrunning::Operation>, Status> {
        unimplemented()
    }

    async fn unhide_comment(
        &self,
        _: Request<pb::UnhideCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        unimplemented()
    }

    async fn redact_comment(
        &self,
        _: Request<pb::RedactCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        unimplemented()
    }

    async fn answer_comment(
        &self,
        _: Request<pb::AnswerCommentRequest>,
    ) -> Result<Response<pb::Comment>, Status> {
        unimplemented()
    }
}

/// Serves the no-op service on a free local port, in the background; returns its address.
pub(crate) async fn serve() -> Result<SocketAddr, Box<dyn std::error::Error>> {
    // As the real server's listener: Nagle off, so that small replies are not held back.
    let incoming = tonic::transport::server::TcpIncoming::bind(([127, 0, 0, 1], 0).into())?
        .with_nodelay(Some(true));
    let addr = incoming.local_addr()?;
    tokio::spawn(async move {
        let result = tonic::transport::Server::builder()
            .add_service(CommentServiceServer::new(NoOp))
            .serve_with_incoming(incoming)
            .await;
        if let Err(e) = result {
            eprintln!("baseline server stopped: {e}");
        }
    });
    Ok(addr)
}
