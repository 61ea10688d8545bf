//! Shared test helpers: fixtures and the independent Fernet implementation (Python's
//! `cryptography`).

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// A fixture's text.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Parses `text` into `T` and serializes it back: the result must equal the input value for
/// value, after removing the `ignored` JSON pointers (fields `T` deliberately does not model).
pub fn assert_round_trip<T>(name: &str, text: &str, ignored: &[&str]) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let mut expected: Value = serde_json::from_str(text).expect("fixture is JSON");
    for pointer in ignored {
        let (parent, key) = pointer.rsplit_once('/').expect("pointer has a slash");
        let removed = expected
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(removed.is_some(), "{name}: {pointer} is not in the fixture");
    }
    let typed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&typed).expect("serializes");
    assert_eq!(back, expected, "{name} does not round-trip");
    typed
}

/// The Python program that makes Fernet keys and tokens, independently of the `fernet` crate.
const PYTHON_FERNET: &str = r#"
import sys
from cryptography.fernet import Fernet
cmd = sys.argv[1]
if cmd == "key":
    sys.stdout.write(Fernet.generate_key().decode())
elif cmd == "encrypt":
    key, at = sys.argv[2], sys.argv[3]
    data = sys.stdin.buffer.read()
    f = Fernet(key.encode())
    token = f.encrypt(data) if at == "now" else f.encrypt_at_time(data, int(at))
    sys.stdout.write(token.decode())
elif cmd == "decrypt":
    key = sys.argv[2]
    token = sys.stdin.buffer.read().strip()
    sys.stdout.buffer.write(Fernet(key.encode()).decrypt(token))
"#;

/// Python 3 with `cryptography`, or `None` (after saying why) when it is missing and the
/// environment variable `CI` is unset. Under CI a missing Python fails the test.
pub fn python_fernet() -> Option<PythonFernet> {
    let probe = Command::new("python3")
        .args(["-c", "import cryptography.fernet"])
        .output();
    let available = matches!(&probe, Ok(out) if out.status.success());
    if available {
        return Some(PythonFernet);
    }
    let why = match probe {
        Ok(out) => format!(
            "python3 cannot import cryptography: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("python3 not runnable: {e}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run the independent Fernet checks (pip install cryptography)");
    }
    // Written to the process's stderr directly: the test harness would hide an `eprintln!`
    // of a passing test, and a skip must be visible.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {why}. Install it (pip install cryptography) to run the checks against an \
         independent Fernet implementation."
    );
    None
}

/// Handle proving Python's `cryptography` is available.
pub struct PythonFernet;

impl PythonFernet {
    fn run(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(PYTHON_FERNET)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(stdin)
            .expect("write to python3");
        let out = child.wait_with_output().expect("python3 finishes");
        assert!(
            out.status.success(),
            "python3 {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// A fresh Fernet key.
    pub fn key(&self) -> String {
        String::from_utf8(self.run(&["key"], b"")).expect("key is ASCII")
    }

    /// A token for `data`, stamped now.
    pub fn encrypt(&self, key: &str, data: &[u8]) -> String {
        String::from_utf8(self.run(&["encrypt", key, "now"], data)).expect("token is ASCII")
    }

    /// A token for `data`, stamped at Unix second `at`.
    pub fn encrypt_at(&self, key: &str, data: &[u8], at: i64) -> String {
        String::from_utf8(self.run(&["encrypt", key, &at.to_string()], data))
            .expect("token is ASCII")
    }

    /// Decrypts a token (panics if Python rejects it).
    pub fn decrypt(&self, key: &str, token: &str) -> Vec<u8> {
        self.run(&["decrypt", key], token.as_bytes())
    }
}
