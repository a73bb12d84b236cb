//! The output folder of the last build, as a source of unchanged files.
//!
//! A build still writes a complete staging folder and swaps it in, but a file
//! whose bytes equal the file at the same place in the current output is
//! hard-linked from there instead of written again: it keeps its inode and its
//! modification time, so rsync-style deploys (and CDNs' upload steps that
//! compare size and time) send only what changed, and an unchanged site costs
//! no writes.
//!
//! The old file is opened beneath the output folder with no symbolic link
//! followed anywhere on its path (`openat2` with `RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS`), compared byte for byte, and the very file that was
//! opened is linked (through `/proc/self/fd`), so nothing outside the output can
//! end up in it. Where that is not available (other systems, old kernels) every
//! file is written, as before.

use std::path::Path;

/// The previous output, open for reading.
pub struct PreviousOutput {
    #[cfg(target_os = "linux")]
    dir: std::os::fd::OwnedFd,
    /// Owner and permissions of a file this build writes: an old file is
    /// linked only when it has the same, so a linked file is in every way the
    /// file a write would have made.
    #[cfg(target_os = "linux")]
    owner: u32,
    #[cfg(target_os = "linux")]
    mode: u32,
}

impl PreviousOutput {
    /// The output folder `target`, when there is one to reuse files from;
    /// `fresh` is the metadata of a file this build just wrote.
    pub fn open(target: &Path, fresh: &std::fs::Metadata) -> Option<PreviousOutput> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{open, Mode, OFlags};
            use std::os::unix::fs::MetadataExt;
            let metadata = std::fs::symlink_metadata(target).ok()?;
            if !metadata.is_dir() {
                return None;
            }
            let dir = open(
                target,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::empty(),
            )
            .ok()?;
            Some(PreviousOutput {
                dir,
                owner: fresh.uid(),
                mode: fresh.mode() & 0o7777,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (target, fresh);
            None
        }
    }

    /// Links the old file at `relative` to `destination` when its bytes are
    /// `bytes`; false when it differs, is missing, or cannot be linked (the caller
    /// then writes the file).
    pub fn link_if_same(&self, relative: &str, bytes: &[u8], destination: &Path) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.link_if_same_linux(relative, bytes, destination)
                .unwrap_or(false)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (relative, bytes, destination);
            false
        }
    }

    /// Like [`PreviousOutput::link_if_same`] for a file already written at
    /// `written` (`len` bytes): when the old file has the same bytes, it takes
    /// the written file's place. False, and the written file kept, otherwise.
    pub fn link_if_same_file(&self, relative: &str, written: &Path, len: u64) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.link_if_same_file_linux(relative, written, len)
                .unwrap_or(false)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (relative, written, len);
            false
        }
    }

    /// Links the old file at `relative` to `destination` without comparing
    /// bytes: for a file the caller knows a build would write the same (a page
    /// whose inputs did not change since the build that wrote the output).
    /// False when it is missing or cannot be linked (the caller then renders it).
    pub fn link_unchanged(&self, relative: &str, destination: &Path) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.candidate(relative, None)
                .ok()
                .flatten()
                .is_some_and(|file| link_open_file(&file, destination).is_ok())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (relative, destination);
            false
        }
    }

    /// The bytes of the old file at `relative`, opened beneath the output
    /// folder with no symbolic link followed: any regular file, also one with
    /// another name (this build may have linked it already).
    pub fn read(&self, relative: &str) -> Option<Vec<u8>> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{fstat, FileType};
            use std::io::Read;
            let fd = self.open_beneath(relative).ok()?;
            let regular = fstat(&fd)
                .is_ok_and(|stat| FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile);
            if !regular {
                return None;
            }
            let mut file = std::fs::File::from(fd);
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).ok()?;
            Some(bytes)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = relative;
            None
        }
    }

    /// The old file at `relative`, when it is a regular file (of `len` bytes,
    /// if given) that a write by this build would have made (same owner and
    /// mode), and has no other name.
    #[cfg(target_os = "linux")]
    fn candidate(
        &self,
        relative: &str,
        len: Option<u64>,
    ) -> std::io::Result<Option<std::fs::File>> {
        use rustix::fs::{fstat, FileType};
        let fd = self.open_beneath(relative)?;
        let stat = fstat(&fd)?;
        // One name only: a file also linked from elsewhere (a backup made with
        // `cp -al`, say) could be changed in place through that other name.
        let fits = FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile
            && len.is_none_or(|len| u64::try_from(stat.st_size).ok() == Some(len))
            && stat.st_nlink == 1
            && stat.st_uid == self.owner
            && (stat.st_mode & 0o7777) == self.mode;
        Ok(fits.then(|| std::fs::File::from(fd)))
    }

    /// The old file at `relative`, opened with no symbolic link followed on
    /// its path and nothing outside the output reached.
    #[cfg(target_os = "linux")]
    fn open_beneath(&self, relative: &str) -> std::io::Result<std::os::fd::OwnedFd> {
        use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
        Ok(openat2(
            &self.dir,
            relative,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
        )?)
    }

    #[cfg(target_os = "linux")]
    fn link_if_same_linux(
        &self,
        relative: &str,
        bytes: &[u8],
        destination: &Path,
    ) -> std::io::Result<bool> {
        use std::io::Read;
        let Some(mut file) = self.candidate(relative, Some(bytes.len() as u64))? else {
            return Ok(false);
        };
        let mut old = Vec::with_capacity(bytes.len() + 1);
        file.read_to_end(&mut old)?;
        if old != bytes {
            return Ok(false);
        }
        link_open_file(&file, destination)?;
        Ok(true)
    }

    #[cfg(target_os = "linux")]
    fn link_if_same_file_linux(
        &self,
        relative: &str,
        written: &Path,
        len: u64,
    ) -> std::io::Result<bool> {
        let Some(old) = self.candidate(relative, Some(len))? else {
            return Ok(false);
        };
        if !same_bytes(&old, &std::fs::File::open(written)?)? {
            return Ok(false);
        }
        // Linked beside the written file, then renamed over it: the written
        // file stays in place until the old one has a name to replace it.
        let Some(name) = written.file_name() else {
            return Ok(false);
        };
        let mut beside = std::ffi::OsString::from(".handover-link-");
        beside.push(name);
        let beside = written.with_file_name(beside);
        link_open_file(&old, &beside)?;
        if let Err(error) = std::fs::rename(&beside, written) {
            let _ = std::fs::remove_file(&beside);
            return Err(error);
        }
        Ok(true)
    }
}

/// Gives the open `file` the name `destination`, through its descriptor: no
/// path is looked up again between the comparison and the link.
#[cfg(target_os = "linux")]
fn link_open_file(file: &std::fs::File, destination: &Path) -> std::io::Result<()> {
    use rustix::fs::{linkat, AtFlags, CWD};
    use std::os::fd::AsRawFd;
    let by_fd = format!("/proc/self/fd/{}", file.as_raw_fd());
    linkat(
        CWD,
        by_fd.as_str(),
        CWD,
        destination,
        AtFlags::SYMLINK_FOLLOW,
    )?;
    Ok(())
}

/// Whether two open files hold the same bytes, read in blocks from where
/// they are (the start, for files just opened).
#[cfg(target_os = "linux")]
fn same_bytes(a: &std::fs::File, b: &std::fs::File) -> std::io::Result<bool> {
    use std::io::Read;
    const BLOCK: usize = 64 * 1024;
    let (mut a, mut b) = (a, b);
    let (mut block_a, mut block_b) = (vec![0; BLOCK], vec![0; BLOCK]);
    loop {
        let read = read_full(&mut a, &mut block_a)?;
        if read_full(&mut b, &mut block_b[..])? != read || block_a[..read] != block_b[..read] {
            return Ok(false);
        }
        if read == 0 {
            return Ok(true);
        }
    }
    fn read_full(from: &mut impl Read, into: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < into.len() {
            match from.read(&mut into[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(filled)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn fresh(dir: &Path) -> std::fs::Metadata {
        let probe = dir.join("probe");
        std::fs::write(&probe, "").unwrap();
        std::fs::metadata(probe).unwrap()
    }

    #[test]
    fn a_file_with_other_permissions_or_another_name_is_not_linked() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("public");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("a.html"), "same").unwrap();
        std::fs::write(old.join("b.html"), "same").unwrap();
        std::fs::set_permissions(old.join("a.html"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        std::fs::hard_link(old.join("b.html"), dir.path().join("backup.html")).unwrap();
        let previous = PreviousOutput::open(&old, &fresh(dir.path())).unwrap();
        assert!(!previous.link_if_same("a.html", b"same", &dir.path().join("a")));
        assert!(!previous.link_if_same("b.html", b"same", &dir.path().join("b")));
    }

    #[test]
    fn only_a_regular_file_with_the_same_bytes_is_linked() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("public");
        let new = dir.path().join("staging");
        std::fs::create_dir_all(old.join("uk/help")).unwrap();
        std::fs::create_dir_all(new.join("uk/help")).unwrap();
        std::fs::write(old.join("uk/help/index.html"), "same").unwrap();
        std::fs::write(old.join("uk/other.html"), "before").unwrap();
        let previous = PreviousOutput::open(&old, &fresh(dir.path())).unwrap();

        let linked = new.join("uk/help/index.html");
        assert!(previous.link_if_same("uk/help/index.html", b"same", &linked));
        let (a, b) = (
            std::fs::metadata(old.join("uk/help/index.html")).unwrap(),
            std::fs::metadata(&linked).unwrap(),
        );
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "one file, two names"
        );

        // Different bytes of the same length, another length, a missing file.
        assert!(!previous.link_if_same("uk/other.html", b"BEFORE", &new.join("uk/o1")));
        assert!(!previous.link_if_same("uk/other.html", b"after!!", &new.join("uk/o2")));
        assert!(!previous.link_if_same("uk/none.html", b"", &new.join("uk/o3")));
        assert!(!new.join("uk/o1").exists() && !new.join("uk/o2").exists());
    }

    #[test]
    fn a_written_file_is_replaced_by_the_old_one_only_when_their_bytes_are_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("public");
        let new = dir.path().join("staging");
        std::fs::create_dir_all(old.join("uk")).unwrap();
        std::fs::create_dir_all(new.join("uk")).unwrap();
        // Longer than one block of the comparison, differing in the last byte.
        let text = "x".repeat(200_000);
        std::fs::write(old.join("uk/sitemap.xml"), &text).unwrap();
        std::fs::write(old.join("uk/other.xml"), format!("{text}y")).unwrap();
        let previous = PreviousOutput::open(&old, &fresh(dir.path())).unwrap();
        let len = text.len() as u64;

        let written = new.join("uk/sitemap.xml");
        std::fs::write(&written, &text).unwrap();
        assert!(previous.link_if_same_file("uk/sitemap.xml", &written, len));
        let (a, b) = (
            std::fs::metadata(old.join("uk/sitemap.xml")).unwrap(),
            std::fs::metadata(&written).unwrap(),
        );
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "the old file, linked"
        );
        assert_eq!(
            std::fs::read_dir(new.join("uk")).unwrap().count(),
            1,
            "nothing left beside it"
        );

        let other = new.join("uk/other.xml");
        std::fs::write(&other, format!("{text}z")).unwrap();
        assert!(!previous.link_if_same_file("uk/other.xml", &other, len + 1));
        assert_eq!(
            std::fs::read(&other).unwrap().last(),
            Some(&b'z'),
            "the written file stays"
        );
        assert!(!previous.link_if_same_file("uk/none.xml", &other, len + 1));
    }

    #[test]
    fn nothing_is_linked_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("public");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(old.join("uk")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.html"), "same").unwrap();
        std::os::unix::fs::symlink(outside.join("secret.html"), old.join("uk/file.html")).unwrap();
        std::os::unix::fs::symlink(&outside, old.join("fr")).unwrap();
        std::fs::write(dir.path().join("up.html"), "same").unwrap();
        let previous = PreviousOutput::open(&old, &fresh(dir.path())).unwrap();
        let to = dir.path().join("linked");
        assert!(!previous.link_if_same("uk/file.html", b"same", &to));
        assert!(!previous.link_if_same("fr/secret.html", b"same", &to));
        assert!(!previous.link_if_same("../up.html", b"same", &to));
        assert!(!to.exists());
    }
}
