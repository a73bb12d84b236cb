//! Bytes a build writes to a temporary file and reads back by their place,
//! so that what it keeps for every page until it ends does not all stay in
//! memory: a 100,000-page site's front matter texts are 8 MB.
//!
//! The file is anonymous (`tempfile::tempfile`, in the system's temporary
//! folder, never in the output): the system removes it when the build ends,
//! however it ends. Writes are gathered in memory and written 64 KiB at a
//! time; what is not written yet is read from memory. Reads take 16 KiB at
//! a time, kept by the thread that read them for the next records asked
//! for. Where no file can be made or written, what is put stays in memory:
//! a build goes on as it did before it had a spill.

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::num::NonZeroU32;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Where bytes put in a [`Spill`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// One past where they start: never zero, so that an `Option<Place>`
    /// takes 8 bytes, not 12 (a list of them is kept for every page).
    after: NonZeroU32,
    len: u32,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Option<Place>>() == 8);

impl Place {
    fn at(self) -> u64 {
        u64::from(self.after.get() - 1)
    }

    /// The place in 64 bits, never zero in the lower 32: for a record that
    /// keeps a place with other things in fewer bytes than a `Place`.
    pub fn to_bits(self) -> u64 {
        u64::from(self.len) << 32 | u64::from(self.after.get())
    }

    /// The place `to_bits` gave `bits`; `None` when no place gives them.
    pub fn from_bits(bits: u64) -> Option<Place> {
        Some(Place {
            after: NonZeroU32::new(bits as u32)?,
            len: (bits >> 32) as u32,
        })
    }
}

/// Where bytes put with their length before them are
/// ([`Spill::put_counted`]): 4 bytes, where a [`Place`] is 8, for what is
/// kept for every page and read back for few.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedPlace(NonZeroU32);

const _: () = assert!(std::mem::size_of::<Option<CountedPlace>>() == 4);

/// A temporary file of bytes put one after another.
#[derive(Debug)]
pub struct Spill {
    /// `None` when it could not be made: everything stays in memory.
    file: Option<File>,
    state: Mutex<State>,
    /// This spill among the others of the process, for [`READ_AHEAD`].
    id: u64,
}

/// The spills made so far: each one's `id` is the count when it was made.
static SPILLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The bytes a thread last read from a spill's file, and those after
    /// them: a build asks for each page's record some five times (to render
    /// it, for the sitemaps, the record of the build...), each time in
    /// about the order they were put. One read of 16 KiB answers the next
    /// hundred records, where a read each took 200,000 system calls at
    /// 40,000 pages.
    static READ_AHEAD: RefCell<ReadAhead> = const {
        RefCell::new(ReadAhead { spill: 0, at: 0, bytes: Vec::new() })
    };
}

/// Bytes of a spill's file, as they were read from it: what is in the file
/// never changes, since a spill only adds after it.
struct ReadAhead {
    /// The spill's `id`; 0 for none.
    spill: u64,
    /// Where `bytes` start in its file.
    at: u64,
    bytes: Vec<u8>,
}

impl ReadAhead {
    const SIZE: u64 = 16 * 1024;

    /// The `len` bytes at `at` in `spill`'s file, if they were read.
    fn get(&self, spill: u64, at: u64, len: usize) -> Option<Vec<u8>> {
        let start = usize::try_from(at.checked_sub(self.at)?).ok()?;
        let bytes = self.bytes.get(start..start.checked_add(len)?)?;
        (self.spill == spill).then(|| bytes.to_vec())
    }
}

impl Default for Spill {
    fn default() -> Spill {
        Spill::new()
    }
}

#[derive(Debug, Default)]
struct State {
    /// How many bytes are in the file.
    written: u64,
    /// The bytes put after them, not written yet.
    pending: Vec<u8>,
    /// Writing failed once: what is pending stays in memory from then on.
    stuck: bool,
}

impl Spill {
    /// Written a block at a time: one system call for hundreds of pages.
    const BLOCK: usize = 64 * 1024;

    pub fn new() -> Spill {
        let file = tempfile::tempfile().ok();
        let state = State {
            stuck: file.is_none(),
            ..State::default()
        };
        Spill {
            file,
            state: Mutex::new(state),
            id: Spill::new_id(),
        }
    }

    /// An `id` no other spill of the process has, never 0.
    fn new_id() -> u64 {
        SPILLS.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Keeps `bytes` and says where they are; `None` when the spill would pass
    /// 4 GiB (places are 32-bit, to keep a page's record small): the caller
    /// keeps them in memory instead.
    pub fn put(&self, bytes: &[u8]) -> Option<Place> {
        let mut state = self.state.lock().ok()?;
        let at = state.written + state.pending.len() as u64;
        let place = Place {
            after: NonZeroU32::new(u32::try_from(at + 1).ok()?)?,
            len: u32::try_from(bytes.len()).ok()?,
        };
        u32::try_from(at + bytes.len() as u64 + 1).ok()?;
        state.pending.extend_from_slice(bytes);
        if let Some(file) = self.file.as_ref().filter(|_| !state.stuck) {
            if state.pending.len() >= Self::BLOCK {
                match file.write_all_at(&state.pending, state.written) {
                    Ok(()) => {
                        state.written += state.pending.len() as u64;
                        state.pending.clear();
                    }
                    // Kept in memory: every place given stays readable.
                    Err(_) => state.stuck = true,
                }
            }
        }
        Some(place)
    }

    /// Keeps `bytes` after their length, as [`Spill::put`].
    pub fn put_counted(&self, bytes: &[u8]) -> Option<CountedPlace> {
        let len = u32::try_from(bytes.len()).ok()?;
        let mut counted = Vec::with_capacity(4 + bytes.len());
        counted.extend_from_slice(&len.to_le_bytes());
        counted.extend_from_slice(bytes);
        self.put(&counted).map(|place| CountedPlace(place.after))
    }

    /// The bytes put at `place` by [`Spill::put_counted`].
    pub fn get_counted(&self, place: CountedPlace) -> io::Result<Vec<u8>> {
        let not_given = || io::Error::other("not a place this spill gave");
        let head = self.get(Place {
            after: place.0,
            len: 4,
        })?;
        let len = u32::from_le_bytes(head.try_into().map_err(|_| not_given())?);
        let after = place.0.checked_add(4).ok_or_else(not_given)?;
        self.get(Place { after, len })
    }

    /// The bytes put at `place`.
    pub fn get(&self, place: Place) -> io::Result<Vec<u8>> {
        let (at, len) = (place.at(), place.len as usize);
        let read_before = READ_AHEAD.with_borrow(|read| read.get(self.id, at, len));
        if let Some(bytes) = read_before {
            return Ok(bytes);
        }
        let written = {
            let state = self
                .state
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?;
            if at + len as u64 > state.written {
                let start = (at - state.written.min(at)) as usize;
                let from_memory = at >= state.written;
                return match state.pending.get(start..start + len) {
                    Some(bytes) if from_memory => Ok(bytes.to_vec()),
                    _ => Err(io::Error::other("not a place this spill gave")),
                };
            }
            state.written
        };
        debug_assert!(at + len as u64 <= written);
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("no file"))?;
        if len as u64 > ReadAhead::SIZE {
            let mut bytes = vec![0; len];
            file.read_exact_at(&mut bytes, at)?;
            return Ok(bytes);
        }
        // What follows is read too, as far as the file goes.
        let end = (at + ReadAhead::SIZE).min(written);
        READ_AHEAD.with_borrow_mut(|read| {
            read.spill = 0;
            read.bytes.resize((end - at) as usize, 0);
            file.read_exact_at(&mut read.bytes, at)?;
            (read.spill, read.at) = (self.id, at);
            Ok(read.bytes[..len].to_vec())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_read_back_from_memory_and_from_the_file_alike() {
        let spill = Spill::new();
        // Enough to write several blocks, with a part left in memory.
        let texts: Vec<Vec<u8>> = (0..5000)
            .map(|i| format!("text {i} {}", "é".repeat(i % 40)).into_bytes())
            .collect();
        let places: Vec<Place> = texts.iter().map(|t| spill.put(t).unwrap()).collect();
        for place in &places {
            assert_eq!(Place::from_bits(place.to_bits()), Some(*place));
        }
        assert_eq!(Place::from_bits(5 << 32), None);
        let state = spill.state.lock().unwrap();
        assert!(state.written > 0 && !state.pending.is_empty());
        drop(state);
        for (text, place) in texts.iter().zip(&places) {
            assert_eq!(&spill.get(*place).unwrap(), text);
        }
        assert_eq!(spill.get(spill.put(b"").unwrap()).unwrap(), b"");
    }

    #[test]
    fn counted_bytes_are_read_back_by_a_place_of_4_bytes() {
        let spill = Spill::new();
        // Across blocks written to the file, and the last still in memory.
        let texts: Vec<Vec<u8>> = (0..3000)
            .map(|i| format!("\0id-{i}\0{}", "x".repeat(i % 70)).into_bytes())
            .collect();
        let places: Vec<CountedPlace> = texts
            .iter()
            .map(|t| spill.put_counted(t).unwrap())
            .collect();
        spill.put(b"between").unwrap();
        for (text, place) in texts.iter().zip(&places) {
            assert_eq!(&spill.get_counted(*place).unwrap(), text);
        }
        assert_eq!(
            spill.get_counted(spill.put_counted(b"").unwrap()).unwrap(),
            b""
        );
        // A place past what was put is an error, not bytes.
        let past = CountedPlace(NonZeroU32::new(u32::MAX - 2).unwrap());
        assert!(spill.get_counted(past).is_err());
    }

    #[test]
    fn what_a_thread_read_ahead_is_read_again_only_from_its_own_spill() {
        // Two spills put the same places with other bytes; one record is
        // longer than what is read ahead.
        let (one, two) = (Spill::new(), Spill::new());
        let long = vec![b'L'; ReadAhead::SIZE as usize + 10];
        let mut places = Vec::new();
        for i in 0..3 * Spill::BLOCK / 8 {
            let text = format!("x{i:06}");
            let (a, b) = (
                one.put(text.as_bytes()),
                two.put(text.to_uppercase().as_bytes()),
            );
            assert_eq!(a, b);
            places.push((a.unwrap(), b.unwrap(), text));
            if i == 1000 {
                assert_eq!(one.put(&long), two.put(&long));
            }
        }
        // Forward, backward and alternating between the spills.
        for (a, b, text) in places.iter().chain(places.iter().rev()) {
            assert_eq!(one.get(*a).unwrap(), text.as_bytes());
            assert_eq!(two.get(*b).unwrap(), text.to_uppercase().as_bytes());
        }
        let long_place = one.put(&long).unwrap();
        one.put(&vec![0; Spill::BLOCK]).unwrap();
        assert_eq!(one.get(long_place).unwrap(), long);
        // Bytes written after a read ahead are read as they are.
        let later = one.put(b"later").unwrap();
        one.put(&vec![1; Spill::BLOCK]).unwrap();
        assert_eq!(one.get(later).unwrap(), b"later");
    }

    #[test]
    fn a_place_it_did_not_give_is_an_error() {
        let spill = Spill::new();
        spill.put(b"abc").unwrap();
        let place = Place {
            after: NonZeroU32::new(3).unwrap(),
            len: 5,
        };
        assert!(spill.get(place).is_err());
    }

    #[test]
    fn without_a_file_everything_stays_in_memory() {
        let spill = Spill {
            file: None,
            state: Mutex::new(State {
                stuck: true,
                ..State::default()
            }),
            id: Spill::new_id(),
        };
        let big = vec![7; Spill::BLOCK * 2];
        let places = [spill.put(b"first").unwrap(), spill.put(&big).unwrap()];
        assert_eq!(spill.get(places[0]).unwrap(), b"first");
        assert_eq!(spill.get(places[1]).unwrap(), big);
        assert_eq!(spill.state.lock().unwrap().written, 0);
    }
}
