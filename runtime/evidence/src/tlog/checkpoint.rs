//! The C2SP `tlog-checkpoint` body (c2sp.org/tlog-checkpoint): the origin
//! line, the tree size in decimal, the root hash in standard base64, then
//! optional extension lines, each line ending in a newline. Signed as a
//! [`super::note::Note`] whose text is this body.

use super::merkle::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// A checkpoint: a log's origin, size and root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity (also the key name of its signature).
    pub origin: String,
    /// The number of records.
    pub size: u64,
    /// The Merkle tree root of the first `size` records.
    pub root: Hash,
    /// Extension lines (without their newlines); writ writes none.
    pub extensions: Vec<String>,
}

/// Why a checkpoint body is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// The body does not end with a newline.
    NoFinalNewline,
    /// The origin line is missing or empty.
    NoOrigin,
    /// The tree size line is missing.
    NoSize,
    /// The tree size is not decimal without leading zeros.
    Size(String),
    /// The root hash line is missing.
    NoRoot,
    /// The root is not a base64 SHA-256 hash.
    Root(String),
    /// An extension line is empty.
    EmptyExtension,
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointError::NoFinalNewline => f.write_str("a checkpoint must end with a newline"),
            CheckpointError::NoOrigin => f.write_str("the checkpoint has no origin line"),
            CheckpointError::NoSize => f.write_str("the checkpoint has no tree size line"),
            CheckpointError::Size(text) => {
                write!(f, "`{text}` is not a tree size (decimal, no leading zeros)")
            }
            CheckpointError::NoRoot => f.write_str("the checkpoint has no root hash line"),
            CheckpointError::Root(text) => {
                write!(f, "`{text}` is not a base64 SHA-256 root hash")
            }
            CheckpointError::EmptyExtension => {
                f.write_str("the checkpoint has an empty extension line")
            }
        }
    }
}

impl std::error::Error for CheckpointError {}

impl Checkpoint {
    /// The checkpoint's text (the signed note's body).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint body; any malformation is an error.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NoFinalNewline)?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::NoOrigin);
        }
        let size_text = lines.next().ok_or(CheckpointError::NoSize)?;
        let size: u64 = size_text
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == size_text)
            .ok_or_else(|| CheckpointError::Size(size_text.to_string()))?;
        let root_text = lines.next().ok_or(CheckpointError::NoRoot)?;
        let root: Hash = B64
            .decode(root_text)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| CheckpointError::Root(root_text.to_string()))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_malformed_bodies() {
        // The example of c2sp.org/tlog-checkpoint (Go's checksum database).
        let text = "example.com/origin\n923748\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n";
        let c = Checkpoint::parse(text).unwrap();
        assert_eq!((c.origin.as_str(), c.size), ("example.com/origin", 923748));
        assert_eq!(c.to_text(), text);
        let with_ext = "o\n1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\next one\n";
        assert_eq!(
            Checkpoint::parse(with_ext).unwrap().extensions,
            vec!["ext one"]
        );
        for bad in [
            "",
            "o\n1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=",
            "\n1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
            "o\n01\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
            "o\n-1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
            "o\n1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+Qe=\n",
            "o\n1\n\n",
            "o\n1\n",
            "o\n1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n\n",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Checkpoint::parse("o\n01\nx\n"),
            Err(CheckpointError::Size("01".into()))
        );
        assert_eq!(Checkpoint::parse("o\n1\n"), Err(CheckpointError::NoRoot));
    }
}
