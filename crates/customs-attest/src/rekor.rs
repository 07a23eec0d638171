//! Rekor transparency-log proofs checked offline: RFC 6962 Merkle inclusion
//! proofs, signed checkpoints (signed notes) and signed entry timestamps.

use sha2::{Digest as _, Sha256};

/// RFC 6962 leaf hash: SHA-256(0x00 || leaf).
pub(crate) fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), String> {
    if index >= size {
        return Err(format!("leaf index {index} is not below tree size {size}"));
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = leaf;
    for p in proof {
        if p.len() != 32 {
            return Err("proof hash is not 32 bytes".into());
        }
        if snode == 0 {
            return Err("proof is longer than the tree is deep".into());
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
        return Err("proof is shorter than the tree is deep".into());
    }
    if r.as_slice() != root {
        return Err("computed root hash does not match the proof's root hash".into());
    }
    Ok(())
}

/// The canonical JSON a signed entry timestamp covers (keys sorted, no
/// spaces), as Rekor signs it.
pub(crate) fn set_payload(
    body: &[u8],
    integrated_time: i64,
    log_id: &[u8],
    log_index: i64,
) -> Vec<u8> {
    format!(
        r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
        crate::b64::encode(body),
        hex::encode(log_id)
    )
    .into_bytes()
}

/// A parsed signed checkpoint.
#[derive(Debug)]
pub(crate) struct Checkpoint<'a> {
    /// The signed text: origin, size, root hash and extension lines, each
    /// ending in a newline.
    pub(crate) text: &'a str,
    pub(crate) origin: &'a str,
    pub(crate) size: u64,
    pub(crate) root: Vec<u8>,
    /// (signer name, 4-byte key hint, signature)
    pub(crate) signatures: Vec<(&'a str, Vec<u8>, Vec<u8>)>,
}

/// Parses a signed note checkpoint (transparency-dev format).
pub(crate) fn parse_checkpoint(envelope: &str) -> Result<Checkpoint<'_>, String> {
    let split = envelope
        .find("\n\n")
        .ok_or("no blank line between note and signatures")?;
    let text = envelope.get(..=split).ok_or("bad note")?;
    let mut lines = text.lines();
    let origin = lines
        .next()
        .filter(|l| !l.is_empty())
        .ok_or("no origin line")?;
    let size = lines
        .next()
        .and_then(|l| l.parse::<u64>().ok())
        .ok_or("bad tree size line")?;
    let root = lines
        .next()
        .and_then(|l| crate::b64::decode(l).ok())
        .ok_or("bad root hash line")?;
    let mut signatures = Vec::new();
    for line in envelope.get(split + 2..).unwrap_or_default().lines() {
        if line.is_empty() {
            continue;
        }
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or("signature line does not start with an em dash")?;
        let (name, sig) = rest
            .rsplit_once(' ')
            .ok_or("signature line has no signature")?;
        let raw = crate::b64::decode(sig).map_err(|_| "signature is not base64")?;
        if raw.len() < 5 {
            return Err("signature is too short".into());
        }
        let (hint, sig) = raw.split_at(4);
        signatures.push((name, hint.to_vec(), sig.to_vec()));
    }
    if signatures.is_empty() {
        return Err("checkpoint has no signature".into());
    }
    Ok(Checkpoint {
        text,
        origin,
        size,
        root,
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<Vec<u8>> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(tree_root_rfc(&leaves[k..]).to_vec());
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(tree_root_rfc(&leaves[..k]).to_vec());
            p
        }
    }

    #[test]
    fn inclusion_proofs_for_every_leaf_of_small_trees() {
        for n in 1..=17usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let root = if n == 1 {
                leaves[0]
            } else {
                node_hash(&tree_root_rfc(&leaves[..k]), &tree_root_rfc(&leaves[k..]))
            };
            for m in 0..n {
                let p = path(m, &leaves);
                verify_inclusion(m as u64, n as u64, leaves[m], &p, &root).unwrap();
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = leaf_hash(first).to_vec();
                    assert!(verify_inclusion(m as u64, n as u64, leaves[m], &bad, &root).is_err());
                }
                assert!(verify_inclusion(n as u64, n as u64, leaves[m], &p, &root).is_err());
            }
        }
    }

    fn tree_root_rfc(leaves: &[[u8; 32]]) -> [u8; 32] {
        let n = leaves.len();
        if n == 1 {
            return leaves[0];
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        node_hash(&tree_root_rfc(&leaves[..k]), &tree_root_rfc(&leaves[k..]))
    }

    #[test]
    fn parses_checkpoint() {
        let cp =
            "log - 1\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} log AQIDBAUG\n";
        let c = parse_checkpoint(cp).unwrap();
        assert_eq!((c.origin, c.size, c.root.len()), ("log - 1", 3, 32));
        assert_eq!(
            c.text,
            "log - 1\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        );
        assert_eq!(c.signatures, vec![("log", vec![1, 2, 3, 4], vec![5, 6])]);
        assert!(parse_checkpoint("log\n3\n").is_err());
    }
}
