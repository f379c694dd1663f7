//! Finding the test files named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The extensions of the files a directory contributes: `.slt` (this project's files)
/// and `.test` (SQLite's sqllogictest corpus).
const TEST_FILE_EXTENSIONS: [&str; 2] = ["slt", "test"];

/// One test file to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TestFile {
    /// The file, as found (a command-line path, or one below a command-line directory).
    pub(crate) path: PathBuf,
    /// The file's stable name: its path relative to the command-line directory it was
    /// found in, or its file name when named directly. Known-failure lists key on it, so
    /// they do not depend on where the files sit on a machine.
    pub(crate) name: String,
}

/// Expands `paths` into the test files to run: a file is taken as is (whatever its
/// extension), a directory contributes every `*.slt` and `*.test` file below it,
/// recursively. Each directory's files are sorted; duplicates are dropped, keeping the
/// first.
pub(crate) fn collect_test_files(paths: &[PathBuf]) -> anyhow::Result<Vec<TestFile>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).with_context(|| format!("cannot access {}", path.display()))?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            for file in found {
                let name = file.strip_prefix(path).unwrap_or(&file).to_path_buf();
                files.push((file, name));
            }
        } else {
            let name = path.file_name().map_or_else(|| path.clone(), PathBuf::from);
            files.push((path.clone(), name));
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|(file, _)| seen.insert(file.clone()));
    if files.is_empty() {
        bail!("no .slt or .test files found");
    }
    files
        .into_iter()
        .map(|(path, name)| match (path.to_str(), name.to_str()) {
            (Some(_), Some(name)) => Ok(TestFile {
                name: name.to_owned(),
                path,
            }),
            _ => bail!("{} is not valid UTF-8; rename it", path.display()),
        })
        .collect()
}

/// Appends every test file (by [`TEST_FILE_EXTENSIONS`]) below `dir` to `found`.
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
        } else if path
            .extension()
            .is_some_and(|ext| TEST_FILE_EXTENSIONS.iter().any(|known| ext == *known))
        {
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
        for name in ["b/c/z.slt", "b/a.slt", "a.slt", "select1.test", "notes.txt"] {
            std::fs::write(dir.path().join(name), "")?;
        }
        let files = collect_test_files(&[dir.path().to_path_buf()])?;
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["a.slt", "b/a.slt", "b/c/z.slt", "select1.test"]);
        for file in &files {
            assert_eq!(file.path, dir.path().join(&file.name));
        }
        Ok(())
    }

    #[test]
    fn a_named_file_is_named_by_its_file_name() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("in1.test");
        std::fs::write(&path, "")?;
        let files = collect_test_files(&[path.clone(), path.clone()])?;
        assert_eq!(
            files,
            vec![TestFile {
                path,
                name: "in1.test".to_owned()
            }]
        );
        Ok(())
    }

    #[test]
    fn missing_path_is_an_error() {
        assert!(collect_test_files(&[PathBuf::from("/nonexistent/x.slt")]).is_err());
    }
}
