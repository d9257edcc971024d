//! The token server example (`examples/token_server.rs`, included here): every client
//! reads every token, the health group answers while generations run, concurrency reaches
//! but never passes `max_concurrency`, and the timeline file it writes is Chrome trace
//! JSON with a span per generation, per health check, and per streamed token's submit.

#[path = "../examples/token_server.rs"]
mod token_server;

#[test]
fn the_token_server_streams_answers_health_checks_and_writes_its_timeline() {
    let dir = std::env::temp_dir().join(format!("rustyray-token-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("timeline.json");
    let (clients, tokens, max_concurrency) = (8, 24, 4);
    let report = token_server::run(clients, tokens, max_concurrency, &path).unwrap();
    assert_eq!(report.per_client, vec![tokens; clients]);
    assert!(report.health_while_busy > 0, "health answered while generating: {report:?}");
    assert!(report.peak_generating >= 1 && report.peak_generating <= max_concurrency as usize, "{report:?}");

    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let count = |name: &str, ph: &str| events.iter().filter(|e| e["name"] == name && e["ph"] == ph).count();
    assert_eq!(count("Model.generate", "X"), clients, "one span per generation");
    assert_eq!(count("Model.generate", "i"), clients, "one submit per generation");
    assert!(count("Model.health", "X") >= report.health_while_busy);
    // A generation spans its tokens: at least `tokens` steps of 200 µs.
    for e in events.iter().filter(|e| e["name"] == "Model.generate" && e["ph"] == "X") {
        assert!(e["dur"].as_f64().unwrap() >= f64::from(tokens) * 200.0, "{e}");
        assert_eq!(e["args"]["ok"], true);
        assert_eq!(e["args"]["actor"], "Model");
    }
    // Health checks ran inside generations (their spans overlap one).
    let spans = |name: &str| -> Vec<(f64, f64)> {
        events
            .iter()
            .filter(|e| e["name"] == name && e["ph"] == "X")
            .map(|e| (e["ts"].as_f64().unwrap(), e["ts"].as_f64().unwrap() + e["dur"].as_f64().unwrap()))
            .collect()
    };
    let generations = spans("Model.generate");
    let overlapping =
        spans("Model.health").iter().filter(|(s, e)| generations.iter().any(|(gs, ge)| gs < s && e < ge)).count();
    assert!(overlapping > 0, "a health check ran while a generation did");
}
