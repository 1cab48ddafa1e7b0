//! Channels and the search index on both stores: one channel per project and kind however
//! often it is asked for, edits keep the earlier body, and the index finds exactly the
//! documents in scope (prefix on the last term, reindexing replaces postings).
use postflow_store::channels::{RankQuery, SearchScope, CLIENT, INTERNAL};
use postflow_store::Store;
use postflow_testkit::backends;
use std::collections::BTreeMap;

backends!(
    a_channel_is_created_once_per_project_and_kind,
    an_edit_keeps_the_previous_body_in_the_history,
    mentions_attachments_and_decisions_are_kept_with_the_message,
    the_index_finds_terms_and_prefixes_within_the_scope_only,
);

async fn a_channel_is_created_once_per_project_and_kind(store: &Store) {
    let a = store.channel(7, INTERNAL).await.unwrap();
    let again = store.channel(7, INTERNAL).await.unwrap();
    let client = store.channel(7, CLIENT).await.unwrap();
    let other = store.channel(8, INTERNAL).await.unwrap();
    assert_eq!(a.id, again.id);
    assert_ne!(a.id, client.id);
    assert_ne!(a.id, other.id);
    // Inside a transaction too (the use cases ask for it there).
    let tx = store.begin().await.unwrap();
    assert_eq!(tx.channel(7, CLIENT).await.unwrap().id, client.id);
    tx.commit().await.unwrap();
}

async fn an_edit_keeps_the_previous_body_in_the_history(store: &Store) {
    let ch = store.channel(1, INTERNAL).await.unwrap();
    let m = store
        .insert_message(&ch, Some(3), "first take", None)
        .await
        .unwrap();
    let reply = store
        .insert_message(&ch, Some(4), "a reply", Some(m.id))
        .await
        .unwrap();
    assert_eq!(reply.reply_to, Some(m.id));
    let edited = store
        .edit_message(m.id, Some(3), "second take")
        .await
        .unwrap();
    assert_eq!(edited.body, "second take");
    assert!(edited.edited_at.is_some());
    store
        .edit_message(m.id, Some(3), "third take")
        .await
        .unwrap();
    let history: Vec<String> = store
        .message_edits(m.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.previous_body)
        .collect();
    assert_eq!(history, ["first take", "second take"]);
    let listed: Vec<i64> = store
        .messages_of(ch.id, 50)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, [m.id, reply.id]);
    assert!(store.edit_message(999_999, None, "x").await.is_err());
}

async fn mentions_attachments_and_decisions_are_kept_with_the_message(store: &Store) {
    let ch = store.channel(2, CLIENT).await.unwrap();
    let m = store
        .insert_message(&ch, Some(3), "@bob @color", None)
        .await
        .unwrap();
    store.add_mention(m.id, Some(5), None).await.unwrap();
    store.add_mention(m.id, None, Some("color")).await.unwrap();
    store.add_attachment(m.id, 42).await.unwrap();
    let mentions = store.mentions_of(&[m.id]).await.unwrap();
    assert_eq!(mentions.len(), 2);
    assert_eq!(mentions[0].user_id, Some(5));
    assert_eq!(mentions[1].department.as_deref(), Some("color"));
    assert_eq!(
        store.attachments_of(&[m.id]).await.unwrap()[0].media_file_id,
        42
    );
    let d = store
        .insert_decision(2, Some(m.id), Some(3), "grade stays warm")
        .await
        .unwrap();
    let listed = store.decisions_of(2).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, d.id);
    assert_eq!(listed[0].decided_by, Some(3));
    assert!(store.decisions_of(3).await.unwrap().is_empty());
}

fn tf(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

async fn the_index_finds_terms_and_prefixes_within_the_scope_only(store: &Store) {
    let tx = store.begin().await.unwrap();
    tx.index_document(
        "message",
        1,
        10,
        INTERNAL,
        &tf(&[("grad", 2), ("warm", 1)]),
        3,
    )
    .await
    .unwrap();
    tx.index_document("message", 2, 10, CLIENT, &tf(&[("grain", 1)]), 1)
        .await
        .unwrap();
    tx.index_document("decision", 1, 11, CLIENT, &tf(&[("grad", 1)]), 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let everything = SearchScope {
        projects: None,
        audiences: vec![INTERNAL.into(), CLIENT.into()],
    };
    let df = |term: &'static str, scope: SearchScope| {
        let store = store.clone();
        async move { store.search_document_frequency(term, &scope).await.unwrap() }
    };
    assert_eq!(df("grad", everything.clone()).await, 2);
    assert_eq!(
        store.search_expansions("gr").await.unwrap(),
        ["grad", "grain"],
        "the prefix gr expands to grad and grain, in term order"
    );
    assert!(store.search_expansions("zz").await.unwrap().is_empty());
    let client_of_10 = SearchScope {
        projects: Some(vec![10]),
        audiences: vec![CLIENT.into()],
    };
    assert_eq!(df("grad", client_of_10.clone()).await, 0);
    assert_eq!(df("grain", client_of_10.clone()).await, 1);
    assert_eq!(store.search_stats(&everything).await.unwrap(), (3, 5));
    assert_eq!(store.search_stats(&client_of_10).await.unwrap(), (1, 1));
    // Ranking in the database: "grad" with "warm" in the same document only.
    let top = |driver: &'static str, others: Vec<Vec<(String, f64)>>, scope: SearchScope| {
        let store = store.clone();
        async move {
            store
                .search_top(&RankQuery {
                    driver: (driver, 2.0),
                    others: &others,
                    saturation: 0.3,
                    length_factor: 0.1,
                    scope: &scope,
                    limit: 20,
                })
                .await
                .unwrap()
        }
    };
    let both = top("grad", vec![vec![("warm".into(), 1.0)]], everything.clone()).await;
    assert_eq!(both.len(), 1);
    assert_eq!((both[0].doc_kind.as_str(), both[0].doc_id), ("message", 1));
    // 2·2/(2+0.3+0.1·3) + 1·1/(1+0.3+0.1·3)
    let expected = 4.0 / 2.6 + 1.0 / 1.6;
    assert!((both[0].score - expected).abs() < 1e-9, "{both:?}");
    let alone = top("grad", vec![], everything.clone()).await;
    assert_eq!(alone.len(), 2);
    assert!(alone[0].score >= alone[1].score);
    assert!(top("grad", vec![], client_of_10.clone()).await.is_empty());
    // A group counts its best expansion once.
    let group = vec![vec![("warm".into(), 1.0), ("grad".into(), 5.0)]];
    let best = top("grad", group, everything.clone()).await;
    assert_eq!(best.len(), 2, "{best:?}");
    // Reindexing replaces the document's postings and keeps the statistics true.
    store
        .index_document("message", 1, 10, INTERNAL, &tf(&[("cool", 1)]), 1)
        .await
        .unwrap();
    assert_eq!(df("warm", everything.clone()).await, 0);
    assert_eq!(store.search_stats(&everything).await.unwrap(), (3, 3));
    store.unindex_document("message", 1).await.unwrap();
    assert_eq!(df("cool", everything.clone()).await, 0);
    assert_eq!(store.search_stats(&everything).await.unwrap(), (2, 2));
    // Unindexing what is not indexed changes nothing.
    store.unindex_document("message", 99).await.unwrap();
    assert_eq!(store.search_stats(&everything).await.unwrap(), (2, 2));
}
