//! Full-text search over messages, decisions and tasks the actor may see: BM25 over the store's
//! inverted index (the last query word as a prefix), top 20 with highlighted snippets. One code
//! path on both stores. The weights come from `postflow_core::channels::Bm25`; the database
//! ranks (`Repo::search_top`) walking the postings of the rarest term only, so a search costs
//! what its rarest word costs, not what its commonest does.
//! Clients find only what is in their projects' client channels, never internal documents.
use crate::{Context, Result};
use postflow_core::access::{Actor, Role};
use postflow_core::channels::{parse_query, snippet, Bm25, CorpusStats};
use postflow_store::channels::{RankQuery, SearchScope, CLIENT, INTERNAL};
use std::collections::{BTreeSet, HashMap};

/// How many results a search returns.
pub const LIMIT: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// `message`, `decision` or `task`.
    pub kind: String,
    pub id: i64,
    pub project_code: String,
    /// Where the result is shown.
    pub link: String,
    /// HTML: escaped text with the matching words in `<mark>`.
    pub snippet_html: String,
    pub score: f64,
}

/// What the actor may find (`None`: nothing at all).
fn scope_of(actor: &Actor) -> Option<SearchScope> {
    let both = vec![INTERNAL.to_string(), CLIENT.to_string()];
    Some(match actor.role {
        Role::Admin | Role::Producer => SearchScope {
            projects: None,
            audiences: both,
        },
        Role::Artist => SearchScope {
            projects: Some(actor.member_of.clone()),
            audiences: both,
        },
        Role::Client => {
            actor.client_id?;
            SearchScope {
                projects: None, // narrowed to the client's projects by the caller
                audiences: vec![CLIENT.to_string()],
            }
        }
    })
}

pub async fn search(ctx: &Context, actor: &Actor, q: &str) -> Result<Vec<SearchHit>> {
    let query = parse_query(q);
    if query.terms.is_empty() || query.terms.len() > 16 {
        return Ok(Vec::new());
    }
    let Some(mut scope) = scope_of(actor) else {
        return Ok(Vec::new());
    };
    if actor.role == Role::Client {
        let projects = crate::access::visible_projects(ctx, actor, true).await?;
        scope.projects = Some(projects.iter().map(|p| p.id).collect());
    }
    if scope.projects.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(Vec::new());
    }
    // Each query word is a group of index terms: itself, or a prefix's expansions.
    let mut groups: Vec<Vec<(String, i64)>> = Vec::new();
    for (i, term) in query.terms.iter().enumerate() {
        let prefix = query.last_is_prefix && i + 1 == query.terms.len();
        let candidates = if prefix {
            ctx.store.search_expansions(term).await?
        } else {
            vec![term.clone()]
        };
        let mut group = Vec::new();
        for t in candidates {
            let df = ctx.store.search_document_frequency(&t, &scope).await?;
            if df > 0 {
                group.push((t, df));
            }
        }
        if group.is_empty() {
            // Every word must match: nothing can.
            return Ok(Vec::new());
        }
        groups.push(group);
    }
    let (documents, total) = ctx.store.search_stats(&scope).await?;
    let bm25 = Bm25::new(CorpusStats {
        documents,
        average_length: if documents > 0 {
            total as f64 / documents as f64
        } else {
            0.0
        },
    });
    let weighted = |g: &[(String, i64)]| -> Vec<(String, f64)> {
        g.iter()
            .map(|(t, df)| (t.clone(), bm25.weight(*df)))
            .collect()
    };
    // The database walks the rarest word's postings and looks the others up per document.
    let driver = (0..groups.len())
        .min_by_key(|&i| groups[i].iter().map(|(_, df)| df).sum::<i64>())
        .unwrap_or(0);
    // The rarer a word, the fewer documents survive its lookup: rarest first.
    let mut rest: Vec<&Vec<(String, i64)>> = groups
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != driver)
        .map(|(_, g)| g)
        .collect();
    rest.sort_by_key(|g| g.iter().map(|(_, df)| df).sum::<i64>());
    let others: Vec<Vec<(String, f64)>> = rest.into_iter().map(|g| weighted(g)).collect();
    // A prefix driving the search runs once per expansion; a document's best expansion counts,
    // and the best 20 overall are among the best 20 of each run.
    let mut best: HashMap<(String, i64), f64> = HashMap::new();
    for (term, weight) in weighted(&groups[driver]) {
        let top = ctx
            .store
            .search_top(&RankQuery {
                driver: (&term, weight),
                others: &others,
                saturation: bm25.saturation(),
                length_factor: bm25.length_factor(),
                scope: &scope,
                limit: LIMIT as u64,
            })
            .await?;
        for doc in top {
            let s = best.entry((doc.doc_kind, doc.doc_id)).or_insert(doc.score);
            *s = s.max(doc.score);
        }
    }
    let mut ranked: Vec<((String, i64), f64)> = best.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0 .1.cmp(&a.0 .1)));
    ranked.truncate(LIMIT);
    let ids = |kind: &str| -> Vec<i64> {
        ranked
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, id), _)| *id)
            .collect()
    };
    // (project, text, link page) per document.
    let mut texts: HashMap<(String, i64), (i64, String, String)> = HashMap::new();
    // channel → its page, looked up once per channel.
    let mut pages: HashMap<i64, &'static str> = HashMap::new();
    for m in ctx.store.messages_by_ids(&ids("message")).await? {
        let page = match pages.get(&m.channel_id) {
            Some(p) => *p,
            None => {
                let p = match ctx.store.channel_by_id(m.channel_id).await? {
                    Some(c) if c.kind == CLIENT => "client-channel",
                    _ => "channel",
                };
                pages.insert(m.channel_id, p);
                p
            }
        };
        texts.insert(
            ("message".into(), m.id),
            (m.project_id, m.body.clone(), format!("{page}#m{}", m.id)),
        );
    }
    for d in ctx.store.decisions_by_ids(&ids("decision")).await? {
        let anchor = d.message_id.map(|m| format!("#m{m}")).unwrap_or_default();
        let page = match d.message_id {
            Some(m) => match ctx.store.message_by_id(m).await? {
                Some(msg) => match ctx.store.channel_by_id(msg.channel_id).await? {
                    Some(c) if c.kind == CLIENT => "client-channel",
                    _ => "channel",
                },
                None => "channel",
            },
            None => "channel",
        };
        texts.insert(
            ("decision".into(), d.id),
            (d.project_id, d.text.clone(), format!("{page}{anchor}")),
        );
    }
    let task_ids: BTreeSet<i64> = ids("task").into_iter().collect();
    if !task_ids.is_empty() {
        let projects: Vec<i64> = {
            let mut p: Vec<i64> = ctx
                .store
                .search_task_projects(&task_ids.iter().copied().collect::<Vec<_>>())
                .await?;
            p.sort();
            p.dedup();
            p
        };
        for t in ctx.store.plans_of(&projects).await?.tasks {
            if task_ids.contains(&t.id) {
                let text = if t.notes.is_empty() {
                    t.name.clone()
                } else {
                    format!("{} — {}", t.name, t.notes)
                };
                texts.insert(("task".into(), t.id), (t.project_id, text, "plan".into()));
            }
        }
    }
    let mut codes: HashMap<i64, String> = HashMap::new();
    let mut hits = Vec::new();
    for ((kind, id), score) in ranked {
        let Some((project_id, text, page)) = texts.remove(&(kind.clone(), id)) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = codes.entry(project_id) {
            let code = ctx
                .store
                .project_by_id(project_id)
                .await?
                .map(|p| p.code)
                .unwrap_or_default();
            e.insert(code);
        }
        let code = codes[&project_id].clone();
        hits.push(SearchHit {
            link: format!("/projects/{code}/{page}"),
            snippet_html: snippet(&text, &query, 160),
            project_code: code,
            kind,
            id,
            score,
        });
    }
    Ok(hits)
}

/// (Re)indexes a plan task — its name and notes — for the studio's search (tasks are internal:
/// clients never find them). Call it on the transaction that writes the task.
pub(crate) async fn index_task<C: postflow_store::ConnectionTrait>(
    repo: &postflow_store::Repo<C>,
    task: &postflow_store::plan::Task,
) -> postflow_store::Result<()> {
    let (tf, len) =
        postflow_core::channels::term_frequencies(&format!("{} {}", task.name, task.notes));
    repo.index_document("task", task.id, task.project_id, INTERNAL, &tf, len)
        .await
}
