//! The audit head witness: the newest (sequence, hash) written to a file beside the key file,
//! outside the database, so deleting the newest audit entries is detected too.

use crate::{Result, ServiceError};
use palermo_domain::audit::Head;
use palermo_store::HeadWitness;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct HeadFile {
    path: PathBuf,
    last: Mutex<i64>,
}

impl HeadFile {
    pub fn open(path: PathBuf) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ServiceError::Setup(format!("{}: {e}", dir.display())))?;
        }
        let last = read(&path)?.map(|h| h.seq).unwrap_or(0);
        Ok(Self { path, last: Mutex::new(last) })
    }
}

/// Read a head file: `<seq> <hex hash>`. `None` if there is none yet.
pub fn read(path: &Path) -> Result<Option<Head>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ServiceError::Setup(format!("{}: {e}", path.display()))),
    };
    let bad = || ServiceError::Setup(format!("{} is not an audit head file", path.display()));
    let (seq, hash) = text.trim().split_once(' ').ok_or_else(bad)?;
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    let hash: [u8; 32] = hex::decode(hash).map_err(|_| bad())?.try_into().map_err(|_| bad())?;
    Ok(Some(Head { seq, hash }))
}

impl HeadWitness for HeadFile {
    fn observe(&self, head: &Head) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if head.seq <= *last {
            return;
        }
        let tmp = self.path.with_extension("tmp");
        let body = format!("{} {}\n", head.seq, hex::encode(head.hash));
        let written = std::fs::write(&tmp, body).and_then(|()| std::fs::rename(&tmp, &self.path));
        match written {
            Ok(()) => *last = head.seq,
            Err(e) => tracing::error!(error = %e, "could not write the audit head file"),
        }
    }
}
