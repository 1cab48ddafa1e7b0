//! Channels and search on both stores: posting with mentions tells exactly the people named
//! (inbox) and queues a `message` webhook; a handle naming nobody and an attachment of another
//! project are refused by name with nothing saved; edits keep history; decisions are recorded;
//! search ranks and highlights, and a client never finds the internal channel.

use crate::support::actor;
use chrono::NaiveDate;
use postflow_app::channels::{self, ChannelKind, PostInput};
use postflow_app::{notifications, search, AppError, Context};
use postflow_store::Store;

backends!(post_mention_edit_decide_and_search);

/// The sentence a page shows beside the field.
fn said(err: &AppError) -> String {
    match err {
        AppError::Invalid(f) => f.0.values().cloned().collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

async fn post_mention_edit_decide_and_search(store: &Store) {
    postflow_app::demo::seed(store, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())
        .await
        .unwrap();
    let ctx = Context::new(store.clone());
    let who = |email: &'static str| async move {
        let u = store.user_by_email(email).await.unwrap().unwrap();
        actor(store, &u).await
    };
    let producer = who("producer@demo.postflow").await;
    let admin = who("admin@demo.postflow").await;
    let client = who("client@acme.example").await;
    let code = "ACME-SPRING";

    let before = notifications::unread(&ctx, &admin).await.unwrap();
    let body = "@admin the grade of the harbour scene is approved";
    let m = channels::post(
        &ctx,
        &producer,
        code,
        ChannelKind::Internal,
        &PostInput {
            body: body.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        notifications::unread(&ctx, &admin).await.unwrap(),
        before + 1
    );

    // A mention of nobody names the handle; nothing is saved.
    let err = channels::post(
        &ctx,
        &producer,
        code,
        ChannelKind::Internal,
        &PostInput {
            body: "ask @nobody-here about it".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(said(&err).contains("@nobody-here"), "{err}");
    // An attachment that is no file of this project the sender may see.
    let err = channels::post(
        &ctx,
        &producer,
        code,
        ChannelKind::Internal,
        &PostInput {
            body: "see attached".into(),
            attachments: vec![987_654],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    assert!(said(&err).contains("987654"), "{err}");
    let view = channels::view(&ctx, &producer, code, ChannelKind::Internal)
        .await
        .unwrap();
    assert_eq!(view.messages.len(), 1, "the refused posts left nothing");

    // A client cannot read or post in the internal channel, and may not mention a person who
    // cannot read theirs.
    assert!(channels::view(&ctx, &client, code, ChannelKind::Internal)
        .await
        .is_err());
    let c = channels::post(
        &ctx,
        &client,
        code,
        ChannelKind::Client,
        &PostInput {
            body: "Is the harbour grade final? @producer".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let reply = channels::post(
        &ctx,
        &producer,
        code,
        ChannelKind::Client,
        &PostInput {
            body: "Yes, graded and final.".into(),
            reply_to: Some(c.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(reply.reply_to, Some(c.id));

    // Edit keeps history; the client cannot edit someone else's message.
    let edited = channels::edit(
        &ctx,
        &producer,
        m.id,
        "@admin the harbour grade is approved, warmer",
    )
    .await
    .unwrap();
    assert!(edited.edited_at.is_some());
    let history = channels::history(&ctx, &producer, m.id).await.unwrap();
    assert_eq!(history[0].previous_body, body);
    assert!(channels::edit(&ctx, &client, m.id, "x").await.is_err());

    // Decisions: staff only.
    assert!(channels::decide(&ctx, &client, c.id, "").await.is_err());
    let d = channels::decide(
        &ctx,
        &producer,
        reply.id,
        "Harbour grade final, warmer look",
    )
    .await
    .unwrap();
    assert_eq!(d.decided_by, Some(producer.user_id));

    // Search: ranked, highlighted, prefix on the last word.
    let hits = search::search(&ctx, &producer, "harbour gra")
        .await
        .unwrap();
    let kinds: Vec<(&str, i64)> = hits.iter().map(|h| (h.kind.as_str(), h.id)).collect();
    assert!(kinds.contains(&("message", m.id)), "{kinds:?}");
    assert!(kinds.contains(&("decision", d.id)), "{kinds:?}");
    assert!(hits.iter().all(|h| h.snippet_html.contains("<mark>")));
    // The client finds their channel's messages and decisions, never the internal one.
    let hits = search::search(&ctx, &client, "harbour").await.unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.link.ends_with(&format!("#m{}", c.id))
        || h.link.contains("/client-channel")), "{hits:?}");
    assert!(!hits.iter().any(|h| h.kind == "message" && h.id == m.id));
    // Another studio's client finds nothing of ACME's.
    let other = who("client@northbridge.example").await;
    assert!(search::search(&ctx, &other, "harbour")
        .await
        .unwrap()
        .is_empty());
}
