fn main() {
    codegen::Build::new("spec/collect.yaml").run();
}
