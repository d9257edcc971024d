// `crate = …` takes the path as a string.
#[rustyray::main(crate = 5)]
async fn main() {}
