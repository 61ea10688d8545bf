// Each module is generated from its own spec. While the team is building the modules in
// parallel, a module is compiled only once its spec and its hand-written `mod.rs` exist.
// TODO(lead): drop the readiness check once both modules have landed.
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(platform_ready)");
    println!("cargo::rustc-check-cfg=cfg(xstak_ready)");
    for (spec, out, module, cfg) in [
        ("spec/xpay.yaml", "platform.rs", "src/platform/mod.rs", "platform_ready"),
        ("spec/xpay-xstak.yaml", "xstak.rs", "src/xstak/mod.rs", "xstak_ready"),
    ] {
        println!("cargo:rerun-if-changed={module}");
        println!("cargo:rerun-if-changed={spec}");
        if Path::new(spec).exists() && Path::new(module).exists() {
            codegen::Build::new(spec).out_file(out).run();
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
