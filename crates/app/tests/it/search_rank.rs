//! Search ranking in the database against the reference: on both stores, a seeded corpus of a
//! few hundred messages over a small vocabulary, every query's top 20 from `app::search` holds
//! exactly the documents `postflow_core::channels::rank` ranks best over every posting, with the
//! same scores — for single words, several words, prefixes with many expansions, a prefix that
//! drives the search, and a client's narrower scope.

use crate::support::actor;
use chrono::NaiveDate;
use postflow_app::{search, Context};
use postflow_core::channels::{parse_query, rank, term_frequencies, CorpusStats, Posting};
use postflow_store::channels::{SearchScope, CLIENT, INTERNAL};
use postflow_store::Store;
use std::collections::BTreeMap;

backends!(the_database_ranks_as_the_reference_does);

/// Made-up words, so the demo's own documents never match; "zor…" words share prefixes.
const WORDS: &[&str] = &[
    "zorbal", "zorbix", "zorcan", "zormid", "zornet", "quaxel", "quaxon", "vimtra", "vimtrel",
    "plonkit", "drabble", "frimzo", "glontex", "hexwib", "yundor",
];

/// A deterministic stream of small numbers.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

struct Doc {
    id: i64,
    project_id: i64,
    audience: &'static str,
    text: String,
}

async fn the_database_ranks_as_the_reference_does(store: &Store) {
    postflow_app::demo::seed(store, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())
        .await
        .unwrap();
    let ctx = Context::new(store.clone());
    let who = |email: &'static str| async move {
        let u = store.user_by_email(email).await.unwrap().unwrap();
        actor(store, &u).await
    };
    let producer = who("producer@demo.postflow").await;
    let client = who("client@acme.example").await;
    let client_projects: Vec<i64> = postflow_app::access::visible_projects(&ctx, &client, true)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(!client_projects.is_empty());
    let everything = SearchScope {
        projects: None,
        audiences: vec![INTERNAL.into(), CLIENT.into()],
    };
    let clients_scope = SearchScope {
        projects: Some(client_projects.clone()),
        audiences: vec![CLIENT.into()],
    };
    let before_all = store.search_stats(&everything).await.unwrap();
    let before_client = store.search_stats(&clients_scope).await.unwrap();

    // 400 messages in the client's projects and in one they do not see, both channels.
    let other_project = store
        .list_projects(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|p| !client_projects.contains(&p.id))
        .expect("a project the client does not see")
        .id;
    let mut rng = Lcg(7);
    let mut docs = Vec::new();
    let tx = store.begin().await.unwrap();
    for i in 0..400 {
        let project_id = if i % 3 == 0 {
            other_project
        } else {
            client_projects[i % client_projects.len()]
        };
        let audience = if i % 2 == 0 { INTERNAL } else { CLIENT };
        let channel = tx.channel(project_id, audience).await.unwrap();
        let words = 1 + rng.next(12);
        let text = (0..words)
            // Skewed: the first words are common, the last rare.
            .map(|_| {
                let bound = rng.next(WORDS.len() as u64) + 1;
                WORDS[rng.next(bound) as usize]
            })
            .collect::<Vec<_>>()
            .join(" ");
        let m = tx
            .insert_message(&channel, None, &text, None)
            .await
            .unwrap();
        let (tf, len) = term_frequencies(&text);
        tx.index_document("message", m.id, project_id, audience, &tf, len)
            .await
            .unwrap();
        docs.push(Doc {
            id: m.id,
            project_id,
            audience,
            text,
        });
    }
    tx.commit().await.unwrap();

    for (actor, scope, before) in [
        (&producer, &everything, before_all),
        (&client, &clients_scope, before_client),
    ] {
        let visible: Vec<&Doc> = docs
            .iter()
            .filter(|d| scope.audiences.iter().any(|a| a == d.audience))
            .filter(|d| {
                scope
                    .projects
                    .as_ref()
                    .is_none_or(|p| p.contains(&d.project_id))
            })
            .collect();
        // The kept statistics are the corpus's own.
        let added: i64 = visible.iter().map(|d| term_frequencies(&d.text).1).sum();
        let stats = store.search_stats(scope).await.unwrap();
        assert_eq!(
            stats,
            (before.0 + visible.len() as i64, before.1 + added),
            "documents and total length in scope"
        );
        for q in [
            "zorbal",
            "yundor",
            "zorbal quaxel",
            "quaxel zorbal hexwib",
            "zor",
            "zorb",
            "vimtra zor",
            "yundor zor",
            "zor yundor",
            "hexwib glontex q",
            "nothingatall",
            "zorbal nothingatall",
        ] {
            let query = parse_query(q);
            // Every posting of every visible document, the way the index holds them.
            let mut postings = Vec::new();
            let mut df: BTreeMap<String, i64> = BTreeMap::new();
            for d in &visible {
                let (tf, len) = term_frequencies(&d.text);
                for (term, n) in &tf {
                    for (i, qt) in query.terms.iter().enumerate() {
                        let prefix = query.last_is_prefix && i + 1 == query.terms.len();
                        if term == qt || (prefix && term.starts_with(qt.as_str())) {
                            postings.push(Posting {
                                query_term: i,
                                term: term.clone(),
                                doc: ("message".to_string(), d.id),
                                tf: *n,
                                doc_len: len,
                            });
                        }
                    }
                    *df.entry(term.clone()).or_insert(0) += 1;
                }
            }
            let corpus = CorpusStats {
                documents: stats.0,
                average_length: stats.1 as f64 / stats.0 as f64,
            };
            let all = rank(&postings, query.terms.len(), &df, corpus, usize::MAX);
            let hits = search::search(&ctx, actor, q).await.unwrap();
            assert_eq!(hits.len(), all.len().min(search::LIMIT), "{q}: how many");
            let reference: BTreeMap<i64, f64> = all.iter().map(|((_, id), s)| (*id, *s)).collect();
            for h in &hits {
                assert_eq!(h.kind, "message", "{q}");
                let expected = reference
                    .get(&h.id)
                    .unwrap_or_else(|| panic!("{q}: message {} matches no word", h.id));
                assert!(
                    (h.score - expected).abs() < 1e-9,
                    "{q}: message {} scored {} in the database, {expected} by the reference",
                    h.id,
                    h.score
                );
            }
            // The database's top 20 are the reference's top 20 (equal scores may swap).
            if let (Some(last), Some(cut)) = (hits.last(), all.get(hits.len().saturating_sub(1))) {
                assert!((last.score - cut.1).abs() < 1e-9, "{q}: the 20th differs");
            }
            assert!(
                hits.windows(2).all(|w| w[0].score >= w[1].score - 1e-12),
                "{q}: best first"
            );
        }
    }
}
