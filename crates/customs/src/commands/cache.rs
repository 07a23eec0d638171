//! `customs cache clean`.

use customs_image::LayerCache;

use crate::args::CacheDirArgs;
use crate::exit::ExitStatus;

pub(crate) fn clean(args: &CacheDirArgs) -> anyhow::Result<ExitStatus> {
    let dir = args
        .cache_dir
        .clone()
        .unwrap_or_else(LayerCache::default_dir);
    let removed = LayerCache::open(&dir)?.clean()?;
    eprintln!("removed {removed} cache entries from {}", dir.display());
    Ok(ExitStatus::Success)
}
