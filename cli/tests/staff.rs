//! `tierwise staff`: agent counts, output shapes and exit codes.
//!
//! Expected counts were checked independently with 40-digit arithmetic
//! (mpmath): Erlang C from the factorial formula, Erlang A from the truncated
//! birth-death chain.

use std::process::Output;

mod common;

use common::{assert_no_panic, text, tierwise};

fn temp_file(name: &str, contents: &[u8]) -> String {
    common::temp_file("staff", name, contents)
}

fn staff(extra: &[&str]) -> Output {
    let mut args = vec!["staff"];
    args.extend_from_slice(extra);
    tierwise(&args)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn erlang_c_classic_case() {
    // 200 contacts an hour of 3 minutes (10 erlangs), 80% within 20 s:
    // 13 agents answer 79.56%, 14 answer 88.84%.
    let out = staff(&["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Erlang C"), "{stdout}");
    assert!(stdout.contains("10.00 erlangs offered"), "{stdout}");
    assert!(stdout.contains("agents needed   14\n"), "{stdout}");
    assert!(stdout.contains("service level   88.83% answered within 20s"), "{stdout}");
    assert!(stdout.contains("p(wait)         17.4%"), "{stdout}");
    assert!(stdout.contains("average wait    7.8s"), "{stdout}");
    assert!(stdout.contains("target: 80.0% answered within 20s"), "{stdout}");
    // A target is printed as given, not rounded up to look met.
    let out = staff(&["--per-hour", "200", "--handle", "3m", "--target", "0.999999", "--within", "20s"]);
    assert!(text(&out.stdout).contains("target: 99.9999% answered"), "{}", text(&out.stdout));
    assert!(stdout.contains("occupancy       71.4%"), "{stdout}");
    assert!(stdout.contains("abandoned       0.0%"), "{stdout}");

    // The same in other spellings: a percentage, integer seconds.
    let out = staff(&["--per-hour", "200", "--handle", "180", "--target", "80%", "--within", "20", "--json"]);
    assert_eq!(json(&out)["agents"], 14);
}

#[test]
fn json_has_every_measure() {
    let out = staff(&["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "20s", "--json"]);
    let v = json(&out);
    assert_eq!(v["model"], "erlang_c");
    assert_eq!(v["agents"], 14);
    assert_eq!(v["offered_load_erlangs"], 10.0);
    assert_eq!(v["abandon_rate"], 0.0);
    assert_eq!(v["answer_within_s"], 20.0);
    assert_eq!(v["per_hour"], 200.0);
    assert_eq!(v["handle_s"], 180.0);
    assert_eq!(v["target_service_level"], 0.8);
    let near = |key: &str, want: f64| {
        let got = v[key].as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 1e-9 * want, "{key}: {got} vs {want}");
    };
    near("service_level", 0.888_350_019_179_467);
    near("p_wait", 0.174_131_933_595_05);
    near("asa_s", 7.835_937_011_777_24);
    near("occupancy", 10.0 / 14.0);
    assert!(v.get("patience_s").is_none() && v.get("max_occupancy").is_none());
}

#[test]
fn patience_selects_erlang_a() {
    // Callers hang up after 2 minutes on average: 12 agents answer 82.56%
    // (11 answer 74.22%), and 6.16% hang up.
    let out = staff(&[
        "--per-hour",
        "200",
        "--handle",
        "3m",
        "--target",
        "0.8",
        "--within",
        "20s",
        "--patience",
        "2m",
        "--json",
    ]);
    let v = json(&out);
    assert_eq!(v["model"], "erlang_a");
    assert_eq!(v["agents"], 12);
    assert_eq!(v["patience_s"], 120.0);
    let sl = v["service_level"].as_f64().unwrap();
    assert!((sl - 0.825_582_644_361_764).abs() < 1e-9, "{sl}");
    let abandon = v["abandon_rate"].as_f64().unwrap();
    assert!((abandon - 0.061_597_377_003_680_4).abs() < 1e-9, "{abandon}");

    let out = staff(&["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "20s", "--patience", "2m"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Erlang A (callers hang up after 2m on average)"), "{stdout}");
    assert!(stdout.contains("agents needed   12\n") && stdout.contains("abandoned       6.2%"), "{stdout}");
}

#[test]
fn thousands_of_agents_and_an_occupancy_cap() {
    // 73,500 an hour of 4 minutes: 4,900 erlangs; Erlang C needs 4,916 agents.
    let out = staff(&["--per-hour", "73500", "--handle", "4m", "--target", "0.8", "--within", "20s", "--json"]);
    assert_eq!(json(&out)["agents"], 4_916);
    // 1,200 an hour of 5 minutes (100 erlangs): 108 agents for 80/20, but at
    // most 85% occupancy needs ceil(100 / 0.85) = 118.
    let args = ["--per-hour", "1200", "--handle", "5m", "--target", "0.8", "--within", "20s", "--json"];
    assert_eq!(json(&staff(&args))["agents"], 108);
    let mut capped = args.to_vec();
    capped.extend(["--max-occupancy", "85%"]);
    let v = json(&staff(&capped));
    assert_eq!((v["agents"].as_u64(), v["max_occupancy"].as_f64()), (Some(118), Some(0.85)));
}

#[test]
fn profiles_give_agents_per_interval() {
    let profile = temp_file(
        "week.csv",
        b"interval,calls per hour\n# Monday night\nmon 00:00,0\nmon 00:30,200\n\nmon 01:00,\"360\"\nmon 01:30,200\n",
    );
    let base = ["--profile", profile.as_str(), "--handle", "3m", "--target", "0.8", "--within", "20s"];
    let mut args = base.to_vec();
    args.extend(["--interval", "30m"]);
    let out = staff(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("4 intervals of 30m"), "{stdout}");
    assert!(stdout.contains("day 1 00:30"), "{stdout}");
    assert!(stdout.contains("peak: 22 agents (day 1 01:00)"), "{stdout}");
    assert!(stdout.contains("total: 25.0 agent-hours"), "{stdout}");

    args.push("--json");
    let v = json(&staff(&args));
    let agents: Vec<u64> = v["intervals"].as_array().unwrap().iter().map(|i| i["agents"].as_u64().unwrap()).collect();
    assert_eq!(agents, [0, 14, 22, 14]);
    assert_eq!(v["interval_s"], 1800.0);
    assert_eq!(v["intervals"][2]["start_s"], 3600.0);
    assert_eq!(v["intervals"][2]["per_hour"], 360.0);
    assert_eq!(v["peak_agents"], 22);

    // One number per line; the default interval is an hour.
    let plain = temp_file("plain.txt", b"200\n360\n");
    let out = staff(&["--profile", &plain, "--handle", "3m", "--target", "0.8", "--within", "20s", "--json"]);
    let v = json(&out);
    assert_eq!((v["interval_s"].as_f64(), v["agent_hours"].as_f64()), (Some(3600.0), Some(36.0)));
}

#[test]
fn bad_input_names_the_flag_and_exits_1() {
    let cases: [(&[&str], &str); 10] = [
        (&["--per-hour", "-5", "--handle", "3m", "--target", "0.8", "--within", "20s"], "--per-hour"),
        (&["--per-hour", "NaN", "--handle", "3m", "--target", "0.8", "--within", "20s"], "--per-hour"),
        (&["--per-hour", "inf", "--handle", "3m", "--target", "0.8", "--within", "20s"], "--per-hour"),
        (&["--per-hour", "lots", "--handle", "3m", "--target", "0.8", "--within", "20s"], "--per-hour"),
        (&["--per-hour", "200", "--handle", "abc", "--target", "0.8", "--within", "20s"], "--handle"),
        (&["--per-hour", "200", "--handle", "0", "--target", "0.8", "--within", "20s"], "--handle"),
        (&["--per-hour", "200", "--handle", "3m", "--target", "1.5", "--within", "20s"], "--target"),
        (&["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "-20s"], "--within"),
        (
            &["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "20s", "--patience", "abc"],
            "--patience",
        ),
        (
            &["--per-hour", "200", "--handle", "3m", "--target", "0.8", "--within", "20s", "--max-occupancy", "0"],
            "--max-occupancy",
        ),
    ];
    for (args, flag) in cases {
        let out = staff(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out.stderr));
        assert_no_panic(&out);
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with("error: ") && stderr.contains(flag), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }

    let bad = temp_file("bad.txt", b"10\n-3\nnan\n");
    let out = staff(&["--profile", &bad, "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.txt line 2: arrivals per hour must be a finite number >= 0, not -3"), "{stderr}");
    assert!(stderr.contains("bad.txt line 3:"), "{stderr}");
    let bad = temp_file("words.txt", b"10\n20\nabc\n");
    let out = staff(&["--profile", &bad, "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("words.txt line 3: \"abc\" is not a number"), "{}", text(&out.stderr));
    // A byte-order mark (a spreadsheet's export) is no part of the first rate.
    let marked = temp_file("marked.csv", "\u{feff}100\n200\n".as_bytes());
    let out = staff(&["--profile", &marked, "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 intervals"), "{}", text(&out.stdout));
    // A quoted rate is read whole: "1,200" is refused, not read as 200.
    let bad = temp_file("quoted.csv", b"time,rate\n08:00,\"1,200\"\n09:00,100\n");
    let out = staff(&["--profile", &bad, "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("quoted.csv line 2: \"1,200\" is not a number"), "{}", text(&out.stderr));
    // A mistyped first rate is not taken for a header.
    let bad = temp_file("typo.txt", b"1OO\n200\n");
    let out = staff(&["--profile", &bad, "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("typo.txt line 1: \"1OO\" is not a number"), "{}", text(&out.stderr));
    let out = staff(&["--profile", "does/not/exist", "--handle", "3m", "--target", "0.8", "--within", "20s"]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--handle", "3m", "--target", "0.8", "--within", "20s"][..],
        &["--per-hour", "200", "--profile", "x.csv", "--handle", "3m", "--target", "0.8", "--within", "20s"],
        &["--per-hour", "200", "--interval", "30m", "--handle", "3m", "--target", "0.8", "--within", "20s"],
        &["--per-hour", "200", "--target", "0.8", "--within", "20s"],
    ] {
        let out = staff(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_no_panic(&out);
    }
}
