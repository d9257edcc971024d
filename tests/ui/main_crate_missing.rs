// `crate = "…"` names where rustyray is: a path that is not there is reported as such.
#[rustyray::main(crate = "not_a_crate")]
async fn main() {}
