#!/usr/bin/env bash
# Builds the extension (release), stages it with the package in a temporary directory, and
# runs the microbenchmark there: `bash python/bench/run.sh [--quick] [--ray --ray-python P]`.
# Uses the test suite's virtual environment (target/py-venv, made by `cargo test`) if it
# exists, else python3 (which then needs cloudpickle for the process shapes).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p rustyray-python
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/rustyray"
cp python/rustyray/*.py "$stage/rustyray/"
cp "$target_dir/release/lib_rustyray.so" "$stage/rustyray/_rustyray.so"
python=python3
[ -x "$target_dir/py-venv/bin/python" ] && python="$target_dir/py-venv/bin/python"
PYTHONPATH="$stage" "$python" python/bench/microbenchmark.py "$@"
