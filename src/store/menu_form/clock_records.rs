//! The menu form's clock rows as fixed-size binary records.
//!
//! A cache-hit run reads every account's clock row (a thousand at 1000
//! accounts) to re-date the pool's sums, so the rows are stored in the form
//! that costs least to read: 72 bytes each, little-endian, no parsing. Texts
//! (provider, plan, status) are numbers into the form's `names`. A record
//! reads back exactly (floats as their bits), and a record that does not read
//! (a name number out of range, a part whose length is not a whole number of
//! records) makes the hit take the full path, which rewrites the form.
//!
//! | bytes | field |
//! |---|---|
//! | 0–1 | provider (name number) |
//! | 2–3 | plan (name number) |
//! | 4–5 | status (name number; `0xFFFF`: active) |
//! | 6–7 | bits 0–8: the flags (`quota::ClockRow::flags`); 9–15: which of the optional fields below are set |
//! | 8–15 | weight (f64) |
//! | 16–23, 24–31 | 5h and weekly remaining (f64) |
//! | 32–71 | 5h reset, weekly reset, 5h kept until, weekly kept until, next retry (i64) |

use crate::model::Epoch;
use crate::quota::ClockRow;

/// The bytes of one record.
pub const RECORD_BYTES: usize = 72;

/// The status number of an active account.
const ACTIVE: u16 = u16::MAX;

/// Presence bits (above the nine flags) of the optional fields.
const FIVE_HOUR: u16 = 1 << 9;
const WEEKLY: u16 = 1 << 10;
const FIVE_HOUR_RESET: u16 = 1 << 11;
const WEEKLY_RESET: u16 = 1 << 12;
const FIVE_HOUR_UNTIL: u16 = 1 << 13;
const WEEKLY_UNTIL: u16 = 1 << 14;
const RETRY: u16 = 1 << 15;
const FLAG_BITS: u16 = FIVE_HOUR - 1;

/// Append `rows`' records to `out`, numbering their texts into `names`.
/// None when there are more distinct texts than a record can number.
pub fn write(rows: &[ClockRow], names: &mut Vec<String>, out: &mut Vec<u8>) -> Option<()> {
    let mut index = std::collections::HashMap::<String, u16>::new();
    let mut number = |text: &str| -> Option<u16> {
        if let Some(&i) = index.get(text) {
            return Some(i);
        }
        let i = u16::try_from(names.len()).ok().filter(|i| *i != ACTIVE)?;
        names.push(text.to_string());
        index.insert(text.to_string(), i);
        Some(i)
    };
    out.reserve(rows.len() * RECORD_BYTES);
    for row in rows {
        let provider = number(&row.provider)?;
        let plan = number(&row.plan)?;
        let status = match row.status.as_deref() {
            Some(status) => number(status)?,
            None => ACTIVE,
        };
        let mut bits = row.flags & FLAG_BITS;
        let mut set = |bit: u16, on: bool| bits |= if on { bit } else { 0 };
        set(FIVE_HOUR, row.five_hour.is_some());
        set(WEEKLY, row.weekly.is_some());
        set(FIVE_HOUR_RESET, row.five_hour.and_then(|w| w.1).is_some());
        set(WEEKLY_RESET, row.weekly.and_then(|w| w.1).is_some());
        set(FIVE_HOUR_UNTIL, row.five_hour_until.is_some());
        set(WEEKLY_UNTIL, row.weekly_until.is_some());
        set(RETRY, row.next_retry_after.is_some());
        out.extend_from_slice(&provider.to_le_bytes());
        out.extend_from_slice(&plan.to_le_bytes());
        out.extend_from_slice(&status.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        for float in [
            row.weight,
            row.five_hour.map_or(0.0, |w| w.0),
            row.weekly.map_or(0.0, |w| w.0),
        ] {
            out.extend_from_slice(&float.to_bits().to_le_bytes());
        }
        for time in [
            row.five_hour.and_then(|w| w.1),
            row.weekly.and_then(|w| w.1),
            row.five_hour_until,
            row.weekly_until,
            row.next_retry_after,
        ] {
            out.extend_from_slice(&time.unwrap_or(0).to_le_bytes());
        }
    }
    Some(())
}

/// The records of `part` (None when its length is not a whole number of them).
pub fn records(part: &[u8]) -> Option<std::slice::ChunksExact<'_, u8>> {
    part.len()
        .is_multiple_of(RECORD_BYTES)
        .then(|| part.chunks_exact(RECORD_BYTES))
}

/// Read `record` into `row`, reusing its text buffers (None when a name
/// number is out of range or the record is not [`RECORD_BYTES`] long).
pub fn read_into(record: &[u8], names: &[String], row: &mut ClockRow) -> Option<()> {
    let record: &[u8; RECORD_BYTES] = record.try_into().ok()?;
    let u16_at = |at: usize| u16::from_le_bytes([record[at], record[at + 1]]);
    let u64_at = |at: usize| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&record[at..at + 8]);
        u64::from_le_bytes(bytes)
    };
    let float = |at: usize| f64::from_bits(u64_at(at));
    let name = |at: usize| names.get(usize::from(u16_at(at))).map(String::as_str);
    let set = |field: &mut String, text: &str| {
        if field != text {
            field.clear();
            field.push_str(text);
        }
    };
    let bits = u16_at(6);
    let time = |bit: u16, at: usize| (bits & bit != 0).then(|| u64_at(at) as Epoch);
    set(&mut row.provider, name(0)?);
    set(&mut row.plan, name(2)?);
    match u16_at(4) {
        ACTIVE => row.status = None,
        _ => set(row.status.get_or_insert_with(String::new), name(4)?),
    }
    row.flags = bits & FLAG_BITS;
    row.weight = float(8);
    row.five_hour = (bits & FIVE_HOUR != 0).then(|| (float(16), time(FIVE_HOUR_RESET, 32)));
    row.weekly = (bits & WEEKLY != 0).then(|| (float(24), time(WEEKLY_RESET, 40)));
    row.five_hour_until = time(FIVE_HOUR_UNTIL, 48);
    row.weekly_until = time(WEEKLY_UNTIL, 56);
    row.next_retry_after = time(RETRY, 64);
    Some(())
}

/// [`read_into`] a new row.
pub fn read(record: &[u8], names: &[String]) -> Option<ClockRow> {
    let mut row = ClockRow::default();
    read_into(record, names, &mut row)?;
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::flag_bits;

    fn read_all(bytes: &[u8], names: &[String]) -> Option<Vec<ClockRow>> {
        records(bytes)?.map(|r| read(r, names)).collect()
    }

    #[test]
    fn records_read_back_exactly_or_not_at_all() {
        let row = ClockRow {
            provider: "codex".into(),
            plan: "team".into(),
            weight: 0.1 + 0.2,
            five_hour: Some((100.0 / 3.0, Some(-5))),
            weekly: Some((1e-300, None)),
            five_hour_until: Some(i64::MAX),
            weekly_until: Some(i64::MIN),
            next_retry_after: None,
            status: None,
            flags: flag_bits("dutesxcFK"),
        };
        let other = ClockRow {
            status: Some("error".into()),
            five_hour: Some((0.0, None)),
            next_retry_after: Some(0),
            ..ClockRow::default()
        };
        let rows = vec![row.clone(), other.clone(), row.clone()];
        let mut names = Vec::new();
        let mut out = Vec::new();
        write(&rows, &mut names, &mut out).unwrap();
        assert_eq!(out.len(), 3 * RECORD_BYTES);
        assert_eq!(names, ["codex", "team", "", "error"]);
        assert_eq!(read_all(&out, &names), Some(rows.clone()));
        // A row read into a row that held another reads the same.
        let mut reused = other.clone();
        read_into(&out[..RECORD_BYTES], &names, &mut reused).unwrap();
        assert_eq!(reused, row);
        read_into(&out[RECORD_BYTES..2 * RECORD_BYTES], &names, &mut reused).unwrap();
        assert_eq!(reused, other);
        // Not a whole number of records, or a name out of range: not read.
        assert!(records(&out[..out.len() - 1]).is_none());
        assert_eq!(read_all(&out, &names[..2]), None);
        let mut bad = out.clone();
        bad[0] = 9;
        assert_eq!(read_all(&bad, &names), None);
        assert_eq!(read_all(&[], &names), Some(vec![]));
    }

    #[test]
    fn flags_and_set_fields_are_kept_apart() {
        // Every flag alone, with every optional field absent and present.
        for flag in 0..9 {
            for fields in [false, true] {
                let at = fields.then_some(7);
                let row = ClockRow {
                    provider: "p".into(),
                    flags: 1 << flag,
                    five_hour: fields.then_some((1.0, at)),
                    weekly: fields.then_some((2.0, at)),
                    five_hour_until: at,
                    weekly_until: at,
                    next_retry_after: at,
                    ..ClockRow::default()
                };
                let (mut names, mut out) = (Vec::new(), Vec::new());
                write(std::slice::from_ref(&row), &mut names, &mut out).unwrap();
                assert_eq!(read(&out, &names), Some(row));
            }
        }
    }

    #[test]
    fn more_names_than_a_record_numbers_are_refused() {
        let rows: Vec<ClockRow> = (0..=u16::MAX as usize / 2)
            .map(|i| ClockRow {
                provider: format!("p{i}"),
                plan: format!("q{i}"),
                ..ClockRow::default()
            })
            .collect();
        let (mut names, mut out) = (Vec::new(), Vec::new());
        assert_eq!(write(&rows, &mut names, &mut out), None);
    }
}
