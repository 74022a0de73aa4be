//! Source files and the map of one run's files (line/column arithmetic is
//! [`crate::LineIndex`]'s).

use crate::{LineCol, LineIndex, Span};
use codespan_reporting::files::{self, Files};
use std::ops::Range;
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct FileId(pub u32);

/// A source file's text, shared: an `Arc<String>`, so that a `String` just
/// read from a file becomes shared text without a copy (an `Arc<str>` would
/// copy it into a new allocation — 38 MB of fresh pages for a graph of
/// 100,000 services).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SharedText(Arc<String>);

impl SharedText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for SharedText {
    fn from(text: String) -> SharedText {
        SharedText(Arc::new(text))
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> SharedText {
        SharedText(Arc::new(text.to_string()))
    }
}

impl From<Arc<str>> for SharedText {
    fn from(text: Arc<str>) -> SharedText {
        SharedText(Arc::new(text.to_string()))
    }
}

/// One named source text with its line index. The text is shared: a
/// caller that keeps it too (the analysis database keeps the graph's text)
/// holds the same allocation, not a copy. The line index is built on first
/// use: most runs never render a diagnostic in a large graph file, whose
/// index (a `usize` a line) would be megabytes.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: SharedText,
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceFile {
    /// A file called `name` (usually a path) holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<SharedText>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The file's name as shown to users.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The whole text, shared.
    pub fn shared_text(&self) -> &SharedText {
        &self.text
    }

    /// 0-based index of the line holding byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        self.lines().line_of(offset)
    }

    /// Byte offset of the start of 0-based line `line`.
    pub fn line_start(&self, line: usize) -> usize {
        self.lines().line_start(line)
    }

    /// 1-based line and column of byte `offset` (clamped to the text, and to a
    /// character boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines().line_col(self.text.as_str(), offset)
    }

    /// The file's line index.
    pub fn lines(&self) -> &LineIndex {
        self.lines
            .get_or_init(|| LineIndex::new(self.text.as_str()))
    }

    /// The text under `span`, or `""` if the span is out of bounds.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All source files of one run, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<SharedText>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        FileId(self.files.len() as u32 - 1)
    }

    /// Replaces the text of file `id` (after an edit), keeping its name.
    pub fn replace(&mut self, id: FileId, text: impl Into<SharedText>) {
        if let Some(file) = self.files.get_mut(id.0 as usize) {
            *file = SourceFile::new(file.name.clone(), text);
        }
    }

    /// The file with id `id`.
    ///
    /// # Panics
    /// If `id` was not returned by this map's [`SourceMap::add`].
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    fn lookup(&self, id: FileId) -> Result<&SourceFile, files::Error> {
        self.files
            .get(id.0 as usize)
            .ok_or(files::Error::FileMissing)
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(self.lookup(id)?.name())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(self.lookup(id)?.text())
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.lookup(id)?.line_index(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let lines = self.lookup(id)?.lines();
        lines
            .line_range(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: lines.line_count() - 1,
            })
    }
}
