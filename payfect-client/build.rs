fn main() {
    codegen::Build::new("spec/payfect.yaml").run();
}
