//! Finding the `.slt` files named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Expands `paths` into the `.slt` files to run: a file is taken as is (whatever its
/// extension), a directory contributes every `*.slt` file below it, recursively.
/// Each directory's files are sorted; duplicates are dropped, keeping the first.
pub(crate) fn collect_slt_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).with_context(|| format!("cannot access {}", path.display()))?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(file.clone()));
    if files.is_empty() {
        bail!("no .slt files found");
    }
    for file in &files {
        if file.to_str().is_none() {
            bail!("{} is not valid UTF-8; rename it", file.display());
        }
    }
    Ok(files)
}

/// Appends every `*.slt` file below `dir` to `found`.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read directory {}", dir.display()))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .with_context(|| format!("cannot stat {}", path.display()))?;
        if file_type.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "slt") {
            found.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_recursively_and_sorted() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("b/c"))?;
        for name in ["b/c/z.slt", "b/a.slt", "a.slt", "notes.txt"] {
            std::fs::write(dir.path().join(name), "")?;
        }
        let files = collect_slt_files(&[dir.path().to_path_buf()])?;
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(dir.path()).map(|p| p.to_path_buf()))
            .collect::<Result<_, _>>()?;
        assert_eq!(
            names,
            vec![
                PathBuf::from("a.slt"),
                PathBuf::from("b/a.slt"),
                PathBuf::from("b/c/z.slt")
            ]
        );
        Ok(())
    }

    #[test]
    fn missing_path_is_an_error() {
        assert!(collect_slt_files(&[PathBuf::from("/nonexistent/x.slt")]).is_err());
    }
}
