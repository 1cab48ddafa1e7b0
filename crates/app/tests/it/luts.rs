//! The LUT library and the relink list as people use them: a producer adds `.cube` files by
//! use; a file that does not parse is refused naming its line and nothing is stored; names are
//! unique per project; outsiders see neither library nor relink list.

use crate::support::{actor, client, user};
use postflow_app::media::{self, LutDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::Role;
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

backends!(
    a_producer_adds_a_lut_audited_and_bad_files_are_refused_naming_the_line,
    outsiders_see_no_library_and_no_relink_list,
);

async fn project(store: &Store, client_code: &str, code: &str) -> i64 {
    let client_id = client(store, client_code).await;
    store
        .create_project(ProjectInput {
            code: Code::parse(code).unwrap(),
            name: code.into(),
            client_id,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap()
        .id
}

/// A 2³ identity LUT with a title.
fn identity_cube() -> String {
    let mut s = String::from("TITLE \"identity\"\nLUT_3D_SIZE 2\n");
    for b in 0..2 {
        for g in 0..2 {
            for r in 0..2 {
                s.push_str(&format!("{r} {g} {b}\n"));
            }
        }
    }
    s
}

async fn a_producer_adds_a_lut_audited_and_bad_files_are_refused_naming_the_line(store: &Store) {
    let ctx = Context::new(store.clone());
    let project_id = project(store, "ACME", "ACME-LUT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let lut = media::add_lut(
        &ctx,
        &producer,
        "ACME-LUT",
        &LutDraft {
            name: String::new(),
            kind: "camera".into(),
            file_name: "LogC_to_709.cube".into(),
            text: identity_cube(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            lut.project_id,
            lut.name.as_str(),
            lut.kind.as_str(),
            lut.dimension,
            lut.size
        ),
        (project_id, "LogC_to_709", "camera", 3, 2)
    );
    assert!(postflow_core::lut::parse_cube("stored", &lut.body).is_ok());
    let audit = store.recent_audit(5).await.unwrap();
    assert_eq!(
        audit[0].detail,
        "added the camera LUT \"LogC_to_709\" to ACME-LUT"
    );

    // One row short: refused naming the file and a line; nothing stored.
    let short: String = identity_cube()
        .lines()
        .take(9)
        .collect::<Vec<_>>()
        .join("\n");
    let e = media::add_lut(
        &ctx,
        &producer,
        "ACME-LUT",
        &LutDraft {
            name: "Short".into(),
            kind: "creative".into(),
            file_name: "short.cube".into(),
            text: short,
        },
    )
    .await
    .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!("{e:?}")
    };
    let msg = fields.get("file");
    assert!(msg.starts_with("short.cube, line "), "{msg}");

    // A kind that is not one of the three, and a name the project already has.
    let e = media::add_lut(
        &ctx,
        &producer,
        "ACME-LUT",
        &LutDraft {
            name: "LogC_to_709".into(),
            kind: "look".into(),
            file_name: "x.cube".into(),
            text: identity_cube(),
        },
    )
    .await
    .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!("{e:?}")
    };
    assert!(fields.get("kind").contains("camera, creative or delivery"));
    let e = media::add_lut(
        &ctx,
        &producer,
        "ACME-LUT",
        &LutDraft {
            name: "LogC_to_709".into(),
            kind: "delivery".into(),
            file_name: "x.cube".into(),
            text: identity_cube(),
        },
    )
    .await
    .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!("{e:?}")
    };
    assert!(
        fields.get("name").contains("already has a LUT"),
        "{fields:?}"
    );
    assert_eq!(
        media::luts(&ctx, &producer, "ACME-LUT")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 1);
}

async fn outsiders_see_no_library_and_no_relink_list(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-LUT").await;
    let other = client(store, "GLOBEX").await;
    let globex = actor(
        store,
        &user(store, "g@globex.test", Role::Client, Some(other)).await,
    )
    .await;
    let draft = LutDraft {
        name: "L".into(),
        kind: "camera".into(),
        file_name: "l.cube".into(),
        text: identity_cube(),
    };
    for e in [
        media::add_lut(&ctx, &globex, "ACME-LUT", &draft)
            .await
            .unwrap_err(),
        media::luts(&ctx, &globex, "ACME-LUT").await.unwrap_err(),
        media::relinks(&ctx, &globex, "ACME-LUT").await.unwrap_err(),
    ] {
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    }
}
