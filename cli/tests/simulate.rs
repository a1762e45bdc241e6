//! `tierwise simulate` end to end.

mod common;

fn tierwise(args: &[&str]) -> (i32, String, String) {
    let out = common::tierwise(args);
    (out.status.code().unwrap_or(-1), common::text(&out.stdout), common::text(&out.stderr))
}

#[test]
fn no_arguments_runs_the_embedded_desk_and_prints_a_report() {
    let (code, out, err) = tierwise(&["simulate"]);
    assert_eq!(code, 0, "{err}");
    for needle in ["Overall", "service level", "By priority", "By tier", "By team", "Day by day", "tickets/s"] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
}

#[test]
fn json_has_the_figures_overall_and_by_group() {
    let dir = std::env::temp_dir().join(format!("tierwise-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("small.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenarios/mmc.toml"))
        .unwrap()
        .replace("arrivals = 200000", "arrivals = 2000");
    std::fs::write(&path, text).unwrap();
    let (code, out, err) =
        tierwise(&["simulate", "--scenario", path.to_str().unwrap(), "--json", "--seed", "3", "--replications", "3"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["seed"], 3);
    for key in [
        "arrived",
        "answered",
        "abandoned",
        "mean_wait_s",
        "p_wait",
        "service_level",
        "asa_s",
        "abandon_rate",
        "occupancy",
        "sla_breach_rate",
        "ci95",
    ] {
        assert!(v["overall"].get(key).is_some(), "{key}");
    }
    for group in ["by_priority", "by_stream", "by_tier", "by_team"] {
        assert!(v[group].is_object(), "{group}");
    }
    assert!(v["series"]["service_level"].is_array());
}

#[test]
fn a_bad_scenario_exits_1_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("tierwise-sim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenarios/mmc.toml"))
        .unwrap()
        .replace("per_hour = 480", "per_hour = -480")
        .replace("timezone = \"UTC\"", "timezone = \"Mars/Olympus\"");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = tierwise(&["simulate", "--scenario", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("teams[0].timezone"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, _, err) = tierwise(&["simulate", "--scenario", "/nonexistent/scenario.toml"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot open"), "{err}");
}

#[test]
fn report_writes_a_self_contained_html_page_with_charts() {
    let path = std::env::temp_dir().join(format!("tierwise-report-{}.html", std::process::id()));
    let out = common::tierwise(&["simulate", "--report", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert_eq!(html.matches("<svg").count(), 3, "service level, queue and occupancy charts");
    assert!(html.contains("By priority") && html.contains("Occupancy by team"));
    assert!(!html.contains("<script") && !html.contains("http"), "no scripts, no external files");
}

#[test]
fn a_report_path_is_checked_before_the_run_and_a_failed_run_changes_no_report() {
    let (code, _, err) = tierwise(&["simulate", "--report", "/nonexistent-folder/report.html"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot write /nonexistent-folder/report.html"), "{err}");
    let (code, _, err) = tierwise(&["simulate", "--replications", "0"]);
    assert_eq!(code, 2, "a usage error");
    assert!(err.contains("--replications") && err.contains("1..=10000"), "{err}");

    let dir = std::env::temp_dir();
    let bad = dir.join(format!("tierwise-bad-{}.toml", std::process::id()));
    // Read and parsed, then refused by the run itself: nobody can take the calls.
    let mmc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenarios/mmc.toml")).unwrap();
    std::fs::write(&bad, mmc.replace("agents = 50", "agents = 0")).unwrap();
    let old = dir.join(format!("tierwise-old-report-{}.html", std::process::id()));
    std::fs::write(&old, "the last report").unwrap();
    let new = dir.join(format!("tierwise-new-report-{}.html", std::process::id()));
    for report in [&old, &new] {
        let (code, _, err) =
            tierwise(&["simulate", "--scenario", bad.to_str().unwrap(), "--report", report.to_str().unwrap()]);
        assert_eq!(code, 1, "{err}");
    }
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "the last report");
    assert!(!new.exists(), "a report file made for a run that failed is removed");
    std::fs::remove_file(&old).unwrap();
    std::fs::remove_file(&bad).unwrap();
}

#[test]
fn recorded_arrivals_are_read_relative_to_the_scenario() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenarios/recorded.toml");
    let (code, out, err) = tierwise(&["simulate", "--scenario", example, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenarios/recorded-arrivals.csv"))
            .unwrap()
            .lines()
            .count()
            - 1;
    assert_eq!(v["overall"]["arrived"].as_f64(), Some(rows as f64), "every recorded row arrives");
    // A copy elsewhere, without its CSV: the stream's file is named.
    let dir = std::env::temp_dir().join(format!("tierwise-recorded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("recorded.toml");
    std::fs::copy(example, &copy).unwrap();
    let (code, _, err) = tierwise(&["simulate", "--scenario", copy.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("streams[0].arrivals") && err.contains("recorded-arrivals.csv"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
