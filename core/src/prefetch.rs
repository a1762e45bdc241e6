//! Cache prefetch hints.
//!
//! A hint asks the processor to start loading the cache line holding a value
//! that will be read soon, so that work done meanwhile hides the wait. It
//! never changes what any read returns: decisions are the same with or
//! without it. Only x86 with SSE has one here (through `safe_arch`, as
//! tierwise forbids `unsafe`); everywhere else (WebAssembly, ARM, ...) it does
//! nothing, and [`AVAILABLE`] says so, for callers that would otherwise work
//! out addresses for nothing.

#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse"))]
mod hint {
    /// Whether [`prefetch`] does anything in this build.
    pub(crate) const AVAILABLE: bool = true;

    /// Starts loading the cache line that holds `value` into every cache level.
    #[inline(always)]
    pub(crate) fn prefetch<T>(value: &T) {
        safe_arch::prefetch_t0(value);
    }
}

#[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse")))]
mod hint {
    /// Whether [`prefetch`] does anything in this build.
    pub(crate) const AVAILABLE: bool = false;

    /// Does nothing: this build has no prefetch hint.
    #[inline(always)]
    pub(crate) fn prefetch<T>(_value: &T) {}
}

pub(crate) use hint::{AVAILABLE, prefetch};

/// Whether prefetching the fields at `offsets` of a `T` loads every cache
/// line a `T` spans wherever it starts (at any multiple of its alignment):
/// the fields the engine and the simulation prefetch, checked by their tests
/// against the compiler's layout.
#[cfg(test)]
pub(crate) fn covers_every_line<T>(offsets: &[usize]) -> bool {
    const LINE: usize = 64;
    let size = size_of::<T>();
    let Some(&last) = offsets.iter().max() else { return false };
    // Past the last field prefetched there is at most padding and one field.
    if size > last + 8 {
        return false;
    }
    (0..LINE).step_by(align_of::<T>()).all(|start| {
        let lines: std::collections::BTreeSet<usize> = offsets.iter().map(|o| (start + o) / LINE).collect();
        (start / LINE..=(start + size - 1) / LINE).all(|line| lines.contains(&line))
    })
}
