#!/usr/bin/env bash
# The firmware check of CI (called by .ci/run): builds examples/embedded for thumbv7m, runs
# the demo, the panic image and the empty baseline under QEMU (lm3s6965evb), checks their
# output and exit codes, and prints the footprint of the demo against the empty baseline.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "ci.sh: not root and no sudo; cannot run: $*" >&2
        return 1
    fi
}

if ! command -v qemu-system-arm >/dev/null 2>&1; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-system-arm
fi
rustup target add thumbv7m-none-eabi
rustup component add llvm-tools

# The footprint must not depend on where the repository is cloned: rustyray is a path
# dependency outside this crate, so its panic locations carry its absolute path (each
# character of it costs ~8 bytes of flash). Remap it to a fixed prefix. (Cargo appends
# this to `.cargo/config.toml`'s rustflags for the target.)
repo=$(cd ../.. && pwd)
export CARGO_TARGET_THUMBV7M_NONE_EABI_RUSTFLAGS="--remap-path-prefix=$repo=rustyray"

cargo fmt -- --check
cargo clippy --release --bins -- -D warnings
cargo build --release --bins
cargo clippy --release --features node --bin node -- -D warnings
cargo build --release --features node --bin node

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run <bin>: runs the image under QEMU (the runner of .cargo/config.toml); sets $out and $code.
run() {
    code=0
    out=$(timeout 120 cargo run --release --quiet --bin "$1" 2>"/tmp/rustyray-embedded-$1.stderr") || code=$?
    printf -- '---- %s (exit code %s) ----\n%s\n' "$1" "$code" "$out"
}

# expect_line <exact line>: the last run printed exactly this line.
expect_line() {
    grep -qxF -- "$1" <<<"$out" || fail "missing line: $1"
}

run rustyray-embedded
[ "$code" -eq 0 ] || fail "the demo exited with $code (expected 0)"
expect_line "ping-pong: 1000 round trips, final ball 1000, pong returned 1000"
expect_line "task chain: 10 x add_one from 0 = 10"
expect_line "supervised pong (max 2 hits): 2 hits, then fault Worn; supervisor kills it"
expect_line "call to the killed pong: ActorDied"
expect_line "re-created pong: hit returns 1, 1 ball returned"
expect_line "all checks passed"
grep -qE '^store: [0-9]+ objects created, 0 live at the end$' <<<"$out" || fail "objects left in the store"
demo_heap=$(sed -n 's/^peak heap: \([0-9]*\) bytes of [0-9]*$/\1/p' <<<"$out")
[ -n "$demo_heap" ] || { fail "no peak heap line"; demo_heap=0; }

run panic
[ "$code" -eq 1 ] || fail "the panic image exited with $code (expected 1: the panic handler's EXIT_FAILURE)"
expect_line "divide(4) = 3"
grep -q '^PANIC (no unwinding on no_std; the firmware stops): panicked at src/bin/panic.rs' <<<"$out" ||
    fail "the panic handler did not report the panic"
expect_line "Divider::divide: division by zero"
if grep -q 'NOT REACHED' <<<"$out"; then fail "code after the panic ran"; fi

run empty
[ "$code" -eq 0 ] || fail "the empty image exited with $code (expected 0)"
empty_heap=$(sed -n 's/^empty firmware: sum 10 heap peak \([0-9]*\) bytes$/\1/p' <<<"$out")
[ -n "$empty_heap" ] || { fail "unexpected output of the empty image"; empty_heap=0; }

# ---- the node firmware, called by a host node over UART0 --------------------------------
# QEMU connects UART0 to a Unix socket it listens on and starts the guest once the host
# program (examples/device_host.rs, the main crate's) has connected. Both check every result.
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/thumbv7m-none-eabi/release"
sock=$(mktemp -u /tmp/rustyray-uart-XXXXXX.sock)
(cd ../.. && cargo build --quiet --example device_host)
timeout 120 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -display none -monitor none \
    -semihosting-config enable=on,target=native -serial "unix:$sock,server=on,wait=on" \
    -kernel "$bin/node" >/tmp/rustyray-node-device.out 2>&1 &
qemu=$!
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
host_code=0
host_out=$(cd ../.. && timeout 120 cargo run --quiet --example device_host -- "unix:$sock" 2>&1) || host_code=$?
device_code=0
wait "$qemu" || device_code=$?
rm -f "$sock"
device_out=$(cat /tmp/rustyray-node-device.out)
printf -- '---- node firmware (exit code %s) ----\n%s\n' "$device_code" "$device_out"
printf -- '---- device_host (exit code %s) ----\n%s\n' "$host_code" "$host_out"
[ "$device_code" -eq 0 ] || fail "the node firmware exited with $device_code (expected 0)"
[ "$host_code" -eq 0 ] || fail "the host program exited with $host_code (expected 0)"
out=$device_out
expect_line "device: said hello (known board: true), 3 reports acknowledged"
expect_line "device: the host said goodbye after 54 sensor reads"
expect_line "device: all checks passed"
node_heap=$(sed -n 's/^device: peak heap \([0-9]*\) bytes of [0-9]*$/\1/p' <<<"$out")
[ -n "$node_heap" ] || { fail "no peak heap line from the node firmware"; node_heap=0; }
out=$host_out
expect_line "host: sensor readings [1000, 1007, 1014]"
expect_line "host: called back by board 6965: 3 reports, last 102"
expect_line "host: goodbye after 54 reads"
expect_line "host: all checks passed"

# ---- footprint -------------------------------------------------------------------------
host=$(rustc -vV | sed -n 's/^host: //p')
size="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
[ -x "$size" ] || size=llvm-size

# section <image> <name>: the size of one section (0 if absent).
section_size() {
    "$size" -A "$bin/$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}
flash() { echo $(($(section_size "$1" .vector_table) + $(section_size "$1" .text) + $(section_size "$1" .rodata))); }
ram() { echo $(($(section_size "$1" .data) + $(section_size "$1" .bss))); }

"$size" -A "$bin/rustyray-embedded" "$bin/empty" "$bin/node" | grep -E '(:$|^section|^\.(vector_table|text|rodata|data|bss) )'
demo_flash=$(flash rustyray-embedded)
empty_flash=$(flash empty)
demo_ram=$(ram rustyray-embedded)
empty_ram=$(ram empty)
printf '\n%-18s %12s %16s %12s %14s\n' image "flash (B)" ".data+.bss (B)" "peak heap" "RAM total (B)"
printf '%-18s %12d %16d %12d %14d\n' demo "$demo_flash" "$demo_ram" "$demo_heap" $((demo_ram + demo_heap))
printf '%-18s %12d %16d %12d %14d\n' empty "$empty_flash" "$empty_ram" "$empty_heap" $((empty_ram + empty_heap))
d_flash=$((demo_flash - empty_flash))
d_ram=$((demo_ram + demo_heap - empty_ram - empty_heap))
printf '%-18s %12d %16d %12d %14d\n' "rustyray's share" "$d_flash" $((demo_ram - empty_ram)) $((demo_heap - empty_heap)) "$d_ram"
[ "$d_flash" -le 32768 ] || fail "rustyray's flash share is $d_flash bytes (budget 32768)"
[ "$d_ram" -le 8192 ] || fail "rustyray's RAM share is $d_ram bytes (budget 8192)"

# The node firmware against the demo: the node layer's own cost (goal: ≤ 16 KiB more flash,
# ≤ 4 KiB more RAM; reported, not enforced: the two images do different work).
node_flash=$(flash node)
node_ram=$(ram node)
printf '%-18s %12d %16d %12d %14d\n' "node firmware" "$node_flash" "$node_ram" "$node_heap" $((node_ram + node_heap))
printf '%-18s %12d %16s %12s %14d\n' "node - demo" $((node_flash - demo_flash)) "" "" \
    $((node_ram + node_heap - demo_ram - demo_heap))

if [ "$failures" -ne 0 ]; then
    echo "ci.sh: $failures check(s) failed" >&2
    exit 1
fi
echo "ci.sh: firmware OK"
