//! A believable studio for `postflow demo` and for tests: rooms, people, clients, projects.
use crate::accounts::hash_password;
use crate::AppError;
use postflow_core::access::Role;
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::accounts::NewUser;
use postflow_store::studio::{ClientInput, ProjectInput};
use postflow_store::Store;
use postflow_store::{StoreError, Tx};

/// The fixed demo password (a throwaway demo on localhost; listed in the README).
pub const DEMO_PASSWORD: &str = "postflow-demo";

/// (email, name, role, title, client code)
pub const DEMO_PEOPLE: &[(&str, &str, Role, &str, Option<&str>)] = &[
    (
        "admin@demo.postflow",
        "Alex Admin",
        Role::Admin,
        "Studio manager",
        None,
    ),
    (
        "producer@demo.postflow",
        "Priya Producer",
        Role::Producer,
        "Post producer",
        None,
    ),
    (
        "coord@demo.postflow",
        "Chris Coordinator",
        Role::Producer,
        "Post coordinator",
        None,
    ),
    (
        "editor@demo.postflow",
        "Elena Editor",
        Role::Artist,
        "Editor",
        None,
    ),
    (
        "assistant@demo.postflow",
        "Sam Assistant",
        Role::Artist,
        "Assistant editor",
        None,
    ),
    (
        "colorist@demo.postflow",
        "Carlos Colorist",
        Role::Artist,
        "Colorist",
        None,
    ),
    (
        "mixer@demo.postflow",
        "Mia Mixer",
        Role::Artist,
        "Re-recording mixer",
        None,
    ),
    (
        "vfx@demo.postflow",
        "Victor VFX",
        Role::Artist,
        "Compositor",
        None,
    ),
    (
        "client@acme.example",
        "Avery (Acme Films)",
        Role::Client,
        "Agency producer",
        Some("ACME"),
    ),
    (
        "client@northbridge.example",
        "Noor (Northbridge TV)",
        Role::Client,
        "Commissioning editor",
        Some("NBTV"),
    ),
];

/// The demo's own data is wrong: a bug in this file, reported rather than half-seeded.
fn bug(what: impl Into<String>) -> AppError {
    AppError::Store(StoreError::Corrupt(format!("demo data: {}", what.into())))
}

fn code(s: &str) -> Result<Code, AppError> {
    Code::parse(s).map_err(|e| bug(e.to_string()))
}

/// Seeds an empty store. Dates are relative to `today` so the demo always looks current.
/// All of it in one transaction: an interrupted seed leaves an empty store, not half a studio.
pub async fn seed(store: &Store, today: chrono::NaiveDate) -> Result<(), AppError> {
    let tx = store.begin().await?;
    seed_into(&tx, today).await?;
    tx.commit().await?;
    seed_plans(store, today).await?;
    seed_bookings(store, today).await
}

/// Plans for the demo's projects, laid out from the shipped templates through the same use cases
/// a producer runs, with some work under way so the forecast, "My work" and the risk show.
async fn seed_plans(store: &Store, today: chrono::NaiveDate) -> Result<(), AppError> {
    use crate::plan::{self, ProgressDraft};
    let ctx = crate::Context::new(store.clone());
    let operator = crate::access::local_operator();
    let users = store.list_users().await?;
    let id_of = |email: &str| users.iter().find(|u| u.email == email).map(|u| u.id);
    for (project, template, owner) in [
        ("ACME-SPRING", "commercial", "producer@demo.postflow"),
        ("NB-HARBOUR", "documentary", "producer@demo.postflow"),
        ("ACME-BRAND", "commercial", "coord@demo.postflow"),
    ] {
        let Some(p) = store.project_by_code(&code(project)?).await? else {
            continue;
        };
        plan::plan_from_template(&ctx, &operator, project, template, "", today).await?;
        store.set_project_owner(p.id, id_of(owner)).await?;
        let rows = store.plans_of(&[p.id]).await?;
        // The team works the tasks of their craft.
        for t in &rows.tasks {
            let skill = t.skill.as_deref().unwrap_or_default();
            let who = [
                ("editor", "editor@demo.postflow"),
                ("assistant", "assistant@demo.postflow"),
                ("colorist", "colorist@demo.postflow"),
                ("mixer", "mixer@demo.postflow"),
                ("sound", "mixer@demo.postflow"),
                ("vfx", "vfx@demo.postflow"),
                ("compositor", "vfx@demo.postflow"),
            ]
            .iter()
            .find(|(k, _)| skill.to_ascii_lowercase().contains(k))
            .and_then(|(_, email)| id_of(email));
            if let Some(id) = who {
                store.set_task_assignees(t.id, &[id]).await?;
            }
        }
        // Work planned before today is done on its planned dates, the task under way is
        // partly done: the demo's forecast then shows only what the plan itself cannot meet.
        if project != "ACME-BRAND" {
            let view = plan::view(&ctx, &operator, project, today).await?;
            for t in &view.tasks {
                if t.milestone.is_some() {
                    if t.planned.end >= today {
                        continue;
                    }
                    let ticked = ProgressDraft {
                        checklist_done: Some((0..t.checklist.len()).collect()),
                        ..Default::default()
                    };
                    plan::report_progress(&ctx, &operator, project, &t.key, &ticked, t.planned.end)
                        .await?;
                    if t.milestone == Some(postflow_core::plan::MilestoneKind::PictureLock) {
                        plan::lock_picture(&ctx, &operator, project, t.planned.end).await?;
                    } else {
                        let reached = ProgressDraft {
                            status: "approved".into(),
                            ..Default::default()
                        };
                        plan::report_progress(
                            &ctx,
                            &operator,
                            project,
                            &t.key,
                            &reached,
                            t.planned.end,
                        )
                        .await?;
                    }
                } else if t.planned.end < today {
                    let start = ProgressDraft {
                        status: "in_progress".into(),
                        ..Default::default()
                    };
                    plan::report_progress(
                        &ctx,
                        &operator,
                        project,
                        &t.key,
                        &start,
                        t.planned.start,
                    )
                    .await?;
                    let done = ProgressDraft {
                        status: "approved".into(),
                        checklist_done: Some((0..t.checklist.len()).collect()),
                        ..Default::default()
                    };
                    plan::report_progress(&ctx, &operator, project, &t.key, &done, t.planned.end)
                        .await?;
                } else if t.planned.start <= today {
                    let half = ProgressDraft {
                        status: "in_progress".into(),
                        percent_complete: "40".into(),
                        ..Default::default()
                    };
                    plan::report_progress(&ctx, &operator, project, &t.key, &half, t.planned.start)
                        .await?;
                }
            }
        }
    }
    Ok(())
}

async fn seed_into(store: &Tx, today: chrono::NaiveDate) -> Result<(), AppError> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let clients = [
        ("ACME", "Acme Films", "studio@acme.example"),
        (
            "NBTV",
            "Northbridge TV",
            "commissioning@northbridge.example",
        ),
        ("LUMEN", "Lumen Records", "video@lumen.example"),
    ];
    let mut client_ids = std::collections::HashMap::new();
    for (c, name, email) in clients {
        let row = store
            .create_client(ClientInput {
                code: code(c)?,
                name: name.into(),
                contact_email: Some(email.into()),
            })
            .await?;
        client_ids.insert(c, row.id);
    }
    for (name, kind, notes) in [
        (
            "Edit Bay 1",
            "edit_bay",
            "Avid Media Composer, 2× UHD monitors",
        ),
        ("Edit Bay 2", "edit_bay", "Premiere Pro"),
        ("Edit Bay 3", "edit_bay", "DaVinci Resolve edit"),
        (
            "Color Suite",
            "color_suite",
            "Resolve, calibrated HDR reference monitor",
        ),
        ("Mix Theater", "mix_theater", "Pro Tools, 7.1.4 Atmos"),
        ("VFX Seat 1", "vfx_seat", "Nuke"),
    ] {
        store
            .create_resource(name.into(), kind.into(), Some(notes.into()))
            .await?;
    }
    let mut user_ids = std::collections::HashMap::new();
    for (email, name, role, title, client) in DEMO_PEOPLE {
        let client_id = client.and_then(|c| client_ids.get(c).copied());
        let u = store
            .create_user(NewUser {
                email: email.to_string(),
                name: name.to_string(),
                role: *role,
                client_id,
                title: Some(title.to_string()),
                password_hash: hash.clone(),
            })
            .await?;
        user_ids.insert(*email, u.id);
    }
    let d = |days: i64| Some(today + chrono::Duration::days(days));
    let projects = [
        (
            "ACME-SPRING",
            "Acme spring campaign (3×30s)",
            "ACME",
            ProjectStatus::Editorial,
            d(-10),
            d(12),
            &["editor@demo.postflow", "assistant@demo.postflow"][..],
        ),
        (
            "ACME-BRAND",
            "Acme brand film",
            "ACME",
            ProjectStatus::Bidding,
            d(20),
            d(60),
            &[][..],
        ),
        (
            "NB-HARBOUR",
            "Harbour Lives (documentary, 6×45')",
            "NBTV",
            ProjectStatus::Finishing,
            d(-95),
            d(9),
            &[
                "editor@demo.postflow",
                "colorist@demo.postflow",
                "mixer@demo.postflow",
            ][..],
        ),
        (
            "LUMEN-NOVA",
            "Nova — music video",
            "LUMEN",
            ProjectStatus::Ingest,
            d(-2),
            d(25),
            &["assistant@demo.postflow", "vfx@demo.postflow"][..],
        ),
    ];
    for (c, name, client, status, start, due, members) in projects {
        let client_id = client_ids
            .get(client)
            .copied()
            .ok_or_else(|| bug("demo client"))?;
        let p = store
            .create_project(ProjectInput {
                code: code(c)?,
                name: name.into(),
                client_id,
                status,
                start_date: start,
                due_date: due,
            })
            .await?;
        for m in members {
            if let Some(uid) = user_ids.get(m) {
                store.add_project_member(p.id, *uid).await?;
            }
        }
    }
    seed_media_and_deliverables(store).await?;
    store
        .audit(None, "seed", "studio", None, "demo studio created".into())
        .await?;
    Ok(())
}

/// Volumes of a typical facility and the deliverables of the projects in finishing.
async fn seed_media_and_deliverables(store: &Tx) -> Result<(), AppError> {
    use postflow_core::integrity::{MediaType, Site, VolumeKind, VolumeLabel};
    use postflow_store::catalog::VolumeInput;
    use postflow_store::delivery::DeliverableInput;
    let bad = |e: String| bug(e);
    for (label, kind, media, site, tb, notes) in [
        (
            "RAID-A",
            VolumeKind::Nas,
            "hdd",
            Site::Onsite,
            96,
            "Edit SAN, RAID 6",
        ),
        (
            "SHUTTLE-07",
            VolumeKind::Drive,
            "ssd",
            Site::Onsite,
            4,
            "Camera shuttle",
        ),
        (
            "LTO-000123",
            VolumeKind::Lto,
            "lto",
            Site::Offsite,
            18,
            "LTO-9, vault",
        ),
    ] {
        store
            .upsert_volume(VolumeInput {
                label: VolumeLabel::parse(label).map_err(|e| bad(e.to_string()))?,
                kind,
                media: MediaType::parse(media).map_err(|e| bad(e.to_string()))?,
                site,
                capacity_bytes: Some(tb * 1_000_000_000_000),
                notes: Some(notes.into()),
            })
            .await?;
    }
    for (project, name, profile, layout) in [
        (
            "NB-HARBOUR",
            "Broadcast master ep. 1",
            "ebu-r128",
            "stereo+5.1",
        ),
        ("ACME-SPRING", "YouTube 16:9 master", "youtube", "stereo"),
        (
            "ACME-SPRING",
            "Instagram 9:16 cut-down",
            "instagram",
            "stereo",
        ),
    ] {
        let Some(p) = store.project_by_code(&code(project)?).await? else {
            continue;
        };
        store
            .create_deliverable(DeliverableInput {
                project_id: p.id,
                name: name.into(),
                profiles: vec![profile.into()],
                layout: Some(layout.into()),
            })
            .await?;
    }
    Ok(())
}

// --- resources and bookings (issue #10) ----------------------------------------------------------

/// A colorist as a bookable person and a few bookings from today on, so the board shows each
/// status and two conflicts (a hold over a confirmed grade, a session on the weekend).
async fn seed_bookings(store: &Store, today: chrono::NaiveDate) -> Result<(), AppError> {
    use chrono::{Datelike, Duration};
    use postflow_store::bookings::{BookingStatus, NewBooking};
    use postflow_store::studio::ResourceInput;
    let tx = store.begin().await?;
    let users = tx.list_users().await?;
    let colorist = users
        .iter()
        .find(|u| u.email == "colorist@demo.postflow")
        .map(|u| u.id);
    tx.insert_resource(ResourceInput {
        name: "Carlos Colorist".into(),
        kind: "person".into(),
        notes: Some("Senior colorist".into()),
        capacity: 1,
        cost_rate: Some((12_500, "EUR".into())),
        user_id: colorist,
        skills: vec!["colorist".into(), "grading".into(), "conform".into()],
        calendar: "studio".into(),
    })
    .await?;
    let rooms = tx.list_resources().await?;
    let room = |name: &str| rooms.iter().find(|r| r.name == name).map(|r| r.id);
    let mut projects = std::collections::HashMap::new();
    for c in ["ACME-SPRING", "NB-HARBOUR", "ACME-BRAND"] {
        if let Some(p) = tx.project_by_code(&code(c)?).await? {
            projects.insert(c, p.id);
        }
    }
    let at = |day: chrono::NaiveDate, hour: u32| {
        day.and_hms_opt(hour, 0, 0)
            .expect("an hour of the day")
            .and_utc()
    };
    // The next working days from today, and the coming Saturday.
    let working: Vec<chrono::NaiveDate> = today
        .iter_days()
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .take(5)
        .collect();
    let saturday =
        today + Duration::days(i64::from((12 - today.weekday().num_days_from_monday()) % 7).max(1));
    use BookingStatus::*;
    let plan = [
        (
            "Edit Bay 1",
            "ACME-SPRING",
            working[0],
            9,
            working[1],
            18,
            Confirmed,
            "Fine cut",
        ),
        (
            "Edit Bay 2",
            "NB-HARBOUR",
            working[0],
            9,
            working[0],
            18,
            Confirmed,
            "Assembly",
        ),
        (
            "Color Suite",
            "NB-HARBOUR",
            working[1],
            9,
            working[1],
            18,
            Confirmed,
            "Grade day 1",
        ),
        (
            "Color Suite",
            "ACME-BRAND",
            working[1],
            14,
            working[1],
            18,
            Preliminary,
            "Client hold",
        ),
        (
            "Mix Theater",
            "NB-HARBOUR",
            working[2],
            9,
            working[3],
            18,
            Preliminary,
            "Mix pencil",
        ),
        (
            "Edit Bay 3",
            "ACME-BRAND",
            working[3],
            9,
            working[4],
            18,
            Planning,
            "Online",
        ),
        (
            "Carlos Colorist",
            "ACME-SPRING",
            saturday,
            10,
            saturday,
            14,
            Confirmed,
            "Weekend grade",
        ),
    ];
    for (name, project, day, from, end_day, to, status, note) in plan {
        let (Some(resource_id), Some(project_id)) = (room(name), projects.get(project)) else {
            continue;
        };
        tx.insert_booking(NewBooking {
            resource_id,
            project_id: *project_id,
            task_id: None,
            starts_at: at(day, from),
            ends_at: at(end_day, to),
            units: 1,
            status,
            note: note.into(),
            created_by: None,
        })
        .await?
        .map_err(|refused| bug(refused.to_string()))?;
    }
    tx.commit().await?;
    Ok(())
}
