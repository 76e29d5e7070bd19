//! The process's allocator: mimalloc (Microsoft's, from crates.io) instead
//! of glibc's malloc, without transparent huge pages (the workspace's
//! `no_thp` feature).
//!
//! detc allocates and frees a project of tens of thousands of small objects
//! per run, and `detc lsp` one per edit. On security_content v4.42.0
//! (`scripts/bench-lsp.sh` and whole-process timings, same runs, 2 cores):
//! didChange to publishDiagnostics for one detection went from 107 to
//! 43-51 ms and a repeat `detc validate` from 163 to 149 ms; `detc build`
//! from 416 to 355 ms. With transparent huge pages `detc lsp` held 142-164
//! MiB after 1,000 edits instead of 125, and started slower.

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the 16th
/// option, in mimalloc 2 and 3 alike): how long, in milliseconds, freed
/// memory is kept before it is given back to the operating system.
/// libmimalloc-sys 0.1.49 names the options of mimalloc 1 only.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator up for this command, before its work starts.
///
/// Every command but `detc lsp` gives freed memory back at once: with
/// mimalloc's default delay (a second, longer than a whole build) `detc
/// build` peaked at 84.8 MiB on v4.42.0 against glibc's 58.2; at once it
/// peaks at 57.3 MiB, no slower. `detc lsp` keeps the default: a check
/// reuses the memory the last one freed (an edit 40-46 ms against 68-72
/// ms purging at once), and its resident memory stays flat (120-126 MiB
/// after 1,000 edits).
pub fn tune(language_server: bool) {
    if !language_server {
        // SAFETY: mi_option_set takes two integers and only sets one of
        // mimalloc's options, which it reads afresh at each purge.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
    }
}

/// Gives the memory freed so far back to the operating system, now
/// (`mi_collect(true)`: every thread's freed pages, and the arenas').
pub fn release() {
    // SAFETY: mi_collect takes a flag and only walks mimalloc's own heaps,
    // under their locks; it is safe to call at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
