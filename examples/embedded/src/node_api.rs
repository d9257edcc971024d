//! The actors the device and the host export to each other: one definition, compiled into
//! both the firmware (`src/bin/node.rs`) and the host program (`examples/device_host.rs` in
//! the main crate), so both sides agree on the method table and the types. Each side runs
//! the bodies of the actor it exports; the other only calls it through a typed handle.

rustyray::dsl::actor! {
    /// The device's sensor: a deterministic reading that moves on at each read, and a
    /// calibration offset the host can set. `on_goodbye` is told (the number of reads) when
    /// the host says goodbye: a UART never reports that the other end went away.
    pub struct Sensor { reads: u32, offset: i32, on_goodbye: fn(u32) }
    #[export]
    impl Sensor {
        /// A sensor that has not been read yet.
        pub fn new(on_goodbye: fn(u32)) -> Self { Sensor { reads: 0, offset: 0, on_goodbye } }
        /// The next reading: `1000 + 7 × (reads so far)`, plus the offset.
        pub fn read(&mut self) -> i32 {
            let raw = 1000 + 7 * self.reads as i32;
            self.reads += 1;
            raw + self.offset
        }
        /// Sets the calibration offset; returns the previous one.
        pub fn calibrate(&mut self, offset: i32) -> i32 {
            core::mem::replace(&mut self.offset, offset)
        }
        /// How many readings were taken.
        pub fn reads(&self) -> u32 { self.reads }
        /// The host is done: returns the number of reads, and tells the device.
        pub fn goodbye(&mut self) -> u32 {
            (self.on_goodbye)(self.reads);
            self.reads
        }
    }
}

rustyray::dsl::actor! {
    /// The host's log of what devices reported: the device calls it back.
    pub struct HostLog { board: u32, reports: u32, last: i32 }
    #[export]
    impl HostLog {
        /// An empty log.
        pub fn new() -> Self { HostLog { board: 0, reports: 0, last: 0 } }
        /// A device says who it is; returns 1 if the board is known.
        pub fn hello(&mut self, board: u32) -> u32 { self.board = board; u32::from(board == 6965) }
        /// A device reports a value; returns how many reports there have been.
        pub fn report(&mut self, value: i32) -> u32 { self.reports += 1; self.last = value; self.reports }
        /// `(board, reports, last value)` so far.
        pub fn summary(&self) -> (u32, u32, i32) { (self.board, self.reports, self.last) }
    }
}
