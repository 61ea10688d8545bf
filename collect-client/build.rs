fn main() {
    paygate_codegen::Build::new("spec/collect.yaml").run();
}
