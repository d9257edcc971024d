rustyray::dsl::task! {
    #[options(num_gpus = 1.0)]
    fn render(frame: u32) -> u32 { frame }
}

fn main() {}
