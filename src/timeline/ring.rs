//! Per-thread rings of spans: each thread records into its own (an uncontended lock), and
//! `collect` reads them all.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

use super::{Span, Timeline, CAPACITY, GENERATION};

/// One thread's spans.
struct Ring {
    thread: u32,
    name: String,
    generation: u64,
    spans: VecDeque<Span>,
    dropped: u64,
}

/// Every thread's ring (kept after the thread exits, so its spans are collected).
static RINGS: Mutex<Vec<Arc<Mutex<Ring>>>> = Mutex::new(Vec::new());

std::thread_local! {
    static MINE: core::cell::OnceCell<Arc<Mutex<Ring>>> = const { core::cell::OnceCell::new() };
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records `span` on this thread's ring.
pub(crate) fn record(mut span: Span) {
    let _ = MINE.try_with(|mine| {
        let ring = mine.get_or_init(|| {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let thread = NEXT.fetch_add(1, Relaxed);
            let name = std::thread::current().name().map_or_else(|| alloc::format!("thread {thread}"), String::from);
            let ring = Arc::new(Mutex::new(Ring {
                thread,
                name,
                generation: GENERATION.load(Relaxed),
                spans: VecDeque::new(),
                dropped: 0,
            }));
            lock(&RINGS).push(Arc::clone(&ring));
            ring
        });
        let mut r = lock(ring);
        let generation = GENERATION.load(Relaxed);
        if r.generation != generation {
            // A new recording: what this ring held belongs to an older one.
            r.generation = generation;
            r.spans.clear();
            r.dropped = 0;
        }
        span.thread = r.thread;
        let capacity = CAPACITY.load(Relaxed) as usize;
        if r.spans.len() >= capacity {
            r.spans.pop_front();
            r.dropped += 1;
        }
        r.spans.push_back(span);
    });
}

/// Takes every ring's spans of the current recording.
pub(super) fn collect() -> Timeline {
    let generation = GENERATION.load(Relaxed);
    let rings: Vec<Arc<Mutex<Ring>>> = lock(&RINGS).clone();
    let mut timeline = Timeline::default();
    for ring in rings {
        let mut r = lock(&ring);
        if r.generation != generation {
            continue;
        }
        let spans = core::mem::take(&mut r.spans);
        if spans.is_empty() && r.dropped == 0 {
            continue;
        }
        timeline.dropped += core::mem::take(&mut r.dropped);
        timeline.threads.push((r.thread, r.name.clone()));
        timeline.spans.extend(spans);
    }
    timeline.spans.sort_by_key(|s| (s.start_ns, s.thread));
    timeline.threads.sort();
    timeline
}
