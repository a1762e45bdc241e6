//! Cache prefetch hints.
//!
//! A hint asks the processor to start loading the cache line holding a value
//! that will be read soon, so that work done meanwhile hides the wait. It
//! never changes what any read returns: decisions are the same with or
//! without it. Where no hint is available (WebAssembly, or x86 without SSE)
//! it does nothing.

/// Starts loading the cache line that holds `value` into every cache level.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse"))]
    safe_arch::prefetch_t0(value);
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse")))]
    let _ = value;
}
