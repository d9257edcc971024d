// `main` takes no arguments.
#[rustyray::main]
async fn main(args: Vec<String>) {
    let _ = args;
}
