#[rustyray::remote(num_cpus = "two", max_retries = 1.5, retry_exceptions = 1)]
fn render(frame: u32) -> u32 {
    frame
}

#[rustyray::remote(num_cpus = -1.0, max_retries = 2, max_retries = 3)]
fn render_again(frame: u32) -> u32 {
    frame
}

#[rustyray::remote(fast)]
fn render_fast(frame: u32) -> u32 {
    frame
}

fn main() {}
