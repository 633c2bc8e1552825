//! The protobuf codec of the generated services, with one change: a request that does not
//! parse is the caller's error (`INVALID_ARGUMENT`), not an internal one as the stock codec says.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::{Code, Status};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

/// [`ProstCodec`] whose decoding errors are `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub struct ConsultCodec<T, U> {
    _pd: PhantomData<(T, U)>,
}

impl<T, U> Default for ConsultCodec<T, U> {
    fn default() -> Self {
        Self { _pd: PhantomData }
    }
}

impl<T, U> Codec for ConsultCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ParseErrorsAreInvalid<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<T, U>::raw_encoder(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        ParseErrorsAreInvalid(ProstCodec::<T, U>::raw_decoder(BufferSettings::default()))
    }
}

/// A [`ProstDecoder`] reporting unparsable messages as the sender's mistake.
#[derive(Debug)]
pub struct ParseErrorsAreInvalid<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for ParseErrorsAreInvalid<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.0.decode(src).map_err(|s| {
            if s.code() == Code::Internal {
                Status::invalid_argument(format!(
                    "请求消息不是有效的 protobuf 编码 (the request message does not parse): {}",
                    s.message()
                ))
            } else {
                s
            }
        })
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}
