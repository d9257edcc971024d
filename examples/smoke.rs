fn main() {
    let rt = rustyray::Runtime::builder().worker_threads(2).build().unwrap();
    let t = std::time::Instant::now();
    let n = rt.block_on(async {
        let mut hs = Vec::new();
        for i in 0..100_000u64 {
            hs.push(rustyray::spawn(async move { i }));
        }
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    println!("sum {n} in {:?}", t.elapsed());
    let r = rt.block_on(async { rustyray::spawn(async { panic!("boom") }).await });
    println!("{r:?}");
    rt.shutdown();
}
