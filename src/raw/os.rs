//! Calls into the operating system that have no safe std API (std, Linux).

/// Moves the calling thread to the `SCHED_IDLE` policy: it runs only when no other thread
/// wants the CPU. Best effort: if the OS refuses, the thread keeps its policy.
#[cfg(target_os = "linux")]
pub(crate) fn set_idle_priority() {
    // SAFETY: `sched_param` is plain data (all-zero is valid: priority 0, the one
    // `SCHED_IDLE` takes); pid 0 is the calling thread; the call only reads the struct.
    let _ = unsafe {
        let param: libc::sched_param = core::mem::zeroed();
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param)
    };
}
