//! Native-messaging frames: a 32-bit length in native byte order, then that many bytes.
//! Reading never allocates more than the limit, whatever the length prefix claims.

use std::io::{self, Read, Write};

use byteorder::{NativeEndian, ReadBytesExt, WriteBytesExt};

/// One read from the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    Message(Vec<u8>),
    /// The frame announced `len` bytes, over the limit; its body was read and discarded so the
    /// stream stays in sync.
    TooLarge { len: u64 },
    /// Clean end of input between frames.
    Eof,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("input ended inside a frame ({got} of {expected} bytes)")]
    Truncated { expected: u64, got: u64 },
    #[error("input ended inside a length prefix")]
    TruncatedLength,
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("answer of {0} bytes exceeds the browser's limit")]
    AnswerTooLarge(usize),
}

/// Reads one frame. Messages longer than `max` are skipped, not buffered.
pub fn read_frame(r: &mut impl Read, max: usize) -> Result<Incoming, FrameError> {
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut prefix[got..]) {
            Ok(0) if got == 0 => return Ok(Incoming::Eof),
            Ok(0) => return Err(FrameError::TruncatedLength),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let len = (&prefix[..]).read_u32::<NativeEndian>()? as u64;
    if len > max as u64 {
        let skipped = io::copy(&mut r.take(len), &mut io::sink())?;
        if skipped < len {
            return Err(FrameError::Truncated { expected: len, got: skipped });
        }
        return Ok(Incoming::TooLarge { len });
    }
    let mut body = Vec::with_capacity(len as usize);
    let n = r.take(len).read_to_end(&mut body)? as u64;
    if n < len {
        return Err(FrameError::Truncated { expected: len, got: n });
    }
    Ok(Incoming::Message(body))
}

/// Writes one frame and flushes it.
pub fn write_frame(w: &mut impl Write, body: &[u8], max: usize) -> Result<(), FrameError> {
    if body.len() > max {
        return Err(FrameError::AnswerTooLarge(body.len()));
    }
    w.write_u32::<NativeEndian>(body.len() as u32)?;
    w.write_all(body)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn reads_frames_until_eof() {
        let mut input = frame(b"{}");
        input.extend(frame(b"[1]"));
        let mut r = &input[..];
        assert_eq!(read_frame(&mut r, 100).unwrap(), Incoming::Message(b"{}".to_vec()));
        assert_eq!(read_frame(&mut r, 100).unwrap(), Incoming::Message(b"[1]".to_vec()));
        assert_eq!(read_frame(&mut r, 100).unwrap(), Incoming::Eof);
    }

    #[test]
    fn zero_length_frame_is_an_empty_message() {
        let input = frame(b"");
        assert_eq!(read_frame(&mut &input[..], 100).unwrap(), Incoming::Message(vec![]));
    }

    #[test]
    fn oversized_frames_are_skipped_not_buffered() {
        let mut input = frame(&[b'x'; 50]);
        input.extend(frame(b"ok"));
        let mut r = &input[..];
        assert_eq!(read_frame(&mut r, 10).unwrap(), Incoming::TooLarge { len: 50 });
        assert_eq!(read_frame(&mut r, 10).unwrap(), Incoming::Message(b"ok".to_vec()));
    }

    #[test]
    fn huge_length_prefix_with_no_body_is_truncated() {
        let input = u32::MAX.to_ne_bytes();
        assert!(matches!(read_frame(&mut &input[..], 10), Err(FrameError::Truncated { .. })));
    }

    #[test]
    fn truncations_are_errors() {
        assert!(matches!(read_frame(&mut &[1u8, 0][..], 10), Err(FrameError::TruncatedLength)));
        let mut input = 10u32.to_ne_bytes().to_vec();
        input.extend_from_slice(b"abc");
        assert!(matches!(read_frame(&mut &input[..], 100), Err(FrameError::Truncated { expected: 10, got: 3 })));
    }

    #[test]
    fn writes_prefix_and_refuses_oversized_answers() {
        let mut out = Vec::new();
        write_frame(&mut out, b"hi", 10).unwrap();
        assert_eq!(out, frame(b"hi"));
        assert!(matches!(write_frame(&mut out, &[0; 11], 10), Err(FrameError::AnswerTooLarge(11))));
    }
}
