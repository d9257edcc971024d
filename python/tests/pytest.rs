//! Runs the Python test suite (`python/tests/test_*.py`) on the extension cargo just built.
//!
//! `cargo test --workspace` builds this package's cdylib before its tests run; this test
//! copies it with the package's Python sources into a temporary directory, makes a virtual
//! environment under the target directory with the test requirements (once; a stamp
//! records what was installed), and runs pytest there with a bounded wait.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole suite's bound (it takes well under a minute).
const SUITE_TIMEOUT: Duration = Duration::from_secs(600);

fn python() -> String {
    std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    assert!(status.success(), "{what}: {status}");
}

/// `target/<profile>`: where cargo put the cdylib (this test runs from `…/deps/`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_path_buf()
}

/// A venv under the target directory with the test requirements installed.
fn venv(target: &Path, requirements: &Path) -> PathBuf {
    let venv = target.join("py-venv");
    let bin = venv.join("bin").join("python");
    if !bin.exists() {
        run(Command::new(python()).args(["-m", "venv"]).arg(&venv), "python3 -m venv");
    }
    let wanted = std::fs::read_to_string(requirements).expect("requirements-test.txt");
    let stamp = venv.join("rustyray-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        run(
            Command::new(&bin)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(requirements),
            "pip install -r python/requirements-test.txt",
        );
        std::fs::write(&stamp, wanted).expect("write the venv's stamp");
    }
    bin
}

/// The package as Python imports it: the sources and the extension, in a fresh directory.
fn stage_package(dir: &Path, manifest: &Path, extension: &Path) {
    let pkg = dir.join("rustyray");
    std::fs::create_dir_all(&pkg).expect("create the staging directory");
    for entry in std::fs::read_dir(manifest.join("rustyray")).expect("python/rustyray") {
        let path = entry.expect("a source file").path();
        if path.extension().is_some_and(|e| e == "py") {
            std::fs::copy(&path, pkg.join(path.file_name().expect("a file name"))).expect("copy a source file");
        }
    }
    std::fs::copy(extension, pkg.join("_rustyray.so")).expect("copy the extension module");
}

#[test]
fn python_suite() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = profile_dir();
    let file = if cfg!(target_os = "macos") { "lib_rustyray.dylib" } else { "lib_rustyray.so" };
    // (Built as the test's dependency, the cdylib stays in `deps/`; `cargo build` copies
    // it up a level. The newer one is this build's.)
    let extension = [profile.join("deps").join(file), profile.join(file)]
        .into_iter()
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("cargo did not build the extension {file} in {}", profile.display()));
    let target = profile.parent().expect("the target directory");
    let python = venv(target, &manifest.join("requirements-test.txt"));

    let staging = std::env::temp_dir().join(format!("rustyray-pytest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    stage_package(&staging, manifest, &extension);

    let mut child = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(manifest.join("tests"))
        // (From the staging directory: `python -m` puts the working directory first on
        // the path, and the sources next to `Cargo.toml` have no extension module.)
        .current_dir(&staging)
        .env("PYTHONPATH", &staging)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .spawn()
        .expect("start pytest");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pytest") {
            break Some(status);
        }
        if started.elapsed() > SUITE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&staging);
    let status = status.unwrap_or_else(|| panic!("the Python suite ran over {SUITE_TIMEOUT:?}"));
    assert!(status.success(), "the Python suite failed: {status}");
}
