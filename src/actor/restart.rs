//! Restart pacing (`std`): how long a panicked actor waits before it is rebuilt (backoff),
//! and how many restarts it may make in a period before it dies instead (intensity, as an
//! Erlang/OTP supervisor's `intensity` and `period`).
//!
//! ```text
//!  panic, restarts left ─▶ intensity: more than N restarts in the last T? ── yes ─▶ dies
//!                                         │ no
//!                                         ▼
//!            the previous restart was less than 2 × max backoff ago?
//!              no: rebuilt at once (streak 0)      yes: waits min × 2^(streak−1), at most max
//! ```
//!
//! A method that always panics is thus rebuilt at once, then after 1, 2, 4 … ms, then once
//! a second (the defaults), never in a tight loop; one that panics now and then is rebuilt
//! at once every time.

use alloc::collections::VecDeque;
use core::time::Duration;
use std::time::Instant;

/// How restarts are paced. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RestartPolicy {
    /// The first delay of a streak of quick restarts (zero: no backoff).
    pub(crate) backoff_min: Duration,
    /// The longest delay.
    pub(crate) backoff_max: Duration,
    /// At most this many restarts within `period` …
    pub(crate) intensity: u32,
    /// … (a sliding window).
    pub(crate) period: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            backoff_min: Duration::from_millis(1),
            backoff_max: Duration::from_secs(1),
            intensity: 10,
            period: Duration::from_secs(1),
        }
    }
}

/// What happens after a panic, for an actor with restarts left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Restart {
    /// Rebuild now.
    Now,
    /// Rebuild at this instant (calls wait in the mailbox meanwhile).
    At(Instant),
    /// Too many restarts within the period: the actor dies.
    TooMany,
}

/// An actor's recent restarts.
#[derive(Debug)]
pub(crate) struct RestartLog {
    policy: RestartPolicy,
    /// Restarts in a row, each within `2 × backoff_max` of the previous one.
    streak: u32,
    /// The instants of the last `intensity` restarts, oldest first.
    recent: VecDeque<Instant>,
    /// When the restart being waited for may happen.
    pending: Option<Instant>,
}

impl RestartLog {
    pub(crate) fn new(policy: RestartPolicy) -> Self {
        RestartLog { policy, streak: 0, recent: VecDeque::new(), pending: None }
    }

    /// Records the instant a delayed restart may happen.
    pub(crate) fn set_pending(&mut self, at: Instant) {
        self.pending = Some(at);
    }

    /// Takes the instant of the delayed restart.
    pub(crate) fn take_pending(&mut self) -> Option<Instant> {
        self.pending.take()
    }

    /// The actor panicked at `now` and has restarts left: when may it be rebuilt?
    pub(crate) fn next(&mut self, now: Instant) -> Restart {
        let p = self.policy;
        while self.recent.front().is_some_and(|&t| now.saturating_duration_since(t) >= p.period) {
            self.recent.pop_front();
        }
        if self.recent.len() >= p.intensity as usize {
            return Restart::TooMany;
        }
        let quick = self.recent.back().is_some_and(|&t| now.saturating_duration_since(t) < p.backoff_max * 2);
        self.streak = if quick { self.streak.saturating_add(1) } else { 0 };
        let delay = match self.streak {
            0 => Duration::ZERO,
            n => p.backoff_min.saturating_mul(1 << (n - 1).min(30)).min(p.backoff_max),
        };
        // The restart counts when it happens (after the delay): that is what the window
        // limits.
        let at = now.checked_add(delay).unwrap_or(now);
        self.recent.push_back(at);
        if self.recent.len() > p.intensity as usize {
            self.recent.pop_front();
        }
        if delay.is_zero() {
            Restart::Now
        } else {
            Restart::At(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn quick_restarts_back_off_exponentially_up_to_the_max() {
        let mut log = RestartLog::new(RestartPolicy { intensity: 1000, ..RestartPolicy::default() });
        let t0 = Instant::now();
        let mut now = t0;
        let mut delays = std::vec::Vec::new();
        for _ in 0..14 {
            let d = match log.next(now) {
                Restart::Now => Duration::ZERO,
                Restart::At(at) => at - now,
                Restart::TooMany => panic!("no intensity limit here"),
            };
            delays.push(d);
            now += d; // the next panic comes right after the restart
        }
        let expected: std::vec::Vec<Duration> =
            [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000].iter().map(|&n| ms(n)).collect();
        assert_eq!(delays, expected);
    }

    #[test]
    fn a_restart_long_after_the_previous_one_is_immediate() {
        let mut log = RestartLog::new(RestartPolicy::default());
        let t0 = Instant::now();
        assert_eq!(log.next(t0), Restart::Now);
        assert_eq!(log.next(t0 + ms(10)), Restart::At(t0 + ms(11)));
        assert_eq!(log.next(t0 + ms(5000)), Restart::Now, "the streak is over");
    }

    #[test]
    fn more_than_intensity_restarts_within_the_period_is_too_many() {
        let policy =
            RestartPolicy { backoff_min: Duration::ZERO, backoff_max: Duration::ZERO, intensity: 3, period: ms(100) };
        let mut log = RestartLog::new(policy);
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(log.next(t0 + ms(i)), Restart::Now);
        }
        assert_eq!(log.next(t0 + ms(3)), Restart::TooMany);
        // The window slides: once the oldest restart is a period old, one more is allowed.
        assert_eq!(log.next(t0 + ms(100)), Restart::Now);
    }
}
