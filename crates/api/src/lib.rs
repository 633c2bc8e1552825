//! The `consult.v1` gRPC API, generated from `proto/` at build time, with its validation rules.
//! Servers and clients both depend on this crate; it holds no behaviour beyond input shape checks.

pub mod codec;
pub mod rules;

#[cfg(test)]
mod fuzz_tests;

/// Generated modules, nested as their packages are (generated code names its imports by
/// relative paths).
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
pub mod consult {
    /// `consult.v1`.
    pub mod v1 {
        use validator::Validate;
        tonic::include_proto!("consult.v1");
    }
}

/// Google's APIs that `consult.v1` uses: long-running operations (AIP-151) and their status.
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
pub mod google {
    /// `google.longrunning`.
    pub mod longrunning {
        tonic::include_proto!("google.longrunning");
    }
    /// `google.rpc` (only `Status`).
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
}

/// Generated types and services of `consult.v1`.
pub use consult::v1 as pb;

/// Generated types and services of `consult.testing.v1` (the test clock).
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
pub mod testing {
    tonic::include_proto!("consult.testing.v1");
}

/// Encoded `FileDescriptorSet` of `consult.v1`, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/consult_v1_descriptor.bin"));

/// Encoded `FileDescriptorSet` of `consult.testing.v1`.
pub const TESTING_FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(
    env!("OUT_DIR"),
    "/consult_testing_v1_descriptor.bin"
));

pub use validator::{Validate, ValidationErrors};
