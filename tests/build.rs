fn main() {
    paygate_codegen::Build::new("specs/probe.yaml").run();
}
