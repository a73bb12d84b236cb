//! File-system calls that name the path in their errors.
//!
//! Every read and write in handover goes through here, so a failure always tells the
//! user which file, relative to the site root, and what to do.
//!
//! Inputs are read only inside the site folder: a symbolic link that resolves
//! outside it is an error at the link's path, and is not followed (a link to
//! `/proc/self/environ` must not put the environment into a published page). A
//! link that stays inside the site is followed.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, Span};

/// What `pick` finds among the entries under `root` (not `root` itself, and not
/// through symbolic links), in the order of a walk sorted by file name (a
/// folder, then what it holds, then the next). The folders are read on every
/// core: an output of 40,000 pages is 80,000 entries, which one core takes a
/// second over.
pub fn find_under<T: Send>(
    root: &Path,
    pick: &(dyn Fn(&Path, std::fs::FileType) -> Option<T> + Sync),
) -> Vec<T> {
    let mut found = find_unsorted(root, pick);
    // A path's components in turn, as a walk sorted by file name meets
    // them: a folder before what it holds, `a/b` before `a-b`.
    found.sort_by(|(a, _), (b, _)| a.cmp(b));
    found.into_iter().map(|(_, picked)| picked).collect()
}

/// Entries of a folder read at a time: a folder of 25,000 pages' folders
/// held 1.3 MB of them at once on each core, and what is found is few.
const FIND_CHUNK: usize = 1024;

/// What [`find_under`] finds, with its path, in no order.
fn find_unsorted<T: Send>(
    root: &Path,
    pick: &(dyn Fn(&Path, std::fs::FileType) -> Option<T> + Sync),
) -> Vec<(PathBuf, T)> {
    let Ok(mut entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    loop {
        let chunk: Vec<_> = entries.by_ref().flatten().take(FIND_CHUNK).collect();
        if chunk.is_empty() {
            return found;
        }
        found.par_extend(chunk.par_iter().flat_map_iter(|entry| {
            let (path, kind) = (entry.path(), entry.file_type().ok());
            let below = match kind {
                Some(kind) if kind.is_dir() => find_unsorted(&path, pick),
                _ => Vec::new(),
            };
            let picked = kind.and_then(|kind| pick(&path, kind));
            picked.map(|picked| (path, picked)).into_iter().chain(below)
        }));
    }
}

/// Reads a UTF-8 file; `shown` is the path as the user knows it. A
/// byte-order mark at its start is dropped: Notepad and many translation
/// tools save UTF-8 with one, and it is no part of the text (Tera would take
/// it for text before `{% extends %}`, Fluent for a broken first entry).
pub fn read_to_string(path: &Path, shown: &str) -> Result<String, Diagnostic> {
    let mut bytes = std::fs::read(path).map_err(|error| io_error(&error, shown, "read"))?;
    if bytes.starts_with(UTF8_MARK) {
        bytes.drain(..UTF8_MARK.len());
    }
    String::from_utf8(bytes).map_err(|error| not_utf8(shown, error))
}

/// The byte-order mark, U+FEFF, in UTF-8.
const UTF8_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Points at the first byte that is not UTF-8, as a line and column: the snippet
/// shows the line with `\u{fffd}` where the editor sees an accented letter.
fn not_utf8(shown: &str, error: std::string::FromUtf8Error) -> Diagnostic {
    let at = error.utf8_error().valid_up_to();
    let bytes = error.into_bytes();
    // Its mark: a snippet of it would show every other byte as nothing.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Diagnostic::error(
            "io::not-utf8",
            format!("{shown} is saved as UTF-16, not as UTF-8 text"),
        )
        .in_file(shown)
        .help("save the file as UTF-8 (in the editor: Save As, encoding UTF-8; Notepad calls UTF-16 \"Unicode\")");
    }
    let latin1 = bytes
        .get(at)
        .copied()
        .filter(|b| *b >= 0xA0)
        .map(char::from);
    let file = SourceFile::new(shown, String::from_utf8_lossy(&bytes).into_owned());
    let help = match latin1 {
        Some(letter) => format!(
            "save the file as UTF-8 (in the editor: Save As, encoding UTF-8): it looks like Latin-1 or Windows-1252, where `{letter}` is this one byte"
        ),
        None => "save the file as UTF-8 (in the editor: Save As, encoding UTF-8)".to_string(),
    };
    Diagnostic::error(
        "io::not-utf8",
        format!("{shown} is not saved as UTF-8 text"),
    )
    .at(Span::new(&file, at, '\u{fffd}'.len_utf8()))
    .help(help)
}

/// Reads a UTF-8 input file named by the site (e.g. a CSV map), refusing a link
/// that leads out of `root`.
pub fn read_input(root: &Path, path: &Path, shown: &str) -> Result<String, Diagnostic> {
    check_inside(root, path, shown)?;
    read_to_string(path, shown)
}

/// Whether a file of this name is one an editor keeps beside the file it
/// edits, never a site input: Emacs's lock links (`.#help.md`, which lead
/// nowhere) and auto-saves (`#help.md#`), the swap files of vim and nano
/// (`.help.md.swp`, then `.swo`, `.swn`...) and Kate (`.help.md.kate-swp`),
/// vim's write probe (`4913`), backups (`help.md~`), JetBrains' safe-write
/// copies (`help.md___jb_tmp___`), gedit's (`.goutputstream-XXXXXX`) and
/// LibreOffice's locks (`.~lock.map.csv#`). They come and go while a page is
/// open, so the build neither reads them nor counts them among its inputs.
pub fn is_editor_temporary(name: &str) -> bool {
    let vim_swap = name.starts_with('.')
        && name
            .rsplit_once('.')
            .is_some_and(|(_, extension)| extension.len() == 3 && extension.starts_with("sw"));
    vim_swap
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name.starts_with(".~lock.")
        || name.starts_with(".goutputstream-")
        || name.ends_with('~')
        || name.ends_with(".kate-swp")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name == "4913"
}

/// The name a file was probably meant to have, when its name looks like one
/// ending in `.{extension}` saved under another: `help.md.txt`, `help.MD`, or,
/// for Markdown, `help.markdown`.
pub fn meant_as(name: &str, extension: &str) -> Option<String> {
    // Asked of every page as the site loads: a name read as it is needs no
    // copy of it.
    let read_as_it_is = name
        .rsplit_once('.')
        .is_some_and(|(_, last)| last == extension);
    if read_as_it_is || name.starts_with('.') || is_editor_temporary(name) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let other_markdown: &[&str] = if extension == "md" {
        &[".markdown", ".mdown", ".mkd", ".mkdn"]
    } else {
        &[]
    };
    let exact = format!(".{extension}");
    let suffixes = [format!(".{extension}.txt"), exact.clone()];
    let suffixes = suffixes
        .iter()
        .map(String::as_str)
        .chain(other_markdown.iter().copied());
    for suffix in suffixes {
        if lower.ends_with(suffix) && name.len() > suffix.len() {
            return Some(format!("{}{exact}", &name[..name.len() - suffix.len()]));
        }
    }
    None
}

/// Whether the last part of `path` names an editor's temporary file.
pub fn names_editor_temporary(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_editor_temporary)
}

/// Every file under `dir`, in a stable sorted order, to at most `max_depth`
/// levels; links inside the site are followed, links out of it are problems at
/// the link's path. Editors' temporary files are passed over, even when they
/// cannot be read (an Emacs lock is a link that leads nowhere). A missing
/// `dir` has no files.
pub fn input_files(root: &Path, dir: &Path, max_depth: usize) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for found in InputFiles::new(root, dir, max_depth) {
        match found {
            Ok(file) => files.push(file),
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
}

/// [`input_files`] one at a time, as the walk finds them: a caller that
/// takes them in chunks never holds every path of a 100,000-page site.
pub struct InputFiles<'a> {
    root: &'a Path,
    dir: &'a Path,
    walk: Option<walkdir::IntoIter>,
    /// A problem found before the walk starts, told first.
    first: Option<Diagnostic>,
}

impl<'a> InputFiles<'a> {
    pub fn new(root: &'a Path, dir: &'a Path, max_depth: usize) -> InputFiles<'a> {
        let mut files = InputFiles {
            root,
            dir,
            walk: None,
            first: None,
        };
        if !dir.exists() {
            return files;
        }
        if let Err(problem) = check_inside(root, dir, &shown_path(root, dir)) {
            files.first = Some(problem);
            return files;
        }
        let walk = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .min_depth(1)
            .max_depth(max_depth)
            .into_iter();
        files.walk = Some(walk);
        files
    }

    /// What the walk's `entry` gives: a file, a problem, or nothing to say.
    fn take(
        &mut self,
        entry: walkdir::Result<walkdir::DirEntry>,
    ) -> Option<Result<PathBuf, Diagnostic>> {
        let root = self.root;
        let entry = match entry {
            Ok(entry) if names_editor_temporary(entry.path()) => return None,
            Ok(entry) => entry,
            Err(error) if error.path().is_some_and(names_editor_temporary) => return None,
            Err(error) => {
                let at = error.path().unwrap_or(self.dir);
                let shown = shown_path(root, at);
                return Some(Err(Diagnostic::error(
                    "io::unreadable",
                    format!("could not read {shown}: {error}"),
                )
                .in_file(&shown)
                .help("fix or remove it: a broken link or a link to one of its own folders cannot be read")));
            }
        };
        if entry.path_is_symlink() {
            let shown = shown_path(root, entry.path());
            if let Err(problem) = check_inside(root, entry.path(), &shown) {
                if entry.file_type().is_dir() {
                    if let Some(walk) = self.walk.as_mut() {
                        walk.skip_current_dir();
                    }
                }
                return Some(Err(problem));
            }
        }
        entry.file_type().is_file().then(|| Ok(entry.into_path()))
    }
}

impl Iterator for InputFiles<'_> {
    type Item = Result<PathBuf, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(problem) = self.first.take() {
            return Some(Err(problem));
        }
        loop {
            let entry = self.walk.as_mut()?.next()?;
            if let Some(found) = self.take(entry) {
                return Some(found);
            }
        }
    }
}

/// Where `path` really is must be inside `root`.
pub fn check_inside(root: &Path, path: &Path, shown: &str) -> Result<(), Diagnostic> {
    let (Ok(root), Ok(real)) = (root.canonicalize(), path.canonicalize()) else {
        // Missing files are reported by the read that follows.
        return Ok(());
    };
    if real.starts_with(&root) {
        return Ok(());
    }
    Err(Diagnostic::error(
        "io::outside-site",
        format!("{shown} is a link to {}, outside the site folder", real.display()),
    )
    .in_file(shown)
    .help("handover reads only files inside the site: copy the file into the site, or link to one inside it"))
}

pub fn read(path: &Path, shown: &str) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(path).map_err(|error| io_error(&error, shown, "read"))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| io_error(&error, &parent.display().to_string(), "create"))?;
    }
    std::fs::write(path, bytes)
        .map_err(|error| io_error(&error, &path.display().to_string(), "write"))
}

/// The names of the sub-folders of `dir`, sorted; empty when it cannot be read.
pub fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The path relative to `root` with `/` separators, as shown to users.
pub fn shown_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn io_error(error: &std::io::Error, shown: &str, verb: &str) -> Diagnostic {
    let help = match error.kind() {
        std::io::ErrorKind::NotFound => "check the path; handover looks relative to the site root",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check the disk and the path",
    };
    Diagnostic::error("io::failed", format!("could not {verb} {shown}: {error}"))
        .in_file(shown)
        .help(help)
}

/// The status change time: a content change always moves it, even when the
/// modification time is set back by hand, and no program can set it.
#[cfg(unix)]
pub fn change_time(metadata: &std::fs::Metadata) -> std::time::SystemTime {
    use std::os::unix::fs::MetadataExt;
    use std::time::{Duration, SystemTime};
    let (seconds, nanos) = (metadata.ctime(), metadata.ctime_nsec());
    match (u64::try_from(seconds), u32::try_from(nanos)) {
        (Ok(seconds), Ok(nanos)) => SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos),
        _ => SystemTime::UNIX_EPOCH,
    }
}

#[cfg(not(unix))]
pub fn change_time(metadata: &std::fs::Metadata) -> std::time::SystemTime {
    metadata
        .modified()
        .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render_human;

    #[test]
    fn a_byte_order_mark_is_not_read_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("base.html");
        std::fs::write(&file, "\u{feff}{% extends \"x\" %}\u{feff}").unwrap();
        let text = read_to_string(&file, "base.html").unwrap();
        assert_eq!(text, "{% extends \"x\" %}\u{feff}");
        std::fs::write(&file, "\u{feff}").unwrap();
        assert_eq!(read_to_string(&file, "base.html").unwrap(), "");
    }

    #[test]
    fn a_file_saved_as_utf16_is_named_so() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("help.md");
        for mark in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let mut bytes = mark.to_vec();
            bytes.extend("---\n".encode_utf16().flat_map(|unit| unit.to_le_bytes()));
            std::fs::write(&file, bytes).unwrap();
            let problem = read_to_string(&file, "content/en/help.md").unwrap_err();
            let shown = render_human(&problem);
            assert!(shown.contains("is saved as UTF-16"), "{shown}");
            assert!(!shown.contains("Latin-1"), "{shown}");
        }
    }

    #[test]
    fn a_file_saved_under_another_extension_is_told_the_name_it_needs() {
        let cases = [
            ("help.md.txt", "md", Some("help.md")),
            ("help.MD", "md", Some("help.md")),
            ("Help.Md.TXT", "md", Some("Help.md")),
            ("help.markdown", "md", Some("help.md")),
            ("main.ftl.txt", "ftl", Some("main.ftl")),
            ("main.FTL", "ftl", Some("main.ftl")),
            ("help.md", "md", None),
            ("main.ftl", "ftl", None),
            ("photo.png", "md", None),
            ("notes.txt", "md", None),
            ("main.markdown", "ftl", None),
            (".help.md.txt", "md", None),
            ("help.md~", "md", None),
            (".md", "md", None),
        ];
        for (name, extension, meant) in cases {
            assert_eq!(meant_as(name, extension).as_deref(), meant, "{name}");
        }
    }

    #[test]
    fn editors_temporary_files_are_told_from_site_files() {
        for name in [
            ".#help.md",
            "#help.md#",
            ".help.md.swp",
            ".help.md.swo",
            ".help.md.swx",
            ".help.md.kate-swp",
            "help.md~",
            "4913",
            "help.md___jb_tmp___",
            "help.md___jb_old___",
            ".~lock.map.csv#",
            ".goutputstream-X1Y2Z3",
        ] {
            assert!(is_editor_temporary(name), "{name}");
        }
        for name in [
            "help.md",
            ".photo.png",
            "swap.md",
            "notes.swp",
            "#",
            "#hash.md",
            "4913.md",
            ".well-known",
            "style.css",
        ] {
            assert!(!is_editor_temporary(name), "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_editors_lock_link_that_leads_nowhere_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let en = dir.path().join("content/en");
        std::fs::create_dir_all(&en).unwrap();
        std::fs::write(en.join("help.md"), "text").unwrap();
        std::os::unix::fs::symlink("editor@host.1234:1700000000", en.join(".#help.md")).unwrap();
        std::fs::write(en.join(".help.md.swp"), "swap").unwrap();
        let (files, problems) = input_files(dir.path(), &dir.path().join("content"), usize::MAX);
        assert_eq!(files, vec![en.join("help.md")]);
        assert!(problems.is_empty(), "{problems:?}");

        // A link that leads nowhere under another name is still an error.
        std::os::unix::fs::symlink("nowhere", en.join("broken.md")).unwrap();
        let (_, problems) = input_files(dir.path(), &dir.path().join("content"), usize::MAX);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "io::unreadable");
    }

    /// The files under `root` as [`find_under`] finds them, and as `walkdir`
    /// walks them sorted by name, each relative to `root`.
    fn files_found_and_walked(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let relative = |path: &Path| path.strip_prefix(root).unwrap().to_path_buf();
        let found = find_under(root, &|path, kind| kind.is_file().then(|| relative(path)));
        let walked = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| relative(entry.path()))
            .collect();
        (found, walked)
    }

    #[test]
    fn entries_are_found_in_the_order_of_a_sorted_walk() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "b/index.html",
            "a-b/index.html",
            "a/x/index.html",
            "index.html",
            "a/index.html",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let (found, walked) = files_found_and_walked(dir.path());
        assert_eq!(found, walked);
        assert_eq!(found.len(), 5);
        let relative = |path: &Path| path.strip_prefix(dir.path()).unwrap().to_path_buf();
        let folders = find_under(dir.path(), &|path, kind| {
            kind.is_dir().then(|| relative(path))
        });
        assert_eq!(folders, ["a", "a/x", "a-b", "b"].map(PathBuf::from));
    }

    #[test]
    fn a_folder_of_more_entries_than_a_chunk_is_found_in_walk_order() {
        let dir = tempfile::tempdir().unwrap();
        let many = dir.path().join("products");
        for n in 0..FIND_CHUNK * 2 + 5 {
            let page = many.join(format!("p{n}"));
            std::fs::create_dir_all(&page).unwrap();
            if n % 3 == 0 {
                std::fs::write(page.join("index.html"), "").unwrap();
            }
        }
        std::fs::write(dir.path().join("products-list.html"), "").unwrap();
        let (found, walked) = files_found_and_walked(dir.path());
        assert_eq!(found.len(), (FIND_CHUNK * 2 + 5).div_ceil(3) + 1);
        assert_eq!(found, walked);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_shown_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("help.md");
        std::fs::write(
            &path,
            b"---\ntitle: Aide\ndescription: D\xe9j\xe0 vu\n---\n",
        )
        .unwrap();
        let problem = read_to_string(&path, "content/fr-FR/help.md").unwrap_err();
        assert_eq!(
            render_human(&problem),
            "error[io::not-utf8]: content/fr-FR/help.md is not saved as UTF-8 text\n \
             --> content/fr-FR/help.md:3:15\n  |\n\
             3 | description: D\u{fffd}j\u{fffd} vu\n  |               ^\n  |\n  \
             = help: save the file as UTF-8 (in the editor: Save As, encoding UTF-8): it looks like Latin-1 or Windows-1252, where `\u{e9}` is this one byte\n"
        );
    }
}
