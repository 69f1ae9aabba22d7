//! The lab end to end in its tiny profile: the report runs every experiment, writes the
//! page and the JSON behind it, resumes without re-running, and each experiment's
//! numbers point the way the lecture's claim says (on fixed seeds).

use std::path::Path;

use actfn_lab::lab::{self, report, LabOptions, Outcome, Profile};

fn opts(out: &Path) -> LabOptions {
    LabOptions {
        out: out.to_path_buf(),
        seed: 0,
        acts: None,
        steps: None,
        profile: Profile::Tiny,
        force: false,
        progress: false,
        siren: Default::default(),
    }
}

fn outcome<'a>(all: &'a [Outcome], name: &str) -> &'a Outcome {
    all.iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no outcome {name}"))
}

#[test]
fn tiny_report_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let outcomes = report::run_report(&opts(dir.path())).unwrap();
    assert_eq!(outcomes.len(), lab::experiments().len());

    // The page and the data behind it.
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    for o in &outcomes {
        assert!(
            html.contains(&format!("id=\"{}\"", o.name)),
            "section {} missing",
            o.name
        );
        assert!(dir.path().join(&o.name).join("result.json").exists());
        for f in &o.figures {
            let bytes = std::fs::read(dir.path().join(&o.name).join(&f.file)).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", f.file);
        }
    }
    assert!(html.contains("data:image/png;base64,"));

    // Resuming keeps the results: a second run loads them instead of re-running.
    let before = std::fs::metadata(dir.path().join("selu/result.json"))
        .unwrap()
        .modified()
        .unwrap();
    let again = report::run_report(&opts(dir.path())).unwrap();
    let after = std::fs::metadata(dir.path().join("selu/result.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a finished experiment was re-run");
    assert_eq!(again[0].verdict.summary, outcomes[0].verdict.summary);

    // Linear layers collapse: the composition reproduces the network to rounding.
    let lc = outcome(&outcomes, "linear-collapse");
    for c in lc.data["composition"].as_array().unwrap() {
        assert!(c["max_rel_diff"].as_f64().unwrap() < 1e-12, "{c}");
    }

    // The step net's hidden layers get no gradient and its loss does not move.
    let st = outcome(&outcomes, "step");
    let step = st.data.as_array().unwrap().iter().find(|r| r["act"] == "step").unwrap();
    let sig = st
        .data
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["act"] == "sigmoid")
        .unwrap();
    assert_eq!(step["grad_first_layer"].as_f64().unwrap(), 0.0);
    assert_eq!(step["loss_initial"], step["loss_final"]);
    assert!(sig["loss_final"].as_f64().unwrap() < sig["loss_initial"].as_f64().unwrap());

    // Sigmoid's first-layer gradient at depth 20 is orders of magnitude below ReLU+He's.
    let va = outcome(&outcomes, "vanishing");
    let ratio = |act: &str| {
        let a = va.data.as_array().unwrap().iter().find(|r| r["act"] == act).unwrap();
        let d = a["at_init"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["depth"] == 20)
            .unwrap();
        d["ratio_first_last"].as_f64().unwrap()
    };
    assert!(
        ratio("sigmoid") < 1e-3 * ratio("relu"),
        "sigmoid {} relu {}",
        ratio("sigmoid"),
        ratio("relu")
    );

    // SELU's variance at layer 32 within [0.8, 1.2], mean near 0.
    let se = outcome(&outcomes, "selu");
    let selu = se.data.as_array().unwrap().iter().find(|r| r["act"] == "selu").unwrap();
    let var32 = selu["variance"][31].as_f64().unwrap();
    let mean32 = selu["mean"][31].as_f64().unwrap();
    assert!((0.8..=1.2).contains(&var32), "SELU variance at layer 32: {var32}");
    assert!(mean32.abs() < 0.1, "SELU mean at layer 32: {mean32}");

    // Naive softplus overflows where actfn's does not.
    let sb = outcome(&outcomes, "stability");
    assert!(sb.data["softplus_overflow"].as_u64().unwrap() > 0);
    assert!(sb.data["softplus_worst_actfn"].as_f64().unwrap() <= 4.0, "{}", sb.data);
    for o in &outcomes {
        println!("{}: {:.1} s", o.name, o.seconds);
    }

    // Dying: ReLU with a negative bias shift ends with more dead units than leaky ReLU.
    let dy = outcome(&outcomes, "dying");
    let dead = |act: &str, setting_prefix: &str| {
        let r = dy.data["training"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["act"] == act && r["setting"].as_str().unwrap().starts_with(setting_prefix))
            .unwrap();
        r["dead_fraction"].as_array().unwrap().last().unwrap()[1]
            .as_f64()
            .unwrap()
    };
    assert!(dead("relu", "negative") > dead("leaky_relu", "negative"));

    // Stats: ReLU is sparse, GELU is not exactly zero.
    let sa = outcome(&outcomes, "stats");
    let sparsity = |act: &str| {
        sa.data.as_array().unwrap().iter().find(|r| r["act"] == act).unwrap()["layers"][0]["sparsity"]
            .as_f64()
            .unwrap()
    };
    assert!(sparsity("relu") > 0.2, "relu sparsity {}", sparsity("relu"));
    assert!(
        sparsity("gelu") < sparsity("relu") / 2.0,
        "gelu sparsity {}",
        sparsity("gelu")
    );

    // Every verdict is a computed sentence with numbers in it.
    for o in &outcomes {
        assert!(
            o.verdict.summary.chars().any(|c| c.is_ascii_digit()),
            "{}: {}",
            o.name,
            o.verdict.summary
        );
    }
}

#[test]
fn one_experiment_with_user_activations() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.acts = Some(vec!["leaky_relu(0.2)".into(), "elu(alpha=0.5)".into()]);
    let exp = lab::find("selu").unwrap();
    let (out, cached) = lab::run_experiment(exp, &o, &indicatif::ProgressBar::hidden()).unwrap();
    assert!(!cached);
    let acts: Vec<&str> = out
        .data
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["act"].as_str().unwrap())
        .collect();
    assert_eq!(acts, ["leaky_relu(negative_slope=0.2)", "elu(alpha=0.5)"]);
    assert!(!out.verdict.supported, "without selu there is nothing to support");
}

#[test]
fn unknown_experiment_is_an_error_listing_the_names() {
    let e = lab::find("vanish").err().expect("unknown name").to_string();
    assert!(
        e.contains("unknown experiment `vanish`") && e.contains("vanishing"),
        "{e}"
    );
}

#[test]
fn compare_is_seeded_and_checks_the_rule_of_thumb_per_task() {
    let runs = |dir: &Path| {
        let mut o = opts(dir);
        o.acts = Some(vec!["relu".into(), "tanh".into()]);
        let exp = lab::find("compare").unwrap();
        lab::run_experiment(exp, &o, &indicatif::ProgressBar::hidden())
            .unwrap()
            .0
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (runs(a.path()), runs(b.path()));
    // The same seed gives the same numbers, the CNN's included (its weights are drawn
    // from the seed, not from candle's thread RNG).
    let scores = |o: &Outcome| -> Vec<(String, String, f64)> {
        o.data["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["task"].as_str().unwrap().to_string(),
                    r["model"].as_str().unwrap().to_string(),
                    r["score"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(scores(&first), scores(&second));
    // The CNN learns the digits (chance is 0.1).
    let cnn: Vec<f64> = scores(&first)
        .into_iter()
        .filter(|s| s.1.starts_with("CNN"))
        .map(|s| s.2)
        .collect();
    assert_eq!(cnn.len(), 4, "2 activations × 2 seeds");
    assert!(cnn.iter().all(|&s| s > 0.6), "{cnn:?}");
    // One rule-of-thumb check per classification task and model (ReLU against the best)
    // and per regression task (tanh against the best).
    let rule = first.data["rule_of_thumb"].as_array().unwrap();
    let kinds = |k: &str| rule.iter().filter(|r| r["kind"] == k).count();
    assert_eq!(kinds("Classification"), 6, "{rule:?}");
    assert_eq!(kinds("Regression"), 4, "{rule:?}");
    assert!(rule.iter().all(|r| r["means"]
        .as_str()
        .unwrap()
        .starts_with(if r["kind"] == "Classification" { "ReLU" } else { "tanh" })));
}
