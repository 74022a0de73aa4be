//! RFC 6962 / RFC 9162 Merkle tree hashing over the ledger's records: leaf
//! and node hashes, the tree head of any prefix, inclusion and consistency
//! proofs, and their verification (RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! [`Tree`] keeps every complete subtree hash (about two hashes per leaf, 64
//! bytes), so the root of any prefix and any proof cost O(log² n) hash look-ups
//! and at most O(log n) hash computations. Tested against the published
//! Certificate Transparency vectors (transparency-dev/merkle `proof/verify_test.go`).

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub(crate) fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A hash as lowercase hex.
pub fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The root of the empty tree: `SHA-256()`.
pub(crate) fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// An append-only Merkle tree held in memory.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// `levels[k][i]` is the hash of the complete subtree of `2^k` leaves
    /// starting at leaf `i * 2^k`; `levels[0]` are the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree {
            levels: vec![Vec::new()],
        }
    }

    /// A tree over these leaf hashes, in order.
    pub(crate) fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() >= 2) {
            let below = levels.last().expect("a level");
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(above);
        }
        Tree { levels }
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut k = 0;
        while self.levels[k].len() % 2 == 0 {
            let n = self.levels[k].len();
            let h = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[k + 1].push(h);
            k += 1;
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The hash of leaf `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// The root of the tree of the first `size` leaves (`None` if the tree is smaller).
    pub fn root(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        Some(self.subtree(0, size))
    }

    /// MTH(D[lo..hi]) for a range of a prefix tree (its subtrees are aligned).
    fn subtree(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() && lo % n == 0 {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][(lo / n) as usize];
        }
        let k = split(n);
        node_hash(&self.subtree(lo, lo + k), &self.subtree(lo + k, hi))
    }

    /// The right edge of the tree of the first `size` leaves: the roots of
    /// its maximal complete subtrees, largest (leftmost) first.
    pub(crate) fn frontier(&self, size: u64) -> Option<Vec<Hash>> {
        if size > self.size() {
            return None;
        }
        let mut out = Vec::new();
        let mut lo = 0;
        for bit in (0..64).rev() {
            let width = 1u64 << bit;
            if size & width != 0 {
                out.push(self.subtree(lo, lo + width));
                lo += width;
            }
        }
        Some(out)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size`
    /// leaves, leaf side first (RFC 6962 §2.1.1 PATH).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.subtree(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.subtree(lo, lo + k));
        }
    }

    /// The consistency proof between the trees of the first `old` and the
    /// first `new` leaves (RFC 6962 §2.1.2 PROOF).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(self.subtree(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, whole, out);
            out.push(self.subtree(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.subtree(lo, lo + k));
        }
    }
}

/// The root of a tree given its [`Tree::frontier`].
pub(crate) fn frontier_root(frontier: &[Hash]) -> Hash {
    let Some((last, rest)) = frontier.split_last() else {
        return empty_root();
    };
    rest.iter().rev().fold(*last, |r, h| node_hash(h, &r))
}

/// Appends a leaf to the frontier of a tree of `size` leaves.
pub(crate) fn frontier_push(frontier: &mut Vec<Hash>, size: u64, leaf: Hash) {
    let mut h = leaf;
    let mut s = size;
    while s & 1 == 1 {
        let Some(left) = frontier.pop() else { break };
        h = node_hash(&left, &h);
        s >>= 1;
    }
    frontier.push(h);
}

/// Why an inclusion or consistency proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MerkleError {
    /// The leaf index is not inside the tree.
    IndexOutside {
        /// The leaf index.
        index: u64,
        /// The tree's size.
        size: u64,
    },
    /// The inclusion proof has more hashes than the path to the root.
    InclusionTooLong,
    /// The inclusion proof has fewer hashes than the path to the root.
    InclusionTooShort,
    /// The inclusion proof leads to another root.
    InclusionRoot,
    /// The old tree is larger than the new one.
    OldLarger {
        /// The old tree's size.
        old: u64,
        /// The new tree's size.
        new: u64,
    },
    /// A consistency proof between equal sizes is not empty.
    EqualSizesNotEmpty,
    /// Two roots for one tree size: the log was rewritten.
    TwoRoots {
        /// The tree size.
        size: u64,
    },
    /// A consistency proof from the empty tree is not empty.
    FromEmptyNotEmpty,
    /// The consistency proof is empty where it cannot be.
    ConsistencyEmpty,
    /// The consistency proof has more hashes than needed.
    ConsistencyTooLong,
    /// The consistency proof has fewer hashes than needed.
    ConsistencyTooShort,
    /// The old records no longer hash to the old root: the log was rewritten.
    OldRoot {
        /// The old tree's size.
        old: u64,
    },
    /// The consistency proof leads to another new root.
    NewRoot,
}

impl std::fmt::Display for MerkleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MerkleError::IndexOutside { index, size } => {
                write!(f, "leaf index {index} is outside a tree of {size} leaves")
            }
            MerkleError::InclusionTooLong => {
                f.write_str("the inclusion proof is longer than the tree is deep")
            }
            MerkleError::InclusionTooShort => {
                f.write_str("the inclusion proof is shorter than the tree is deep")
            }
            MerkleError::InclusionRoot => {
                f.write_str("the inclusion proof does not lead to the tree's root")
            }
            MerkleError::OldLarger { old, new } => write!(
                f,
                "the old tree ({old} leaves) is larger than the new one ({new})"
            ),
            MerkleError::EqualSizesNotEmpty => {
                f.write_str("a consistency proof between equal sizes must be empty")
            }
            MerkleError::TwoRoots { size } => write!(
                f,
                "two different roots for the same tree size {size}: the log was rewritten"
            ),
            MerkleError::FromEmptyNotEmpty => {
                f.write_str("a consistency proof from the empty tree must be empty")
            }
            MerkleError::ConsistencyEmpty => f.write_str("the consistency proof is empty"),
            MerkleError::ConsistencyTooLong => f.write_str("the consistency proof is too long"),
            MerkleError::ConsistencyTooShort => f.write_str("the consistency proof is too short"),
            MerkleError::OldRoot { old } => write!(
                f,
                "the first {old} records no longer hash to the old root: the log was rewritten"
            ),
            MerkleError::NewRoot => {
                f.write_str("the consistency proof does not lead to the new root")
            }
        }
    }
}

impl std::error::Error for MerkleError {}

/// Checks that `proof` proves leaf `leaf` at `index` in the tree of `size`
/// leaves whose root is `root` (RFC 9162 §2.1.3.2).
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutside { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(MerkleError::InclusionTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(MerkleError::InclusionTooShort);
    }
    if &r != root {
        return Err(MerkleError::InclusionRoot);
    }
    Ok(())
}

/// Checks that `proof` proves the tree of `old` leaves with root `old_root`
/// is a prefix of the tree of `new` leaves with root `new_root` (RFC 9162 §2.1.4.2).
pub(crate) fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old > new {
        return Err(MerkleError::OldLarger { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(MerkleError::EqualSizesNotEmpty);
        }
        if old_root != new_root {
            return Err(MerkleError::TwoRoots { size: old });
        }
        return Ok(());
    }
    if old == 0 {
        if !proof.is_empty() {
            return Err(MerkleError::FromEmptyNotEmpty);
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(MerkleError::ConsistencyEmpty);
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(MerkleError::ConsistencyTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(MerkleError::ConsistencyTooShort);
    }
    if &fr != old_root {
        return Err(MerkleError::OldRoot { old });
    }
    if &sr != new_root {
        return Err(MerkleError::NewRoot);
    }
    Ok(())
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;
