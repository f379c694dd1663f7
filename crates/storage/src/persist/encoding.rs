//! The byte layout of batch data: keys that group a batch's chunks, and
//! chunks of updates.

use freshet_repr::{Diff, Row};

use crate::StorageError;

/// Identifies a batch of updates for its lifetime; never reused.
pub type BatchId = u64;

/// The key of chunk `chunk` of batch `batch`: both big-endian, so a batch's
/// chunks are adjacent and in order.
pub(crate) fn chunk_key(batch: BatchId, chunk: u32) -> [u8; 12] {
    let mut key = [0; 12];
    key[..8].copy_from_slice(&batch.to_be_bytes());
    key[8..].copy_from_slice(&chunk.to_be_bytes());
    key
}

/// The key range `[start, end)` holding every chunk of batch `batch`.
pub(crate) fn batch_keys(batch: BatchId) -> ([u8; 12], [u8; 12]) {
    (chunk_key(batch, 0), chunk_key(batch + 1, 0))
}

/// The batch a chunk key belongs to.
pub(crate) fn batch_of_key(key: &[u8]) -> Option<BatchId> {
    key.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes)
}

/// Appends one update: the row's length (LEB128), its bytes, the diff (8 bytes LE).
pub(crate) fn push_update(out: &mut Vec<u8>, row: &Row, diff: Diff) {
    let mut len = row.byte_len() as u64;
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(row.as_bytes());
    out.extend_from_slice(&diff.to_le_bytes());
}

/// Decodes a chunk written with [`push_update`].
pub(crate) fn decode_chunk(mut bytes: &[u8], out: &mut Vec<(Row, Diff)>) -> Result<(), StorageError> {
    let corrupt = || StorageError::Corrupt("a batch chunk is truncated".into());
    while !bytes.is_empty() {
        let mut len: u64 = 0;
        let mut shift = 0;
        loop {
            let (&byte, rest) = bytes.split_first().ok_or_else(corrupt)?;
            bytes = rest;
            len |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err(corrupt());
            }
        }
        let len = usize::try_from(len).map_err(|_| corrupt())?;
        if bytes.len() < len + 8 {
            return Err(corrupt());
        }
        let (row, rest) = bytes.split_at(len);
        let (diff, rest) = rest.split_at(8);
        out.push((
            Row::from_bytes(row.to_vec()),
            Diff::from_le_bytes(diff.try_into().map_err(|_| corrupt())?),
        ));
        bytes = rest;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use freshet_repr::Datum;

    use super::*;

    #[test]
    fn chunks_round_trip_and_truncation_is_detected() -> Result<(), StorageError> {
        let rows = [
            (Row::pack([Datum::Int32(1), Datum::String("a")]), 1),
            (Row::pack([Datum::String(&"x".repeat(300))]), -2),
            (Row::pack::<[Datum<'_>; 0]>([]), 5),
        ];
        let mut bytes = Vec::new();
        for (row, diff) in &rows {
            push_update(&mut bytes, row, *diff);
        }
        let mut out = Vec::new();
        decode_chunk(&bytes, &mut out)?;
        assert_eq!(out, rows.to_vec());
        let mut out = Vec::new();
        assert!(decode_chunk(&bytes[..bytes.len() - 1], &mut out).is_err());
        assert_eq!(batch_of_key(&chunk_key(7, 3)), Some(7));
        assert!(chunk_key(1, u32::MAX) < chunk_key(2, 0));
        Ok(())
    }
}
