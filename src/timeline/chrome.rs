//! Chrome trace event JSON (the format Perfetto and `chrome://tracing` load): complete
//! events (`"ph":"X"`, microseconds) and thread-name metadata (`"ph":"M"`).

use alloc::string::String;
use core::fmt::Write;

use super::{SpanKind, Timeline};

/// The process id every event carries.
const PID: u32 = 1;

pub(super) fn write(t: &Timeline) -> String {
    let mut out = String::with_capacity(64 + t.spans.len() * 160);
    out.push_str("{\"traceEvents\":[");
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !core::mem::take(&mut first) {
            out.push(',');
        }
    };
    for (thread, name) in &t.threads {
        sep(&mut out);
        let _ =
            write!(out, "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{PID},\"tid\":{thread},\"args\":{{\"name\":");
        string(&mut out, name);
        out.push_str("}}");
    }
    for s in &t.spans {
        sep(&mut out);
        let (cat, ph) = match s.kind {
            SpanKind::Task => ("task", "X"),
            SpanKind::ActorCall => ("actor_call", "X"),
            SpanKind::Submit => ("submit", "i"),
        };
        out.push_str("{\"name\":");
        match s.actor {
            Some(actor) => string(&mut out, &alloc::format!("{actor}.{}", s.name)),
            None => string(&mut out, s.name),
        }
        let _ = write!(out, ",\"cat\":\"{cat}\",\"ph\":\"{ph}\",\"ts\":");
        micros(&mut out, s.start_ns);
        if ph == "X" {
            out.push_str(",\"dur\":");
            micros(&mut out, s.end_ns.saturating_sub(s.start_ns));
        } else {
            out.push_str(",\"s\":\"t\"");
        }
        let _ = write!(out, ",\"pid\":{PID},\"tid\":{},\"args\":{{\"ok\":{}", s.thread, s.ok);
        if let Some(actor) = s.actor {
            out.push_str(",\"actor\":");
            string(&mut out, actor);
        }
        if let Some(submit) = s.submit_ns {
            out.push_str(",\"submit_us\":");
            micros(&mut out, submit);
            out.push_str(",\"queued_us\":");
            micros(&mut out, s.start_ns.saturating_sub(submit));
        }
        out.push_str("}}");
    }
    let _ = write!(out, "],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"dropped\":{}}}}}", t.dropped);
    out
}

/// Nanoseconds as microseconds with three decimals (the format's unit).
fn micros(out: &mut String, ns: u64) {
    let _ = write!(out, "{}.{:03}", ns / 1000, ns % 1000);
}

/// A JSON string literal.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
