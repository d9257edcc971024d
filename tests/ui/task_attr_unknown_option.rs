#[rustyray::remote(num_cpus = 1.0, num_gpus = 1.0)]
fn render(frame: u32) -> u32 {
    frame
}

fn main() {}
