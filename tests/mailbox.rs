//! `Mailbox` on its own, as a channel between tasks: the receiving task is not an actor,
//! so it waits through the mailbox's general waker slot (boxed on first use).

use std::sync::Arc;
use std::time::Duration;

use rustyray::mailbox::{Capacity, Mailbox, TrySendError};
use rustyray::{Error, Runtime};

fn runtime() -> Runtime {
    Runtime::builder().worker_threads(2).build().expect("runtime")
}

#[test]
fn a_task_receives_everything_sent_from_other_threads_in_per_sender_order() -> Result<(), Error> {
    const SENDERS: u64 = 4;
    const EACH: u64 = 10_000;
    let rt = runtime();
    let mailbox = Arc::new(Mailbox::<(u64, u64)>::unbounded());
    let receiver = {
        let mailbox = mailbox.clone();
        rt.spawn(async move {
            let mut next = [0u64; SENDERS as usize];
            let mut got = 0;
            while got < SENDERS * EACH {
                let (sender, i) = mailbox.recv().await.expect("open until every message arrived");
                assert_eq!(i, next[sender as usize], "FIFO per sender");
                next[sender as usize] += 1;
                got += 1;
            }
            got
        })
    };
    let threads: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let mailbox = mailbox.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    mailbox.try_send((sender, i)).expect("unbounded and open");
                    if i % 1000 == 0 {
                        // Let the receiver drain and go idle now and then.
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("sender thread");
    }
    let got = rt.block_on(rustyray::time::timeout(Duration::from_secs(30), receiver))?;
    assert_eq!(got?, SENDERS * EACH);
    Ok(())
}

#[test]
fn close_wakes_a_waiting_receiver_and_bounded_sends_wait_for_room() -> Result<(), Error> {
    let rt = runtime();
    let mailbox = Arc::new(Mailbox::<u32>::bounded(2));
    assert_eq!(mailbox.capacity(), Some(2));
    mailbox.try_send(1).expect("room");
    mailbox.try_send(2).expect("room");
    match mailbox.try_send(3) {
        Err(TrySendError::Full(3)) => {}
        other => panic!("expected Full(3) with the message handed back, got {other:?}"),
    }
    let sender = {
        let mailbox = mailbox.clone();
        rt.spawn(async move { mailbox.send(3).await.is_ok() })
    };
    rt.block_on(async {
        assert_eq!(mailbox.recv().await, Some(1));
        assert!(sender.await?, "the waiting send went through once there was room");
        assert_eq!(mailbox.recv().await, Some(2));
        assert_eq!(mailbox.recv().await, Some(3));
        Ok::<_, Error>(())
    })?;
    // A receiver waiting on an empty mailbox is woken by close and gets None.
    let waiting = {
        let mailbox = mailbox.clone();
        rt.spawn(async move { mailbox.recv().await })
    };
    std::thread::sleep(Duration::from_millis(20));
    assert!(mailbox.close());
    // The timeout only guards against a hang (a lost wake-up) failing the test slowly.
    let woken = rt.block_on(rustyray::time::timeout(Duration::from_secs(10), waiting))?;
    assert_eq!(woken?, None);
    Ok(())
}

#[test]
fn capacities_report_what_they_hold() {
    assert_eq!(Mailbox::<u8>::unbounded().capacity(), None);
    assert_eq!(Mailbox::<u8>::new(Capacity::Bounded(1024)).capacity(), Some(1024));
    assert_eq!(Mailbox::<u8>::fixed::<8>().capacity(), Some(8));
    // Bounds are kept in 32 bits: a larger one is lowered to the largest.
    assert_eq!(Mailbox::<u8>::bounded(usize::MAX).capacity(), Some(u32::MAX as usize - 1));
}
