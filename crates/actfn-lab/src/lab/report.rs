//! `actfn report`: runs every experiment (resuming finished ones) and writes one HTML
//! page with the verdicts, tables and inline plots.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use indicatif::MultiProgress;

use super::{bar, experiments, run_experiment, write_atomic, LabOptions, Outcome};

/// Runs every experiment and writes `OUT/index.html`; returns the outcomes in order.
pub fn run_report(opts: &LabOptions) -> Result<Vec<Outcome>> {
    let all = experiments();
    let multi = MultiProgress::new();
    if !opts.progress {
        multi.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let overall = multi.add(bar(all.len() as u64, "report", opts.progress));
    let mut outcomes = Vec::new();
    for exp in all {
        overall.set_message(exp.name().to_string());
        let b = multi.add(bar(1, exp.name(), opts.progress));
        let (outcome, cached) = run_experiment(exp, opts, &b).with_context(|| format!("experiment {}", exp.name()))?;
        b.finish_with_message(if cached { "kept from an earlier run" } else { "done" });
        outcomes.push(outcome);
        overall.inc(1);
        // Rewrite the page after each experiment, so an interrupted report still shows
        // everything finished so far.
        write_html(&opts.out, &outcomes)?;
    }
    overall.finish_with_message("report written");
    Ok(outcomes)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `OUT/index.html` for `outcomes` (images inlined, so the page is one file).
pub fn write_html(out: &Path, outcomes: &[Outcome]) -> Result<()> {
    let mut h = String::new();
    h.push_str(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>actfn lab report</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
         table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}\
         th{background:#f3f3f3}.ok{color:#176b28;font-weight:bold}.no{color:#a31515;font-weight:bold}\
         img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}figcaption{font-size:.9em;color:#555}\
         .claim{font-style:italic}section{border-top:2px solid #ddd;margin-top:2em}</style></head><body>",
    );
    h.push_str("<h1>actfn lab report</h1><p>Each section tests one claim of the lecture on activation functions by training or probing real networks (candle, with actfn's activations). Verdicts are computed from the numbers below them.</p>");
    h.push_str("<table><tr><th>experiment</th><th>claim</th><th>verdict</th><th>seconds</th></tr>");
    for o in outcomes {
        let _ = write!(
            h,
            "<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td class=\"{2}\">{3}</td><td>{4:.1}</td></tr>",
            esc(&o.name),
            esc(&o.claim),
            if o.verdict.supported { "ok" } else { "no" },
            if o.verdict.supported {
                "supported"
            } else {
                "not supported"
            },
            o.seconds
        );
    }
    h.push_str("</table>");
    for o in outcomes {
        let _ = write!(
            h,
            "<section id=\"{}\"><h2>{}</h2><p class=\"claim\">Claim: {}</p>",
            esc(&o.name),
            esc(&o.title),
            esc(&o.claim)
        );
        let _ = write!(
            h,
            "<p><span class=\"{}\">{}</span> — {}</p>",
            if o.verdict.supported { "ok" } else { "no" },
            if o.verdict.supported {
                "Supported"
            } else {
                "Not supported"
            },
            esc(&o.verdict.summary)
        );
        for f in &o.figures {
            let path = out.join(&o.name).join(&f.file);
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                    let _ = write!(h, "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{b64}\"><figcaption>{0}</figcaption></figure>", esc(&f.caption));
                }
                Err(_) => {
                    let _ = write!(h, "<p>(figure {} missing)</p>", esc(&f.file));
                }
            }
        }
        for t in &o.tables {
            let _ = write!(h, "<table><caption>{}</caption><tr>", esc(&t.caption));
            for c in &t.header {
                let _ = write!(h, "<th>{}</th>", esc(c));
            }
            h.push_str("</tr>");
            for r in &t.rows {
                h.push_str("<tr>");
                for c in r {
                    let _ = write!(h, "<td>{}</td>", esc(c));
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>");
        }
        if !o.published.is_empty() {
            h.push_str("<table><caption>published numbers beside ours</caption><tr><th>what</th><th>published</th><th>ours</th><th>source</th></tr>");
            for p in &o.published {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&p.what),
                    esc(&p.published),
                    esc(&p.ours),
                    esc(&p.source)
                );
            }
            h.push_str("</table>");
        }
        let _ = write!(
            h,
            "<p><small>profile {profile:?}, seed {seed}, {secs:.1} s; data: <a href=\"{name}/result.json\">{name}/result.json</a></small></p></section>",
            profile = o.profile,
            seed = o.seed,
            secs = o.seconds,
            name = esc(&o.name),
        );
    }
    h.push_str("</body></html>\n");
    write_atomic(&out.join("index.html"), h.as_bytes())
}
