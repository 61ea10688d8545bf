fn main() {
    paygate_codegen::Build::new("spec/payfect.yaml").run();
}
