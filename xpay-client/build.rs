// Each module is generated from its own spec.
fn main() {
    paygate_codegen::Build::new("spec/xpay.yaml")
        .out_file("platform.rs")
        .run();
    paygate_codegen::Build::new("spec/xpay-xstak.yaml")
        .out_file("xstak.rs")
        .run();
}
