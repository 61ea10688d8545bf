//! Every spec rule fires, at the right JSON pointer, and a clean spec passes.

use paygate_codegen::lint::lint;

fn spec(paths: &str, schemas: &str) -> openapiv3::OpenAPI {
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n    Err: {{type: object}}\n    Ok: {{type: object}}\n{schemas}"
    );
    serde_norway::from_str(&text).unwrap()
}

const OK_OP: &str = "      operationId: get_thing
      summary: Get a thing
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Ok'}}}}
        4XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/Err'}}}}
        5XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/Err'}}}}
";

fn rules(paths: &str, schemas: &str) -> Vec<(String, &'static str)> {
    lint(&spec(paths, schemas))
        .into_iter()
        .map(|v| (v.pointer, v.rule))
        .collect()
}

#[test]
fn a_clean_spec_passes() {
    let paths = format!("  /things:\n    get:\n{OK_OP}");
    let schemas =
        "    Amount: {type: number, format: decimal}\n    Status: {type: string, enum: [open]}\n";
    assert_eq!(rules(&paths, schemas), vec![]);
}

#[test]
fn operation_ids_are_required_unique_and_snake_case() {
    let paths = format!(
        "  /a:\n    get:\n{OK_OP}  /b:\n    get:\n{}  /c:\n    get:\n{}",
        OK_OP,
        OK_OP.replace("get_thing", "getThing")
    );
    let r = rules(&paths, "");
    assert!(
        r.contains(&("/paths/~1b/get/operationId".into(), "operation-id")),
        "{r:?}"
    );
    assert!(
        r.contains(&("/paths/~1c/get/operationId".into(), "operation-id")),
        "{r:?}"
    );
    let missing = format!(
        "  /a:\n    get:\n{}",
        OK_OP.replace("      operationId: get_thing\n", "")
    );
    assert_eq!(
        rules(&missing, ""),
        vec![("/paths/~1a/get".into(), "operation-id")]
    );
}

#[test]
fn summaries_are_required() {
    let paths = format!(
        "  /a:\n    get:\n{}",
        OK_OP.replace("      summary: Get a thing\n", "")
    );
    assert_eq!(
        rules(&paths, ""),
        vec![("/paths/~1a/get".into(), "operation-summary")]
    );
}

#[test]
fn bare_numbers_are_refused_anywhere() {
    let paths = format!("  /a:\n    get:\n{OK_OP}");
    let schemas = "    Thing:\n      type: object\n      properties:\n        amount: {type: number}\n        fee: {type: number, format: decimal}\n";
    assert_eq!(
        rules(&paths, schemas),
        vec![
            (
                "/components/schemas/Thing/properties/amount".into(),
                "no-bare-number"
            ),
            (
                "/components/schemas/Thing/properties/fee".into(),
                "no-bare-number"
            ),
        ]
    );
}

#[test]
fn one_success_and_one_error_schema() {
    let two_ok = OK_OP.replace(
        "        4XX:",
        "        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Ok'}}}}\n        4XX:",
    );
    let paths = format!("  /a:\n    get:\n{two_ok}");
    assert_eq!(
        rules(&paths, ""),
        vec![("/paths/~1a/get/responses".into(), "one-success-response")]
    );

    let two_err = OK_OP.replace("5XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/Err'}}}}", "5XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/Ok'}}}}");
    let paths = format!("  /a:\n    get:\n{two_err}");
    assert_eq!(
        rules(&paths, ""),
        vec![("/paths/~1a/get/responses/5XX".into(), "one-error-schema")]
    );

    let default = OK_OP.replace(
        "        4XX:",
        "        default: {description: e}\n        4XX:",
    );
    let paths = format!("  /a:\n    get:\n{default}");
    assert_eq!(
        rules(&paths, ""),
        vec![(
            "/paths/~1a/get/responses/default".into(),
            "one-error-schema"
        )]
    );
}

#[test]
fn cookies_and_multipart_are_refused() {
    let op = OK_OP.replace(
        "      responses:",
        "      parameters:\n        - {name: session, in: cookie, schema: {type: string}}\n      requestBody:\n        content:\n          multipart/form-data: {schema: {$ref: '#/components/schemas/Ok'}}\n      responses:",
    );
    let paths = format!("  /a:\n    post:\n{op}");
    assert_eq!(
        rules(&paths, ""),
        vec![
            ("/paths/~1a/post/parameters/0".into(), "no-cookie-params"),
            (
                "/paths/~1a/post/requestBody/content/multipart~1form-data".into(),
                "no-multipart"
            ),
        ]
    );
}

#[test]
fn enums_must_be_named_and_components_pascal_case() {
    let paths = format!("  /a:\n    get:\n{OK_OP}");
    let schemas = "    thing_status: {type: string}\n    Thing:\n      type: object\n      properties:\n        status: {type: string, enum: [open, closed]}\n";
    assert_eq!(
        rules(&paths, schemas),
        vec![
            (
                "/components/schemas/thing_status".into(),
                "pascal-case-components"
            ),
            (
                "/components/schemas/Thing/properties/status".into(),
                "named-enums"
            ),
        ]
    );
}

#[test]
fn build_errors_name_the_file_the_pointer_and_the_rule() {
    let dir = std::env::temp_dir().join(format!("codegen-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.yaml");
    let paths = format!(
        "  /a:\n    get:\n{}",
        OK_OP.replace("      summary: Get a thing\n", "")
    );
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n    Err: {{type: object}}\n    Ok: {{type: object}}\n"
    );
    std::fs::write(&path, text).unwrap();
    let err = paygate_codegen::generate(&path).unwrap_err().to_string();
    assert!(
        err.contains("bad.yaml#/paths/~1a/get: [operation-summary]"),
        "{err}"
    );
}

#[test]
fn an_example_null_needs_a_required_nullable_property() {
    let paths = format!("  /a:\n    get:\n{OK_OP}");
    // `note` is nullable but optional, `tag` required but not nullable, `ref` points at a
    // non-nullable component; `ok` is required + nullable and passes.
    let schemas = "    Inner: {type: string}
    Thing:
      type: object
      required: [tag, ok]
      properties:
        note: {type: string, nullable: true}
        tag: {type: string}
        ok: {type: string, nullable: true}
        ref: {$ref: '#/components/schemas/Inner'}
        nested:
          type: object
          properties:
            deep: {type: string, nullable: true}
      example: {note: null, tag: null, ok: null, ref: null, nested: {deep: null}}
";
    let mut found = rules(&paths, schemas);
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "/components/schemas/Thing/example/nested/deep".into(),
                "null-survives"
            ),
            (
                "/components/schemas/Thing/example/note".into(),
                "null-survives"
            ),
            (
                "/components/schemas/Thing/example/ref".into(),
                "null-survives"
            ),
            (
                "/components/schemas/Thing/example/tag".into(),
                "null-survives"
            ),
        ]
    );
    let fixed = "    Thing:
      type: object
      required: [note]
      properties:
        note: {type: string, nullable: true}
      example: {note: null}
";
    assert_eq!(rules(&paths, fixed), vec![]);
}

#[test]
fn nullable_needs_a_type() {
    let paths = format!("  /a:\n    get:\n{OK_OP}");
    let schemas = "    Inner: {type: object}
    Thing:
      type: object
      properties:
        bare: {nullable: true, description: anything}
        wrapped:
          nullable: true
          allOf: [{$ref: '#/components/schemas/Inner'}]
        typed:
          type: object
          nullable: true
          allOf: [{$ref: '#/components/schemas/Inner'}]
";
    assert_eq!(
        rules(&paths, schemas),
        vec![
            (
                "/components/schemas/Thing/properties/bare".into(),
                "nullable-needs-type"
            ),
            (
                "/components/schemas/Thing/properties/wrapped".into(),
                "nullable-needs-type"
            ),
        ]
    );
}

#[test]
fn enum_aliases_must_name_listed_values_and_unique_spellings() {
    let paths = format!("  /a:\n    get:\n{OK_OP}");
    let schemas = "    Good:
      type: string
      enum: [pending, succeeded]
      x-aliases: {succeeded: [SUCCEEDED]}
    Bad:
      type: string
      enum: [pending, succeeded]
      x-aliases: {done: [DONE], pending: [succeeded]}
";
    assert_eq!(
        rules(&paths, schemas),
        vec![
            ("/components/schemas/Bad/x-aliases".into(), "enum-aliases"),
            ("/components/schemas/Bad/x-aliases".into(), "enum-aliases"),
        ]
    );
}
