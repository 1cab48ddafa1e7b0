//! The studio's storage: registering volumes (drives, LTO tapes, NAS shares, cloud buckets).
//! The web form, the API and `postflow volume add` all come here, so each refuses the same
//! input with the same words and each registration is audited.
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use postflow_core::access::{authorize, Action, Actor};
use postflow_core::integrity::{MediaType, Site, VolumeKind, VolumeLabel};
use postflow_store::catalog::{Volume, VolumeInput};

/// A volume as typed or sent: text, validated here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeDraft {
    pub label: String,
    /// drive, lto, nas or cloud
    pub kind: String,
    /// hdd, ssd, lto, cloud, …; `None`: the kind's usual medium
    pub media_type: Option<String>,
    /// onsite or offsite
    pub location: String,
    pub capacity_bytes: Option<i64>,
    pub notes: Option<String>,
}

impl VolumeDraft {
    pub fn validate(&self) -> Result<VolumeInput> {
        let mut errors = FieldErrors::default();
        let label = VolumeLabel::parse(&self.label)
            .map_err(|e| errors.add("label", e.to_string()))
            .ok();
        let kind = VolumeKind::parse(&self.kind);
        if kind.is_none() {
            errors.add(
                "kind",
                format!("{:?} is not one of drive, lto, nas, cloud", self.kind),
            );
        }
        let media = match (&self.media_type, kind) {
            (Some(m), _) => MediaType::parse(m)
                .map_err(|e| errors.add("media_type", e.to_string()))
                .ok(),
            (None, Some(k)) => Some(k.default_media()),
            (None, None) => None,
        };
        let site = Site::parse(&self.location);
        if site.is_none() {
            errors.add(
                "location",
                format!("{:?} is not onsite or offsite", self.location),
            );
        }
        if self.capacity_bytes.is_some_and(|c| c <= 0) {
            errors.add("capacity_bytes", "give a capacity above zero, or none");
        }
        match (label, kind, media, site) {
            (Some(label), Some(kind), Some(media), Some(site)) if errors.is_empty() => {
                Ok(VolumeInput {
                    label,
                    kind,
                    media,
                    site,
                    capacity_bytes: self.capacity_bytes,
                    notes: self.notes.clone().filter(|n| !n.trim().is_empty()),
                })
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Registers a volume, or updates the one with this label.
pub async fn register_volume(ctx: &Context, actor: &Actor, draft: &VolumeDraft) -> Result<Volume> {
    let permit = authorize(actor, Action::ManageStorage, None)?;
    let input = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let existed = tx.volume_by_label(input.label.as_str()).await?.is_some();
    let volume = tx.upsert_volume(input).await?;
    let event = AuditEvent::VolumeRegistered {
        volume_id: volume.id,
        label: volume.label.clone(),
        updated: existed,
    };
    record(&tx, crate::access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(volume)
}
