//! The rules of a public consultation on a draft government decision, free of I/O.
//! Handlers translate requests into these types; everything that decides lives here.

pub mod accountability;
pub mod actor;
pub mod answering;
pub mod archive;
pub mod audit;
pub mod calendar;
pub mod calling_system;
pub mod catalogue;
pub mod clause;
pub mod clock;
pub mod comment;
pub mod consultation;
pub mod decision;
pub mod department;
pub mod error;
pub mod events;
pub mod hearing;
pub mod meeting;
mod names;
pub mod outbox;
pub mod pii;
pub mod redaction;
pub mod report;
pub mod representative;
pub mod search;
pub mod similarity;
pub mod suggestion;
pub mod template;
pub mod window;

pub use actor::{Actor, ListScope, Role};
pub use calendar::{Calendar, CalendarError};
pub use clock::Clock;
pub use comment::{Channel, Comment, CommentContent, CommentFields, NewComment, SubmitterCategory};
pub use consultation::{Consultation, ConsultationKind, ConsultationState, DraftChanges};
pub use error::{DomainError, FieldViolation, PreconditionViolation};
