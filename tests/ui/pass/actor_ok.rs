// The documented actor grammar, through both front ends: a struct, a constructor with
// arguments, sync and async methods on `&self` and `&mut self`, a method returning
// `Result<T, E>` with the user's own `E`, and the `on_start` / `on_stop` hooks.
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountError {
    Insufficient { balance: i64, wanted: i64 },
}

// ---- via the declarative DSL ----------------------------------------------------------

rustyray::dsl::actor! {
    /// A bank account.
    pub struct Account { owner: String, balance: i64, starts: Arc<AtomicU32>, stopped: Arc<AtomicBool> }
    impl Account {
        pub fn open(owner: String, balance: i64, starts: Arc<AtomicU32>, stopped: Arc<AtomicBool>) -> Self {
            Account { owner, balance, starts, stopped }
        }
        fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
            let _ = ctx.id();
            self.starts.fetch_add(1, SeqCst);
        }
        fn on_stop(&mut self) {
            self.stopped.store(true, SeqCst);
        }
        pub fn owner(&self) -> String { self.owner.clone() }
        pub async fn balance(&self) -> i64 { self.balance }
        pub fn deposit(&mut self, amount: i64) -> i64 { self.balance += amount; self.balance }
        pub async fn withdraw(&mut self, amount: i64) -> Result<i64, AccountError> {
            if amount > self.balance {
                return Err(AccountError::Insufficient { balance: self.balance, wanted: amount });
            }
            self.balance -= amount;
            Ok(self.balance)
        }
        pub fn reset(&mut self) { self.balance = 0; }
    }
}

// ---- via the attributes ---------------------------------------------------------------

#[rustyray::actor]
pub struct Wallet {
    coins: Vec<u32>,
    starts: Arc<AtomicU32>,
    stopped: Arc<AtomicBool>,
}

#[rustyray::actor_methods]
impl Wallet {
    pub fn new(coins: Vec<u32>, starts: Arc<AtomicU32>, stopped: Arc<AtomicBool>) -> Self {
        Wallet { coins, starts, stopped }
    }

    fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
        let _ = ctx.weak_handle();
        self.starts.fetch_add(1, SeqCst);
    }

    fn on_stop(&mut self) {
        self.stopped.store(true, SeqCst);
    }

    pub fn total(&self) -> u32 {
        self.coins.iter().sum()
    }

    pub async fn count(&self) -> usize {
        self.coins.len()
    }

    pub fn add(&mut self, coin: u32, times: usize) {
        self.coins.extend(std::iter::repeat_n(coin, times));
    }

    pub async fn spend(&mut self, coin: u32) -> Result<u32, String> {
        let at = self.coins.iter().position(|&c| c == coin).ok_or_else(|| format!("no {coin} coin"))?;
        Ok(self.coins.remove(at))
    }
}

async fn wait_until(flag: &AtomicBool) {
    while !flag.load(SeqCst) {
        rustyray::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

fn main() -> Result<(), rustyray::Error> {
    let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
    rt.block_on(async {
        // DSL actor.
        let (starts, stopped) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
        let account = Account::remote_on(&rt, "ada".to_string(), 100, starts.clone(), stopped.clone()).await?;
        assert_eq!(account.owner().await?.get().await?, "ada");
        assert_eq!(account.deposit(50).await?.get().await?, 150);
        assert_eq!(account.withdraw(30).await?.get().await?, Ok(120));
        assert_eq!(
            account.withdraw(500).await?.get().await?,
            Err(AccountError::Insufficient { balance: 120, wanted: 500 })
        );
        assert_eq!(account.balance().await?.get().await?, 120);
        account.reset().tell().await?;
        assert_eq!(account.balance().await?.get().await?, 0);
        assert_eq!(starts.load(SeqCst), 1, "on_start ran once, before the first message");
        account.stop();
        wait_until(&stopped).await;

        // Attribute actor, with options.
        let (starts, stopped) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
        let wallet: WalletHandle = Wallet::options()
            .mailbox_capacity(8)
            .remote_on(&rt, vec![1, 2], starts.clone(), stopped.clone())
            .await?;
        wallet.add(5, 3).await?;
        assert_eq!(wallet.total().await?.get().await?, 18);
        assert_eq!(wallet.count().await?.get().await?, 5);
        assert_eq!(wallet.spend(5).await?.get().await?, Ok(5));
        assert_eq!(wallet.spend(7).await?.get().await?, Err("no 7 coin".to_string()));
        assert_eq!(wallet.total().await?.get().await?, 13);
        assert_eq!(starts.load(SeqCst), 1);
        drop(wallet); // the last handle of an unnamed actor: it stops
        wait_until(&stopped).await;

        // The methods are plain local methods too.
        let mut local = Wallet::new(vec![3], Arc::default(), Arc::default());
        local.add(4, 1);
        assert_eq!(local.total(), 7);
        Ok(())
    })
}
