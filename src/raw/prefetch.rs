//! [`prefetch_write`]: asks the CPU to bring a cache line in, ready to be written, before
//! the code that writes it gets there.
//!
//! A memory block that crosses threads (an object cell made by a caller and completed by
//! an actor's thread) arrives in the other core's cache; touching it stalls for the
//! transfer. Asked for a step ahead, the transfer overlaps the work in between.

/// Prefetches the cache line at `ptr` for writing (x86-64: `prefetchw` where the CPU has
/// it, else `prefetcht0`; elsewhere nothing). A hint: `ptr` is never dereferenced, any
/// address is allowed.
#[inline(always)]
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by object cells and actors
pub(crate) fn prefetch_write(ptr: *const u8) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(miri), not(loom)))]
    {
        if has_prefetchw() {
            // SAFETY: the CPU has `prefetchw` (checked above).
            unsafe { prefetchw(ptr) };
        } else {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch reads nothing architecturally: any address is allowed.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) };
        }
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std", not(miri), not(loom))))]
    let _ = ptr;
}

/// True if the CPU has `prefetchw` (CPUID leaf `0x8000_0001`, ECX bit 8: AMD since K8,
/// Intel since Broadwell), asked once and kept in a static.
#[cfg(all(target_arch = "x86_64", feature = "std", not(miri), not(loom)))]
#[inline(always)]
fn has_prefetchw() -> bool {
    use core::sync::atomic::{AtomicU8, Ordering::Relaxed};
    // 0: not asked yet, 1: no, 2: yes (a cache of a fact: any thread may fill it in).
    static KNOWN: AtomicU8 = AtomicU8::new(0);
    match KNOWN.load(Relaxed) {
        0 => {
            use core::arch::x86_64::__cpuid;
            // CPUID exists on every x86-64 CPU; the extended leaf is asked only if the CPU
            // reports it.
            let has = __cpuid(0x8000_0000).eax >= 0x8000_0001 && __cpuid(0x8000_0001).ecx & (1 << 8) != 0;
            KNOWN.store(if has { 2 } else { 1 }, Relaxed);
            has
        }
        known => known == 2,
    }
}

/// `prefetchw` on `ptr`.
///
/// # Safety
/// The CPU has `prefetchw` ([`has_prefetchw`]).
#[cfg(all(target_arch = "x86_64", feature = "std", not(miri), not(loom)))]
#[inline(always)]
unsafe fn prefetchw(ptr: *const u8) {
    // SAFETY: a prefetch reads nothing architecturally (any address is allowed) and
    // touches neither the stack nor the flags; the caller checked the CPU has it.
    unsafe { core::arch::asm!("prefetchw [{0}]", in(reg) ptr, options(nostack, preserves_flags, readonly)) };
}
