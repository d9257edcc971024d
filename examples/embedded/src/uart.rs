//! UART0 of the LM3S6965 (a PL011) as a rustyray node link: [`Rx`] and [`Tx`] implement
//! `LinkRead` / `LinkWrite`. Waiting is interrupt-driven, never a spin: a read that finds
//! the receive FIFO empty registers its waker and unmasks the receive interrupt; the
//! interrupt handler ([`on_interrupt`], called from the image's `DefaultHandler`) masks what
//! fired and wakes the waiting task, and the executor's `WFE` idle sleeps until then.
//! Under QEMU, `-serial unix:<path>,server=on` connects UART0 to a host socket.
#![allow(unsafe_code)] // memory-mapped registers and the NVIC

use core::future::{poll_fn, Future};
use core::task::Poll;

use atomic_waker::AtomicWaker;
use rustyray::node::{LinkRead, LinkWrite};
use rustyray::Error;

const BASE: usize = 0x4000_C000;
const DR: usize = 0x000;
const FR: usize = 0x018;
const LCRH: usize = 0x02C;
const CTL: usize = 0x030;
const IM: usize = 0x038;
const MIS: usize = 0x040;
const ICR: usize = 0x044;
/// Flag register: receive FIFO empty, transmit FIFO full.
const RXFE: u32 = 1 << 4;
const TXFF: u32 = 1 << 5;
/// Interrupt bits: receive, transmit, receive timeout.
const RXI: u32 = 1 << 4;
const TXI: u32 = 1 << 5;
const RTI: u32 = 1 << 6;
/// UART0's interrupt number on this chip.
pub const IRQ: i16 = 5;
/// The system control register that gates the UARTs' clocks (bit 0: UART0).
const RCGC1: usize = 0x400F_E104;

static RX_WAKER: AtomicWaker = AtomicWaker::new();
static TX_WAKER: AtomicWaker = AtomicWaker::new();

fn read(offset: usize) -> u32 {
    // SAFETY: BASE + offset is one of UART0's registers (offsets above), mapped for the
    // whole run on this chip; a 32-bit volatile read of it has no side effect but the
    // PL011's own (reading DR pops the receive FIFO, which is what `drain` wants).
    unsafe { core::ptr::read_volatile((BASE + offset) as *const u32) }
}

fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`; the values written are the PL011's documented bits.
    unsafe { core::ptr::write_volatile((BASE + offset) as *mut u32, value) }
}

/// Turns UART0 on (8N1, FIFOs off: one byte per interrupt, QEMU holds the rest back) and
/// unmasks its interrupt in the NVIC (the UART's own mask stays closed until a read waits).
pub fn init() {
    // SAFETY: RCGC1 is the system control clock-gating register; setting bit 0 only
    // enables UART0's clock.
    unsafe { core::ptr::write_volatile(RCGC1 as *mut u32, core::ptr::read_volatile(RCGC1 as *const u32) | 1) };
    write(IM, 0);
    write(ICR, 0x7FF);
    // 8 data bits, no FIFO; then UARTEN, TXE and RXE.
    write(LCRH, 0b11 << 5);
    write(CTL, 1 | (1 << 8) | (1 << 9));
    // SAFETY: unmasking UART0's line is sound: its handler (`on_interrupt`) only touches
    // the UART's registers and the two atomic wakers.
    unsafe { cortex_m::peripheral::NVIC::unmask(Uart0) };
}

#[derive(Clone, Copy)]
struct Uart0;

// SAFETY: 5 is UART0's interrupt number on the LM3S6965.
unsafe impl cortex_m::interrupt::InterruptNumber for Uart0 {
    fn number(self) -> u16 {
        IRQ as u16
    }
}

/// The interrupt handler's body: masks the sources that fired (a waiting read or write
/// unmasks them again) and wakes the waiting tasks.
pub fn on_interrupt() {
    let fired = read(MIS);
    write(IM, read(IM) & !fired);
    write(ICR, fired);
    if fired & (RXI | RTI) != 0 {
        RX_WAKER.wake();
    }
    if fired & TXI != 0 {
        TX_WAKER.wake();
    }
}

/// Moves the bytes waiting in the receiver into `buf`.
fn drain(buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() && read(FR) & RXFE == 0 {
        buf[n] = read(DR) as u8;
        n += 1;
    }
    n
}

/// UART0's receiving side.
#[derive(Debug)]
pub struct Rx;

/// UART0's sending side.
#[derive(Debug)]
pub struct Tx;

impl LinkRead for Rx {
    #[allow(clippy::manual_async_fn)]
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = Result<usize, Error>> + Send {
        poll_fn(move |cx| {
            let n = drain(buf);
            if n > 0 {
                return Poll::Ready(Ok(n));
            }
            RX_WAKER.register(cx.waker());
            // Unmask only now: a byte that arrived in between raises the interrupt at once.
            cortex_m::interrupt::free(|_| write(IM, read(IM) | RXI | RTI));
            let n = drain(buf);
            if n > 0 {
                Poll::Ready(Ok(n))
            } else {
                Poll::Pending
            }
        })
    }
}

impl LinkWrite for Tx {
    #[allow(clippy::manual_async_fn)]
    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = Result<(), Error>> + Send {
        let mut sent = 0;
        poll_fn(move |cx| {
            while sent < buf.len() {
                if read(FR) & TXFF != 0 {
                    TX_WAKER.register(cx.waker());
                    cortex_m::interrupt::free(|_| write(IM, read(IM) | TXI));
                    if read(FR) & TXFF != 0 {
                        return Poll::Pending;
                    }
                }
                write(DR, u32::from(buf[sent]));
                sent += 1;
            }
            Poll::Ready(Ok(()))
        })
    }
}
