fn main() {
    codegen::Build::new("specs/probe.yaml").run();
}
