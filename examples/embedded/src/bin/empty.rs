//! The footprint baseline: the same runtime crates as the demo (cortex-m-rt, semihosting,
//! the heap and panic handler of `rustyray_embedded`) and no rustyray.
#![no_std]
#![no_main]
#![deny(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms)]

extern crate alloc;

use alloc::vec::Vec;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use rustyray_embedded::{finish, heap};

#[entry]
fn main() -> ! {
    heap::init();
    // One allocation and its release, so the allocator is linked in as in the demo.
    let v: Vec<u32> = (1..=4).collect();
    let sum: u32 = v.iter().sum();
    drop(v);
    hprintln!("empty firmware: sum {} heap peak {} bytes", sum, heap::peak());
    finish(sum == 10)
}
