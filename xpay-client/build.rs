// Each API is generated from its own spec, and only when its feature is on: a user of one API
// pays neither the generation nor the compilation of the other.
fn main() {
    if std::env::var_os("CARGO_FEATURE_PLATFORM").is_some() {
        paygate_codegen::Build::new("spec/xpay.yaml")
            .out_file("platform.rs")
            .run();
    }
    if std::env::var_os("CARGO_FEATURE_XSTAK").is_some() {
        paygate_codegen::Build::new("spec/xpay-xstak.yaml")
            .out_file("xstak.rs")
            .run();
    }
}
