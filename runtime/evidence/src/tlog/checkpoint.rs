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
    pub fn parse(text: &str) -> Result<Checkpoint, String> {
        let body = text
            .strip_suffix('\n')
            .ok_or("a checkpoint must end with a newline")?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err("the checkpoint has no origin line".into());
        }
        let size_text = lines.next().ok_or("the checkpoint has no tree size line")?;
        let size: u64 = size_text
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == size_text)
            .ok_or_else(|| {
                format!("`{size_text}` is not a tree size (decimal, no leading zeros)")
            })?;
        let root_text = lines.next().ok_or("the checkpoint has no root hash line")?;
        let root: Hash = B64
            .decode(root_text)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| format!("`{root_text}` is not a base64 SHA-256 root hash"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err("the checkpoint has an empty extension line".into());
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
    }
}
