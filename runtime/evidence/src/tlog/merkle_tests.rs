//! The Merkle tree against the published Certificate Transparency vectors
//! (transparency-dev/merkle, `proof/verify_test.go`: leaves, roots, inclusion
//! proofs with 1-based leaf numbers, consistency proofs) and against
//! corrupted proofs built the way that suite builds them.

use super::*;

fn h(s: &str) -> Hash {
    assert_eq!(s.len(), 64);
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (1-based leaf, tree size, proof)
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        3,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        2,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference() -> Tree {
    let mut t = Tree::new();
    for l in LEAVES {
        t.push(leaf_hash(&bytes(l)));
    }
    t
}

#[test]
fn roots_match_the_published_vectors() {
    assert_eq!(
        empty_root(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    let t = reference();
    assert_eq!(t.root(0), Some(empty_root()));
    for (n, root) in ROOTS.iter().enumerate() {
        assert_eq!(t.root(n as u64 + 1), Some(h(root)), "size {}", n + 1);
    }
    assert_eq!(t.root(9), None);
    // Built in one go or leaf by leaf: the same tree.
    let all: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(&bytes(l))).collect();
    let bulk = Tree::from_leaf_hashes(all);
    for n in 0..=8 {
        assert_eq!(bulk.root(n), t.root(n));
    }
}

#[test]
fn inclusion_proofs_match_the_published_vectors_and_corruptions_fail() {
    let t = reference();
    for (leaf, size, proof) in INCLUSION {
        let proof: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        let index = leaf - 1;
        assert_eq!(
            t.inclusion_proof(index, size).unwrap(),
            proof,
            "{leaf}/{size}"
        );
        let root = h(ROOTS[size as usize - 1]);
        let lh = t.leaf(index).unwrap();
        verify_inclusion(index, size, &lh, &proof, &root).unwrap();
        // The corruptions of transparency-dev/merkle's suite.
        let mut bad: Vec<(u64, u64, Hash, Vec<Hash>, Hash)> = vec![
            (index.wrapping_sub(1), size, lh, proof.clone(), root),
            (index + 1, size, lh, proof.clone(), root),
            (index ^ 2, size, lh, proof.clone(), root),
            (index, size * 2, lh, proof.clone(), root),
            (index, size / 2, lh, proof.clone(), root),
            (index, size, leaf_hash(b"WrongLeaf"), proof.clone(), root),
            (index, size, lh, proof.clone(), empty_root()),
        ];
        let mut longer = proof.clone();
        longer.push(root);
        bad.push((index, size, lh, longer, root));
        let mut front = vec![root];
        front.extend(proof.iter().copied());
        bad.push((index, size, lh, front, root));
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 8;
            bad.push((index, size, lh, p, root));
        }
        if !proof.is_empty() {
            bad.push((index, size, lh, proof[..proof.len() - 1].to_vec(), root));
        }
        for (i, (ix, sz, l, p, r)) in bad.iter().enumerate() {
            assert!(
                verify_inclusion(*ix, *sz, l, p, r).is_err(),
                "corruption {i} of {leaf}/{size} verified"
            );
        }
    }
}

#[test]
fn consistency_proofs_match_the_published_vectors_and_corruptions_fail() {
    let t = reference();
    for (old, new, proof) in CONSISTENCY {
        let proof: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        assert_eq!(
            t.consistency_proof(old, new).unwrap(),
            proof,
            "{old}->{new}"
        );
        let (r1, r2) = (h(ROOTS[old as usize - 1]), h(ROOTS[new as usize - 1]));
        verify_consistency(old, new, &r1, &r2, &proof).unwrap();
        if proof.is_empty() {
            continue;
        }
        let mut bad: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, proof.clone()),
            (old + 1, new, r1, r2, proof.clone()),
            (old ^ 2, new, r1, r2, proof.clone()),
            (old, new * 2, r1, r2, proof.clone()),
            (old, new / 2, r1, r2, proof.clone()),
            (old, new, leaf_hash(b"WrongRoot"), r2, proof.clone()),
            (old, new, r1, leaf_hash(b"WrongRoot"), proof.clone()),
            (old, new, r2, r1, proof.clone()),
            (old, new, r1, r2, vec![]),
            (old, new, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        for extra in [r1, r2, proof[0]] {
            let mut p = proof.clone();
            p.push(extra);
            bad.push((old, new, r1, r2, p));
            let mut p = vec![extra];
            p.extend(proof.iter().copied());
            bad.push((old, new, r1, r2, p));
        }
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            bad.push((old, new, r1, r2, p));
        }
        for (i, (o, n, a, b, p)) in bad.iter().enumerate() {
            assert!(
                verify_consistency(*o, *n, a, b, p).is_err(),
                "corruption {i} of {old}->{new} verified"
            );
        }
    }
    // The edge cases of the same suite.
    let (a, b) = (leaf_hash(b"1"), leaf_hash(b"2"));
    assert_eq!(
        verify_consistency(0, 0, &a, &b, &[]),
        Err(MerkleError::TwoRoots { size: 0 })
    );
    assert!(verify_consistency(0, 0, &a, &a, &[]).is_ok());
    assert!(verify_consistency(0, 1, &a, &b, &[]).is_ok());
    assert_eq!(
        verify_consistency(1, 0, &a, &b, &[]),
        Err(MerkleError::OldLarger { old: 1, new: 0 })
    );
    assert_eq!(
        verify_consistency(1, 2, &a, &b, &[]),
        Err(MerkleError::ConsistencyEmpty)
    );
    assert_eq!(
        verify_consistency(0, 1, &a, &a, &[empty_root()]),
        Err(MerkleError::FromEmptyNotEmpty)
    );
    assert_eq!(
        verify_inclusion(3, 3, &a, &[], &a),
        Err(MerkleError::IndexOutside { index: 3, size: 3 })
    );
}

#[test]
fn every_proof_of_every_size_round_trips() {
    let mut t = Tree::new();
    for i in 0..70u32 {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    for n in 1..=70 {
        let root = t.root(n).unwrap();
        for i in 0..n {
            let p = t.inclusion_proof(i, n).unwrap();
            assert!(p.len() <= 64 - (n - 1).leading_zeros() as usize + 1);
            verify_inclusion(i, n, &t.leaf(i).unwrap(), &p, &root).unwrap();
            if i > 0 {
                assert!(verify_inclusion(i - 1, n, &t.leaf(i).unwrap(), &p, &root).is_err());
            }
        }
        for m in 0..=n {
            let p = t.consistency_proof(m, n).unwrap();
            verify_consistency(m, n, &t.root(m).unwrap(), &root, &p).unwrap();
        }
    }
}

#[test]
fn the_frontier_gives_every_root_and_the_last_leaf_s_proof() {
    let mut t = Tree::new();
    let mut f: Vec<Hash> = Vec::new();
    for n in 0..70u64 {
        assert_eq!(t.frontier(n).unwrap(), f, "size {n}");
        assert_eq!(frontier_root(&f), t.root(n).unwrap(), "size {n}");
        let leaf = leaf_hash(&n.to_be_bytes());
        // The audit path of the last leaf is the old frontier, smallest first.
        let path: Vec<Hash> = f.iter().rev().copied().collect();
        frontier_push(&mut f, n, leaf);
        t.push(leaf);
        assert_eq!(t.inclusion_proof(n, n + 1).unwrap(), path, "size {}", n + 1);
    }
}
