//! `expr(...)` specs on the command line: describe shows the expression and its
//! derivatives, eval/grad/plot/bench accept them like built-ins, malformed ones give one
//! clear line (exit 2), and a custom activation trains in `lab compare`.

mod common;

use common::{actfn, one_line_error, stdout};

#[test]
fn describe_shows_the_expression_and_its_derivatives() {
    let text = stdout(&["describe", "expr(x * sigmoid(beta * x), beta=1.5)"]);
    assert!(text.contains("spec        expr(x*sigmoid(beta*x), beta=1.5)"), "{text}");
    assert!(text.contains("formula     x*sigmoid(beta*x)"), "{text}");
    assert!(
        text.contains("derivative  sigmoid(beta*x) + beta*x*sigmoid'(beta*x)"),
        "{text}"
    );
    assert!(text.contains("second      "), "{text}");
    assert!(text.contains("beta = 1.5"), "{text}");
    assert!(text.contains("Plot on"), "{text}");
    let first_order = stdout(&["describe", "expr(mish(x) * 2)"]);
    assert!(first_order.contains("first-order only"), "{first_order}");
}

#[test]
fn eval_and_grad_take_expressions() {
    let lines = |args: &[&str]| stdout(args).lines().map(str::to_string).collect::<Vec<_>>();
    let spec = "expr(where(x > 0, x, 0.1 * x))";
    assert_eq!(
        lines(&["eval", spec, "-2", "3"]),
        lines(&["eval", "leaky_relu(0.1)", "-2", "3"])
    );
    assert_eq!(
        lines(&["grad", spec, "-2", "3"]),
        lines(&["grad", "leaky_relu(0.1)", "-2", "3"])
    );
    assert_eq!(
        lines(&["eval", spec, "-2", "3", "--dtype", "f32"]),
        lines(&["eval", "leaky_relu(0.1)", "-2", "3", "--dtype", "f32"])
    );
}

#[test]
fn plot_and_bench_take_expressions() {
    let text = stdout(&["plot", "expr(x * tanh(softplus(x)))", "mish", "--ascii"]);
    assert!(text.contains("expr(x*tanh(softplus(x)))"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    stdout(&[
        "bench",
        "expr(x*sigmoid(x))",
        "silu",
        "--sizes",
        "4K",
        "--min-ms",
        "5",
        "--backward",
        "--json",
        json.to_str().unwrap(),
    ]);
    let records: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let specs: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["spec"].as_str())
        .collect();
    assert!(
        specs.contains(&"expr(x*sigmoid(x))") && specs.contains(&"silu"),
        "{specs:?}"
    );
}

#[test]
fn malformed_expressions_give_one_clear_line() {
    one_line_error(&["eval", "expr(x * )", "1"], "expected a term at column 9");
    one_line_error(&["describe", "expr(x * sigmod(x))"], "did you mean `sigmoid`?");
    one_line_error(&["grad", "expr(x * bta, beta=2)", "1"], "did you mean `beta`?");
    one_line_error(&["plot", "expr(softmax(x))", "--ascii"], "not element-wise");
    one_line_error(&["lab", "compare", "--act", "expr(x +* 2)"], "expected a term");
}

#[test]
fn a_custom_activation_trains_in_lab_compare() {
    let dir = tempfile::tempdir().unwrap();
    let out = actfn()
        .args([
            "lab",
            "compare",
            "--profile",
            "tiny",
            "--quiet",
            "--act",
            "expr(x * sigmoid(1.702 * x))",
            "--act",
            "relu",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = std::fs::read_to_string(dir.path().join("compare/result.json")).unwrap();
    assert!(json.contains("expr(x*sigmoid(1.702*x))"), "{json}");
}
