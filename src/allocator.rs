//! The allocator of every program built from this crate: mimalloc, set by
//! [`return_freed_memory_at_once`] to give freed memory back to the system
//! at once.
//!
//! Pages are loaded and rendered on every core, and glibc's malloc kept what
//! each render thread freed in that thread's own arena: a build of 100,000
//! pages peaked at 95-102 MiB with it, at 80 MiB with mimalloc, in no more
//! time. Declared here, not in `main.rs`, so that the benchmarks that run
//! the pipeline in their own process measure it as the binary runs it.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (`include/mimalloc.h` of mimalloc 3,
/// which `libmimalloc-sys` builds): its crate names no constant for it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed is given back to the system at once, not a second later: a
/// build frees each page's buffers as the next page is rendered, and with
/// the delay the freed pages of every thread stay resident (88 MiB at 40,000
/// pages against 42 MiB, in the same time). Called first thing in `main`.
pub fn return_freed_memory_at_once() {
    // SAFETY: sets a number in mimalloc's table of options, which it reads
    // on every purge; no allocation depends on its old value.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    #[test]
    fn the_option_set_is_mimallocs_purge_delay() {
        // The only option whose default is 1000 (milliseconds): a mimalloc
        // that numbers its options otherwise fails here, not silently.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads a number from mimalloc's table of options.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
    }
}
