//! The flat binary form the runtime's prepared-plan cache stores a graph's
//! tables in (the node table, `graph/table.rs`; the path index,
//! `paths/cached.rs`): interned strings in one UTF-8 area with where each
//! ends ([`Strings`]), and sections of bytes or little-endian `u32` words,
//! each after its length ([`put_bytes`], [`put_words`]), read back by a
//! [`Reader`] that refuses any section running past the end. Everything
//! read back is validated before use ([`Strings::read`] checks the area
//! and the ends), so that no accessor indexes out of bounds.

/// Interned strings: one UTF-8 area and where each string ends.
#[derive(Clone, Debug, Default)]
pub(crate) struct Strings {
    area: String,
    ends: Vec<u32>,
}

impl Strings {
    /// String `i` (`""` for an index past the strings: validation of
    /// every table that holds string indices refuses those, so it is never
    /// reached for a table that was read back).
    pub(crate) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).map_or(0, |&e| e as usize)
        };
        let end = self.ends.get(i).map_or(0, |&e| e as usize);
        self.area.get(start..end).unwrap_or("")
    }

    /// How many strings there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether `i` is the index of a string.
    pub(crate) fn has(&self, i: u32) -> bool {
        (i as usize) < self.ends.len()
    }

    /// Appends `s` as a new string (no interning) and returns its index.
    pub(crate) fn push(&mut self, s: &str) -> u32 {
        let i = self.ends.len() as u32;
        self.area.push_str(s);
        self.ends.push(self.area.len() as u32);
        i
    }

    /// Appends the area and the ends (read back by [`Strings::read`]).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.area.as_bytes());
        put_words(out, &self.ends);
    }

    /// Reads what [`Strings::write`] wrote and validates it: the area is
    /// UTF-8 (one pass), every end is on a character boundary, the ends
    /// never go back and the last is the area's end. `Err` names the part.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Strings, String> {
        let area = std::str::from_utf8(r.bytes()?)
            .map_err(|_| "strings that are not UTF-8".to_string())?
            .to_owned();
        let ends = r.words()?;
        let mut at = 0u32;
        for &e in &ends {
            if e < at || !area.is_char_boundary(e as usize) {
                return Err("string ends that do not fit".into());
            }
            at = e;
        }
        if at as usize != area.len() {
            return Err("string ends that do not fit".into());
        }
        Ok(Strings { area, ends })
    }
}

/// Appends a length (u64, little-endian) and the bytes.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Appends a count (u64, little-endian) and the words, little-endian.
pub(crate) fn put_words(out: &mut Vec<u8>, words: &[u32]) {
    out.extend_from_slice(&(words.len() as u64).to_le_bytes());
    out.reserve(words.len() * 4);
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

/// Reads what [`put_bytes`] and [`put_words`] wrote, refusing anything
/// that runs past the end.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "a section is too long".to_string())?;
        if n > self.rest.len() {
            return Err("a section runs past the end".into());
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn len(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// The next section of bytes.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n)
    }

    /// The next section of words.
    pub(crate) fn words(&mut self) -> Result<Vec<u32>, String> {
        Ok(self.word_bytes()?.map(u32::from_le_bytes).collect())
    }

    /// The next section of words, each as its four bytes, read in place
    /// (for a caller that decodes them into something else than words).
    pub(crate) fn word_bytes(
        &mut self,
    ) -> Result<impl ExactSizeIterator<Item = [u8; 4]> + 'a, String> {
        let n = self.len()?;
        let b = self.take(n.checked_mul(4).ok_or("a section is too long")?)?;
        Ok(b.chunks_exact(4)
            .map(|w| <[u8; 4]>::try_from(w).expect("4 bytes")))
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}
