//! Media that jobs make: the relink list (proxy ↔ original with checksums, per project) and each
//! project's LUT library (`.cube` text, parsed by `core::lut` before it gets here).
use crate::entities::{lut, media_relink};
use crate::{map_unique, now, Repo, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entities::lut::Model as Lut;
pub use crate::entities::media_relink::Model as Relink;

/// One proxy (or review copy) that was written, for the relink list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRelink {
    pub project_id: Option<i64>,
    pub job_id: Option<i64>,
    pub kind: String,
    pub original_path: String,
    pub original_checksum: Option<String>,
    pub proxy_path: String,
    pub proxy_checksum: String,
    pub start_timecode: Option<String>,
    pub reel: Option<String>,
    pub codec: String,
    pub width: i64,
    pub height: i64,
}

/// A LUT to store (already parsed and validated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLut {
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    pub dimension: i64,
    pub size: i64,
    pub body: String,
    pub created_by: Option<i64>,
}

impl<C: ConnectionTrait> Repo<C> {
    /// Records a written proxy. A proxy written again at the same path (a re-run) replaces its
    /// line, so the list names each proxy once with the checksum of the file that is there now.
    pub async fn record_relink(&self, new: NewRelink) -> Result<Relink> {
        media_relink::Entity::delete_many()
            .filter(media_relink::Column::ProxyPath.eq(new.proxy_path.clone()))
            .exec(self.conn())
            .await?;
        let row = media_relink::ActiveModel {
            project_id: Set(new.project_id),
            job_id: Set(new.job_id),
            kind: Set(new.kind),
            original_path: Set(new.original_path),
            original_checksum: Set(new.original_checksum),
            proxy_path: Set(new.proxy_path),
            proxy_checksum: Set(new.proxy_checksum),
            start_timecode: Set(new.start_timecode),
            reel: Set(new.reel),
            codec: Set(new.codec),
            width: Set(new.width),
            height: Set(new.height),
            created_at: Set(now()),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    /// A project's relink list (`None`: the studio-wide jobs' proxies), by original path.
    pub async fn relinks(&self, project_id: Option<i64>) -> Result<Vec<Relink>> {
        let q = media_relink::Entity::find();
        let q = match project_id {
            Some(p) => q.filter(media_relink::Column::ProjectId.eq(p)),
            None => q.filter(media_relink::Column::ProjectId.is_null()),
        };
        Ok(q.order_by_asc(media_relink::Column::OriginalPath)
            .order_by_asc(media_relink::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Adds a LUT; a name the project already has is [`crate::StoreError::Duplicate`].
    pub async fn add_lut(&self, new: NewLut) -> Result<Lut> {
        let name = new.name.clone();
        let row = lut::ActiveModel {
            project_id: Set(new.project_id),
            name: Set(new.name),
            kind: Set(new.kind),
            dimension: Set(new.dimension),
            size: Set(new.size),
            body: Set(new.body),
            created_at: Set(now()),
            created_by: Set(new.created_by),
            ..Default::default()
        };
        row.insert(self.conn())
            .await
            .map_err(|e| map_unique(e, "LUT name", &name))
    }

    pub async fn luts(&self, project_id: i64) -> Result<Vec<Lut>> {
        Ok(lut::Entity::find()
            .filter(lut::Column::ProjectId.eq(project_id))
            .order_by_asc(lut::Column::Name)
            .all(self.conn())
            .await?)
    }

    pub async fn lut(&self, id: i64) -> Result<Option<Lut>> {
        Ok(lut::Entity::find_by_id(id).one(self.conn()).await?)
    }
}

impl<C: ConnectionTrait + sea_orm::TransactionTrait> Repo<C> {
    /// The catalog's checksum (`algorithm:value`, xxh64 preferred) of the project's file whose
    /// catalogued path the absolute `source` path ends with, if any.
    pub async fn catalog_checksum_of(
        &self,
        project_id: i64,
        source: &str,
    ) -> Result<Option<String>> {
        let media = self.project_media(project_id).await?;
        let Some(entry) = media
            .iter()
            .find(|m| source.ends_with(&format!("/{}", m.file.path)))
        else {
            return Ok(None);
        };
        let sums = entry.checksums();
        Ok(sums
            .get("xxh64")
            .map(|v| format!("xxh64:{v}"))
            .or_else(|| sums.iter().next().map(|(a, v)| format!("{a}:{v}"))))
    }
}
