//! An actor written by hand against the trait API the macros generate (`Actor`,
//! `ActorMethods`, `Call`): no macro involved. One synchronous method (run by
//! `handle_now`), one `async` method (handed back to `handle`), one fire-and-forget.

use std::time::Duration;

use rustyray::actor::{Actor, ActorContext, ActorMethods, ActorRef, Call};
use rustyray::{Error, Promise, Runtime};

/// A running total.
struct Total {
    sum: u64,
}

/// One variant per method: its arguments and, for a call, the promise of its result.
enum TotalMsg {
    Add { n: u64, reply: Option<Promise<u64>> },
    SlowGet { reply: Option<Promise<u64>> },
}

/// The typed methods of a handle.
#[derive(Clone)]
struct TotalMethods(ActorRef<Total>);

impl ActorMethods<Total> for TotalMethods {
    fn from_ref(actor: ActorRef<Total>) -> Self {
        TotalMethods(actor)
    }
    fn actor_ref(&self) -> &ActorRef<Total> {
        &self.0
    }
}

impl TotalMethods {
    fn add(&self, n: u64) -> Call<'_, Total, u64, impl FnOnce(Option<Promise<u64>>) -> TotalMsg + Send> {
        Call::new(&self.0, move |reply| TotalMsg::Add { n, reply })
    }
    fn slow_get(&self) -> Call<'_, Total, u64, impl FnOnce(Option<Promise<u64>>) -> TotalMsg + Send> {
        Call::new(&self.0, move |reply| TotalMsg::SlowGet { reply })
    }
}

fn answer(reply: Option<Promise<u64>>, value: u64) {
    if let Some(reply) = reply {
        reply.fulfill(Ok(value));
    }
}

impl Actor for Total {
    type Args = (u64,);
    type Msg = TotalMsg;
    type Methods = TotalMethods;

    fn create((start,): (u64,)) -> Self {
        Total { sum: start }
    }

    async fn handle(&mut self, msg: TotalMsg, ctx: &ActorContext<Self>) {
        match msg {
            TotalMsg::SlowGet { reply } => {
                rustyray::time::sleep(Duration::from_millis(5)).await;
                answer(reply, self.sum);
            }
            // Not reached through the runtime (`handle_now` runs it), but correct here too.
            add @ TotalMsg::Add { .. } => assert!(self.handle_now(add, ctx).is_none()),
        }
    }

    fn handle_now(&mut self, msg: TotalMsg, _ctx: &ActorContext<Self>) -> Option<TotalMsg> {
        match msg {
            TotalMsg::Add { n, reply } => {
                self.sum += n;
                answer(reply, self.sum);
                None
            }
            slow => Some(slow),
        }
    }

    fn reject(msg: TotalMsg, error: Error) {
        let (TotalMsg::Add { reply, .. } | TotalMsg::SlowGet { reply }) = msg;
        if let Some(reply) = reply {
            reply.fulfill(Err(error));
        }
    }
}

#[test]
fn a_hand_written_actor_runs_sync_async_and_fire_and_forget_calls_in_order() -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(2).build()?;
    rt.block_on(async {
        let total = rustyray::ActorOptions::<Total>::new().remote_on(&rt, (10,)).await?;
        assert_eq!(total.add(5).await?.get().await?, 15);
        // The async method waits (a timer) between two synchronous ones: FIFO all the same.
        let before = total.add(1).await?;
        let slow = total.slow_get().await?;
        total.add(100).tell().await?;
        let after = total.add(0).await?;
        assert_eq!(before.get().await?, 16);
        assert_eq!(slow.get().await?, 16);
        assert_eq!(after.get().await?, 116);
        Ok(())
    })
}

#[test]
fn a_hand_written_actor_without_handle_now_runs_every_call_through_handle() -> Result<(), Error> {
    /// Only `handle`: the default `handle_now` hands every message back.
    struct Echo;
    enum EchoMsg {
        Echo { v: u32, reply: Option<Promise<u32>> },
    }
    #[derive(Clone)]
    struct EchoMethods(ActorRef<Echo>);
    impl ActorMethods<Echo> for EchoMethods {
        fn from_ref(actor: ActorRef<Echo>) -> Self {
            EchoMethods(actor)
        }
        fn actor_ref(&self) -> &ActorRef<Echo> {
            &self.0
        }
    }
    impl Actor for Echo {
        type Args = ();
        type Msg = EchoMsg;
        type Methods = EchoMethods;
        fn create((): ()) -> Self {
            Echo
        }
        fn handle<'a>(
            &'a mut self,
            msg: EchoMsg,
            _ctx: &'a ActorContext<Self>,
        ) -> impl std::future::Future<Output = ()> + Send + 'a {
            let EchoMsg::Echo { v, reply } = msg;
            async move {
                if let Some(reply) = reply {
                    reply.fulfill(Ok(v));
                }
            }
        }
        fn reject(msg: EchoMsg, error: Error) {
            let EchoMsg::Echo { reply, .. } = msg;
            if let Some(reply) = reply {
                reply.fulfill(Err(error));
            }
        }
    }

    let rt = Runtime::builder().worker_threads(1).build()?;
    rt.block_on(async {
        let echo = rustyray::ActorOptions::<Echo>::new().remote_on(&rt, ()).await?;
        let refs: Vec<_> = {
            let mut refs = Vec::new();
            for v in 0..50 {
                refs.push(Call::new(echo.actor_ref(), move |reply| EchoMsg::Echo { v, reply }).await?);
            }
            refs
        };
        for (v, r) in refs.into_iter().enumerate() {
            assert_eq!(r.get().await?, v as u32);
        }
        Ok(())
    })
}
