//! Benchmark: the whole "move a task" request (POST, one transaction: claim the plan version,
//! change, schedule the network again, audit) and the plan page it redirects to (read, two CPM
//! passes, Gantt SVG, HTML), side by side, on SQLite and PostgreSQL; plus the studio view that
//! schedules every plan of a 50-project × 100-task studio.
//!
//!     cargo run --release -p postflow-web --example bench_plan_requests [-- --projects 50 --tasks 100 --moves 60]
//!
//! Prints median and p95 per figure. A real server on 127.0.0.1, real stores (a throwaway
//! PostgreSQL cluster from the system binaries), requests through reqwest as a browser sends them.
use postflow_app::plan::{self, TaskDraft};
use postflow_app::projects::{self, ProjectDraft};
use postflow_testkit::server::*;
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(v[v.len() / 2]);
    let p95 = ms(v[((v.len() as f64 * 0.95) as usize).min(v.len() - 1)]);
    (median, p95)
}

/// A studio of `projects` plans of `tasks` tasks each: chains of four parallel streams with
/// cross links, like a post schedule (editorial, color, sound, VFX).
async fn seed(app: &TestApp, projects_n: usize, tasks_n: usize) {
    let ctx = postflow_app::Context::new(app.store.clone());
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(&ctx, &producer)
        .await
        .unwrap();
    let client_id = app.store.list_clients(false).await.unwrap()[0].id;
    for p in 0..projects_n {
        let code = format!("B{p:03}");
        let draft = ProjectDraft {
            code: code.clone(),
            name: format!("Bench project {p}"),
            client_id: client_id.to_string(),
            status: "editorial".into(),
            start_date: "2027-01-04".into(),
            due_date: "2028-12-29".into(),
        };
        projects::create(&ctx, &actor, &draft).await.unwrap();
        for t in 0..tasks_n {
            let task = TaskDraft {
                key: format!("t{t}"),
                name: format!("Task {t}"),
                duration: format!("{}", 1 + (t * 7) % 5),
                ..Default::default()
            };
            plan::add_task(&ctx, &actor, &code, None, &task)
                .await
                .unwrap();
            if t >= 4 {
                plan::add_dependency(
                    &ctx,
                    &actor,
                    &code,
                    None,
                    &format!("t{}", t - 4),
                    &format!("t{t}"),
                    "FS",
                    "0",
                )
                .await
                .unwrap();
            }
            if t >= 5 && t % 3 == 0 {
                plan::add_dependency(
                    &ctx,
                    &actor,
                    &code,
                    None,
                    &format!("t{}", t - 5),
                    &format!("t{t}"),
                    "SS",
                    "1",
                )
                .await
                .unwrap();
            }
        }
    }
}

async fn run(backend: Backend, name: &str, projects_n: usize, tasks_n: usize, moves: usize) {
    let app = spawn_app(backend).await;
    let t0 = Instant::now();
    seed(&app, projects_n, tasks_n).await;
    eprintln!(
        "{name}: seeded {projects_n} × {tasks_n} tasks in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let c = signed_in(&app, "producer@demo.postflow").await;
    let page = format!("{}/projects/B000/plan", app.base);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    let csrf = input_value(&html, "csrf").unwrap();
    let (mut posts, mut gets) = (Vec::new(), Vec::new());
    for i in 0..moves {
        let duration = (2 + i % 4).to_string();
        let t = Instant::now();
        let r = c
            .post(format!("{page}/tasks/t10/move"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("start", ""),
                ("duration_days", duration.as_str()),
            ])
            .send()
            .await
            .unwrap();
        posts.push(t.elapsed());
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "move {i}");
        let t = Instant::now();
        let r = c.get(&page).send().await.unwrap();
        assert!(r.status().is_success());
        let body = r.text().await.unwrap();
        gets.push(t.elapsed());
        assert!(body.contains("<svg"));
    }
    let ctx = postflow_app::Context::new(app.store.clone());
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(&ctx, &producer)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let mut studio = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let plans = plan::studio(&ctx, &actor, today).await.unwrap();
        studio.push(t.elapsed());
        assert!(plans.len() >= projects_n);
    }
    let (pm, pp) = stats(posts);
    let (gm, gp) = stats(gets);
    let (sm, sp) = stats(studio);
    println!(
        "{name:<11} move a task (POST, {tasks_n}-task plan)   median {pm:7.2} ms   p95 {pp:7.2} ms"
    );
    println!("{name:<11} render the plan page (GET)            median {gm:7.2} ms   p95 {gp:7.2} ms   (move/render {:.2}×)", pm / gm);
    println!("{name:<11} studio read, {projects_n} plans scheduled        median {sm:7.2} ms   p95 {sp:7.2} ms");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let projects_n = arg("--projects", 50);
    let tasks_n = arg("--tasks", 100);
    let moves = arg("--moves", 60);
    run(Backend::Sqlite, "sqlite", projects_n, tasks_n, moves).await;
    run(Backend::Postgres, "postgresql", projects_n, tasks_n, moves).await;
}
