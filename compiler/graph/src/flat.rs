//! The flat binary form the runtime's prepared-plan cache stores a graph's
//! tables in (the node table, `graph/table.rs`; the path index,
//! `paths/cached.rs`; the reach index's arrays): interned strings in one
//! UTF-8 area with where each ends ([`Strings`]), and sections of bytes or
//! native-endian `u32` words, each after its length ([`put_bytes`],
//! [`put_words`]; a words section starts on a multiple of four bytes from
//! the start of the file, after zero padding), written to any [`Sink`] (a
//! vector, or the runtime's writer streaming a cache file).
//!
//! Read back **in place**: the cache file is read once into a [`Buffer`]
//! (memory aligned for words), and every table read from it holds its
//! arrays as validated ranges of that one buffer ([`Words`], [`Bytes`],
//! the string area of [`Strings`]) — no copy, no second set of fresh
//! pages. A [`Reader`] refuses any section running past the end, a words
//! section that is misaligned or whose padding is not zero; everything
//! read back is validated before use ([`Strings::read`] checks the area
//! and the ends), so that no accessor indexes out of bounds. Words are in
//! the writer's byte order: a cache is read only by the build that wrote
//! it (the runtime's build key names the executable and its byte order).

use std::ops::{Deref, Range};
use std::sync::Arc;
use zerocopy::IntoBytes;

/// A cache file's bytes, read once into memory aligned for `u32` words
/// and shared by every table read from it.
pub struct Buffer {
    words: Vec<u32>,
    len: usize,
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buffer({} bytes)", self.len)
    }
}

impl Buffer {
    /// Reads exactly `len` bytes from `from`, which must then be at its
    /// end (a file that is shorter or longer than `len` is an error: it
    /// changed between its size being read and its bytes).
    pub fn read(from: &mut impl std::io::Read, len: usize) -> std::io::Result<Buffer> {
        let mut words = vec![0u32; len.div_ceil(4)];
        from.read_exact(&mut words.as_mut_bytes()[..len])?;
        let mut more = [0u8; 1];
        if from.read(&mut more)? != 0 {
            return Err(std::io::Error::other("it grew while it was read"));
        }
        Ok(Buffer { words, len })
    }

    /// A buffer holding a copy of `bytes`.
    pub fn copy_of(bytes: &[u8]) -> Buffer {
        let mut words = vec![0u32; bytes.len().div_ceil(4)];
        words.as_mut_bytes()[..bytes.len()].copy_from_slice(bytes);
        Buffer {
            words,
            len: bytes.len(),
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.words.as_bytes()[..self.len]
    }
}

/// Bytes: owned, or a range of a shared [`Buffer`] (checked to be within
/// it when made).
#[derive(Clone, Debug)]
pub(crate) enum Bytes {
    Owned(Vec<u8>),
    Shared(Arc<Buffer>, Range<usize>),
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes::Owned(Vec::new())
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Shared(buf, r) => buf.bytes().get(r.clone()).unwrap_or(&[]),
        }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes::Owned(v)
    }
}

/// `u32` words: owned, or a range (in words) of a shared [`Buffer`]
/// (checked to be within it when made).
#[derive(Clone, Debug)]
pub(crate) enum Words {
    Owned(Vec<u32>),
    Shared(Arc<Buffer>, Range<usize>),
}

impl Default for Words {
    fn default() -> Words {
        Words::Owned(Vec::new())
    }
}

impl Deref for Words {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match self {
            Words::Owned(v) => v,
            Words::Shared(buf, r) => buf.words.get(r.clone()).unwrap_or(&[]),
        }
    }
}

impl From<Vec<u32>> for Words {
    fn from(v: Vec<u32>) -> Words {
        Words::Owned(v)
    }
}

impl Words {
    /// The words to change (copied out of a shared buffer first).
    #[cfg(test)]
    pub(crate) fn to_mut(&mut self) -> &mut Vec<u32> {
        if let Words::Shared(..) = self {
            *self = Words::Owned(self.to_vec());
        }
        match self {
            Words::Owned(v) => v,
            Words::Shared(..) => unreachable!("made owned above"),
        }
    }
}

/// Interned strings: one UTF-8 area and where each string ends.
#[derive(Clone, Debug, Default)]
pub(crate) struct Strings {
    area: Area,
    ends: Words,
}

/// The string area: built in memory, or read back (checked to be UTF-8
/// with every string ending on a character boundary when read).
#[derive(Clone, Debug)]
enum Area {
    Owned(String),
    Shared(Bytes),
}

impl Default for Area {
    fn default() -> Area {
        Area::Owned(String::new())
    }
}

impl Strings {
    fn range(&self, i: u32) -> Range<usize> {
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).map_or(0, |&e| e as usize)
        };
        let end = self.ends.get(i).map_or(0, |&e| e as usize);
        start..end
    }

    /// String `i` (`""` for an index past the strings: validation of
    /// every table that holds string indices refuses those, so it is never
    /// reached for a table that was read back). A string of a shared area
    /// is checked to be UTF-8 again as it is read (a few bytes; the area
    /// was checked whole when read, and `unsafe` is not used to skip it).
    pub(crate) fn get(&self, i: u32) -> &str {
        let r = self.range(i);
        match &self.area {
            Area::Owned(s) => s.get(r).unwrap_or(""),
            Area::Shared(b) => b
                .get(r)
                .and_then(|s| std::str::from_utf8(s).ok())
                .unwrap_or(""),
        }
    }

    /// The bytes of string `i` (`get`'s text; strings compare as their
    /// bytes do).
    pub(crate) fn get_bytes(&self, i: u32) -> &[u8] {
        let r = self.range(i);
        let area: &[u8] = match &self.area {
            Area::Owned(s) => s.as_bytes(),
            Area::Shared(b) => b,
        };
        area.get(r).unwrap_or(&[])
    }

    /// The area's bytes and the ends, for a loop over many strings (see
    /// [`Strings::get_bytes`]).
    pub(crate) fn parts(&self) -> (&[u8], &[u32]) {
        let area: &[u8] = match &self.area {
            Area::Owned(s) => s.as_bytes(),
            Area::Shared(b) => b,
        };
        (area, &self.ends)
    }

    /// How many strings there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether `i` is the index of a string.
    pub(crate) fn has(&self, i: u32) -> bool {
        (i as usize) < self.ends.len()
    }

    /// Appends `s` as a new string (no interning) and returns its index
    /// (strings read back are copied out first: only builders append).
    pub(crate) fn push(&mut self, s: &str) -> u32 {
        if let Area::Shared(b) = &self.area {
            let owned = String::from_utf8_lossy(b).into_owned();
            self.area = Area::Owned(owned);
        }
        if let Words::Shared(..) = self.ends {
            self.ends = Words::Owned(self.ends.to_vec());
        }
        let i = self.ends.len() as u32;
        if let (Area::Owned(area), Words::Owned(ends)) = (&mut self.area, &mut self.ends) {
            area.push_str(s);
            ends.push(area.len() as u32);
        }
        i
    }

    /// Appends the area and the ends (read back by [`Strings::read`]).
    pub(crate) fn write(&self, out: &mut dyn Sink) {
        let area: &[u8] = match &self.area {
            Area::Owned(s) => s.as_bytes(),
            Area::Shared(b) => b,
        };
        put_bytes(out, area);
        put_words(out, &self.ends);
    }

    /// Reads what [`Strings::write`] wrote, in place, and validates it:
    /// the area is UTF-8 (one pass), every end is on a character boundary,
    /// the ends never go back and the last is the area's end. `Err` names
    /// the part.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Strings, String> {
        let area = r.shared_bytes()?;
        let text =
            std::str::from_utf8(&area).map_err(|_| "strings that are not UTF-8".to_string())?;
        let ends = r.words()?;
        let mut at = 0u32;
        for &e in ends.iter() {
            if e < at || !text.is_char_boundary(e as usize) {
                return Err("string ends that do not fit".into());
            }
            at = e;
        }
        if at as usize != text.len() {
            return Err("string ends that do not fit".into());
        }
        Ok(Strings {
            area: Area::Shared(area),
            ends,
        })
    }
}

/// Where a graph's cache bytes are written ([`crate::Graph::write_cached`]):
/// a vector, or a writer that streams them to a file (the runtime's cache
/// writes a file without holding its body in memory). The bytes are the
/// same either way.
pub trait Sink {
    /// How many bytes were written so far, from the start of what is read
    /// back into one buffer (words sections are aligned from there).
    fn written(&self) -> usize;
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn written(&self) -> usize {
        self.len()
    }

    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Appends a length (u64, little-endian) and the bytes.
pub(crate) fn put_bytes(out: &mut dyn Sink, bytes: &[u8]) {
    out.put(&(bytes.len() as u64).to_le_bytes());
    out.put(bytes);
}

/// Appends zero bytes up to a multiple of four from `out`'s start, a count
/// (u64, little-endian) and the words in this machine's byte order, so
/// that they can be read in place from a buffer `out` is read back into.
pub(crate) fn put_words(out: &mut dyn Sink, words: &[u32]) {
    let pad = out.written().next_multiple_of(4) - out.written();
    out.put(&[0u8; 3][..pad]);
    out.put(&(words.len() as u64).to_le_bytes());
    out.put(words.as_bytes());
}

/// Reads what [`put_bytes`] and [`put_words`] wrote from a shared
/// [`Buffer`], refusing anything that runs past the end, a words section
/// off a multiple of four bytes or with padding that is not zero.
pub(crate) struct Reader<'a> {
    buf: &'a Arc<Buffer>,
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `buf` from byte `at` (the offsets of words sections are
    /// counted from the buffer's start, as [`put_words`] counted them from
    /// the start of what it wrote into).
    pub(crate) fn new(buf: &'a Arc<Buffer>, at: usize) -> Reader<'a> {
        Reader { buf, at }
    }

    fn take(&mut self, n: u64) -> Result<Range<usize>, String> {
        let n = usize::try_from(n).map_err(|_| "a section is too long".to_string())?;
        let rest = self.buf.len.saturating_sub(self.at);
        if n > rest {
            return Err("a section runs past the end".into());
        }
        let r = self.at..self.at + n;
        self.at += n;
        Ok(r)
    }

    fn len(&mut self) -> Result<u64, String> {
        let r = self.take(8)?;
        let b = &self.buf.bytes()[r];
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// The next section of bytes, borrowed.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        let r = self.take(n)?;
        Ok(&self.buf.bytes()[r])
    }

    /// The next section of bytes, as a range of the shared buffer.
    pub(crate) fn shared_bytes(&mut self) -> Result<Bytes, String> {
        let n = self.len()?;
        let r = self.take(n)?;
        Ok(Bytes::Shared(self.buf.clone(), r))
    }

    /// The next section of words, as a range of the shared buffer.
    pub(crate) fn words(&mut self) -> Result<Words, String> {
        let pad = self.take((self.at.next_multiple_of(4) - self.at) as u64)?;
        if self.buf.bytes()[pad].iter().any(|&b| b != 0) {
            return Err("padding that is not zero".into());
        }
        let n = self.len()?;
        // Padded above, then an 8-byte count: `r` starts on a multiple of 4.
        let r = self.take(n.checked_mul(4).ok_or("a section is too long")?)?;
        Ok(Words::Shared(self.buf.clone(), r.start / 4..r.end / 4))
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.at >= self.buf.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words are read in place after their padding; a section whose
    /// padding is not zero, or that runs past the end, is refused.
    #[test]
    fn words_read_in_place_and_refuse_what_does_not_fit() {
        let mut out = vec![7u8];
        put_words(&mut out, &[1, 2, 3]);
        put_bytes(&mut out, b"ab");
        put_words(&mut out, &[u32::MAX]);
        let buf = Arc::new(Buffer::copy_of(&out));
        let mut r = Reader::new(&buf, 1);
        let words = r.words().unwrap();
        assert!(matches!(words, Words::Shared(..)));
        assert_eq!(&words[..], [1, 2, 3]);
        assert_eq!(r.bytes().unwrap(), b"ab");
        assert_eq!(&r.words().unwrap()[..], [u32::MAX]);
        assert!(r.is_empty());

        let mut bad = out.clone();
        bad[2] = 1;
        let buf = Arc::new(Buffer::copy_of(&bad));
        assert_eq!(
            Reader::new(&buf, 1).words().unwrap_err(),
            "padding that is not zero"
        );
        let buf = Arc::new(Buffer::copy_of(&out[..out.len() - 1]));
        let mut r = Reader::new(&buf, 1);
        r.words().unwrap();
        r.bytes().unwrap();
        assert_eq!(r.words().unwrap_err(), "a section runs past the end");
    }

    /// A buffer reads exactly the length it is given: a source that is
    /// shorter or longer is an error.
    #[test]
    fn a_buffer_reads_exactly_its_length() {
        let bytes = b"0123456789";
        let buf = Buffer::read(&mut &bytes[..], 10).unwrap();
        assert_eq!(buf.bytes(), bytes);
        assert!(Buffer::read(&mut &bytes[..], 11).is_err());
        assert!(Buffer::read(&mut &bytes[..], 9).is_err());
    }
}
