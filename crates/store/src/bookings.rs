//! Bookings: a resource held for a time range for a project (and optionally one of its tasks).
//!
//! **Confirmed bookings never over-commit a resource**: at every instant the units of the
//! confirmed bookings of a resource sum to at most its capacity. The check runs inside the
//! transaction that writes the booking, after locking the resource's row — `SELECT … FOR UPDATE`
//! on PostgreSQL; on SQLite the transaction already holds the write lock from `BEGIN IMMEDIATE`
//! ([`crate::Store::begin`], the same mechanism the job claim uses). Every writer of one
//! resource's confirmed bookings (and of its capacity) therefore queues on that row, so two
//! racing requests cannot both see the slot free. Planning and preliminary bookings may overlap
//! anything; they are conflicts to resolve, found by `postflow_core::booking`.
//!
//! Times are UTC instants, stored as `timestamp with time zone` like every other time here, in
//! whole seconds; a booking covers the half-open range `[starts_at, ends_at)`.
use crate::entities::{booking, resource};
use crate::studio::{Resource, ResourceInput};
use crate::{now, Repo, Result, StoreError, Tx};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub use crate::entities::booking::Model as Booking;

pub use postflow_core::booking::BookingStatus;

impl Booking {
    /// The row's status; an unknown one is [`StoreError::Corrupt`], never a guess.
    pub fn booking_status(&self) -> Result<BookingStatus> {
        BookingStatus::parse(&self.status).ok_or_else(|| {
            StoreError::Corrupt(format!("booking {} has status {:?}", self.id, self.status))
        })
    }
}

/// A booking to write (validated by the application layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBooking {
    pub resource_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub units: i64,
    pub status: BookingStatus,
    pub note: String,
    pub created_by: Option<i64>,
}

/// A booking's new range, status, units, task and note (move, extend, confirm, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingChange {
    pub task_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub units: i64,
    pub status: BookingStatus,
    pub note: String,
}

impl From<&Booking> for BookingChange {
    fn from(b: &Booking) -> Self {
        BookingChange {
            task_id: b.task_id,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            units: b.units,
            status: BookingStatus::parse(&b.status).unwrap_or(BookingStatus::Planning),
            note: b.note.clone(),
        }
    }
}

/// A write refused because confirmed bookings would over-commit the resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overbooked {
    pub resource_id: i64,
    pub resource_name: String,
    pub capacity: i64,
    /// The confirmed bookings it collides with (those holding the resource where it would be
    /// over-committed), by id.
    pub conflicts_with: Vec<i64>,
}

impl std::fmt::Display for Overbooked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self
            .conflicts_with
            .iter()
            .map(|id| format!("#{id}"))
            .collect();
        if ids.is_empty() {
            write!(
                f,
                "{} holds {} at a time; that is more than it has",
                self.resource_name, self.capacity
            )
        } else {
            write!(
                f,
                "{} (capacity {}) is already confirmed for booking {} at that time",
                self.resource_name,
                self.capacity,
                ids.join(", ")
            )
        }
    }
}

/// Which bookings to list: of a resource, of a project, overlapping `[from, to)`.
#[derive(Clone, Debug, Default)]
pub struct BookingFilter {
    pub resource_id: Option<i64>,
    pub project_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 5000).
    pub limit: Option<u64>,
}

/// The confirmed bookings among `held` (other than the one being written) that the resource
/// cannot carry together with `units` more over `[start, end)`; empty when it fits. The load is
/// highest at one of the range's start instants, so only those are checked.
fn overcommitted(
    held: &[Booking],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    units: i64,
    capacity: i64,
) -> Option<Vec<i64>> {
    let mut instants: Vec<DateTime<Utc>> = vec![start];
    instants.extend(
        held.iter()
            .map(|b| b.starts_at)
            .filter(|t| *t > start && *t < end),
    );
    let mut colliding = Vec::new();
    let mut refused = units > capacity;
    for t in instants {
        let active: Vec<&Booking> = held
            .iter()
            .filter(|b| b.starts_at <= t && b.ends_at > t)
            .collect();
        let load: i64 = active.iter().map(|b| b.units).sum();
        if load + units > capacity {
            refused = true;
            colliding.extend(active.iter().map(|b| b.id));
        }
    }
    colliding.sort_unstable();
    colliding.dedup();
    refused.then_some(colliding)
}

impl<C: ConnectionTrait> Repo<C> {
    pub async fn booking(&self, id: i64) -> Result<Option<Booking>> {
        Ok(booking::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// Bookings by start time (then id).
    pub async fn list_bookings(&self, filter: &BookingFilter) -> Result<Vec<Booking>> {
        let mut q = booking::Entity::find();
        if let Some(r) = filter.resource_id {
            q = q.filter(booking::Column::ResourceId.eq(r));
        }
        if let Some(p) = filter.project_id {
            q = q.filter(booking::Column::ProjectId.eq(p));
        }
        if let Some(from) = filter.from {
            q = q.filter(booking::Column::EndsAt.gt(from));
        }
        if let Some(to) = filter.to {
            q = q.filter(booking::Column::StartsAt.lt(to));
        }
        Ok(q.order_by_asc(booking::Column::StartsAt)
            .order_by_asc(booking::Column::Id)
            .limit(filter.limit.unwrap_or(5000))
            .all(self.conn())
            .await?)
    }

    /// The confirmed bookings of rooms and equipment (resources that are not a person) for a
    /// project starting in `[from, to)` that no invoice bills yet, with their resource: the
    /// facility time a draft invoice may bill.
    pub async fn unbilled_facility_bookings(
        &self,
        project_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(Booking, Resource)>> {
        let bookings = booking::Entity::find()
            .filter(booking::Column::ProjectId.eq(project_id))
            .filter(booking::Column::Status.eq(BookingStatus::Confirmed.as_str()))
            .filter(booking::Column::InvoiceId.is_null())
            .filter(booking::Column::StartsAt.gte(from))
            .filter(booking::Column::StartsAt.lt(to))
            .order_by_asc(booking::Column::StartsAt)
            .order_by_asc(booking::Column::Id)
            .all(self.conn())
            .await?;
        let mut ids: Vec<i64> = bookings.iter().map(|b| b.resource_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rooms: std::collections::HashMap<i64, Resource> = resource::Entity::find()
            .filter(resource::Column::Id.is_in(ids))
            .filter(resource::Column::UserId.is_null())
            .all(self.conn())
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        Ok(bookings
            .into_iter()
            .filter_map(|b| rooms.get(&b.resource_id).cloned().map(|r| (b, r)))
            .collect())
    }

    /// Marks bookings as billed by `invoice_id` (or frees them with `None`).
    pub async fn set_bookings_invoice(&self, ids: &[i64], invoice_id: Option<i64>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        booking::Entity::update_many()
            .col_expr(
                booking::Column::InvoiceId,
                sea_orm::sea_query::Expr::value(invoice_id),
            )
            .filter(booking::Column::Id.is_in(ids.iter().copied()))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Frees the bookings an invoice billed (part of [`Repo::free_billed_by`]).
    pub(crate) async fn free_bookings_of_invoice(&self, invoice_id: i64) -> Result<()> {
        booking::Entity::update_many()
            .col_expr(
                booking::Column::InvoiceId,
                sea_orm::sea_query::Expr::value(Option::<i64>::None),
            )
            .filter(booking::Column::InvoiceId.eq(invoice_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn delete_booking(&self, id: i64) -> Result<Option<Booking>> {
        let Some(found) = self.booking(id).await? else {
            return Ok(None);
        };
        booking::Entity::delete_by_id(id).exec(self.conn()).await?;
        Ok(Some(found))
    }

    /// The confirmed bookings of a resource overlapping `[start, end)` (all of them without a
    /// range), except `except`.
    async fn confirmed_overlapping(
        &self,
        resource_id: i64,
        range: Option<(DateTime<Utc>, DateTime<Utc>)>,
        except: Option<i64>,
    ) -> Result<Vec<Booking>> {
        let mut q = booking::Entity::find()
            .filter(booking::Column::ResourceId.eq(resource_id))
            .filter(booking::Column::Status.eq(BookingStatus::Confirmed.as_str()));
        if let Some((start, end)) = range {
            q = q
                .filter(booking::Column::StartsAt.lt(end))
                .filter(booking::Column::EndsAt.gt(start));
        }
        if let Some(id) = except {
            q = q.filter(booking::Column::Id.ne(id));
        }
        Ok(q.order_by_asc(booking::Column::StartsAt)
            .order_by_asc(booking::Column::Id)
            .all(self.conn())
            .await?)
    }
}

impl Tx {
    /// Locks a resource's row until the transaction ends (`SELECT … FOR UPDATE` on PostgreSQL;
    /// SQLite's `BEGIN IMMEDIATE` already made this transaction the only writer).
    async fn lock_resource(&self, resource_id: i64) -> Result<Resource> {
        resource::Entity::find_by_id(resource_id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("resource {resource_id}")))
    }

    /// Refuses a confirmed booking of `units` over `[start, end)` that the resource cannot
    /// carry beside its other confirmed bookings. Call with the resource locked.
    async fn check_fits(
        &self,
        resource: &Resource,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        units: i64,
        except: Option<i64>,
    ) -> Result<std::result::Result<(), Overbooked>> {
        let held = self
            .confirmed_overlapping(resource.id, Some((start, end)), except)
            .await?;
        Ok(
            match overcommitted(&held, start, end, units, resource.capacity) {
                None => Ok(()),
                Some(conflicts_with) => Err(Overbooked {
                    resource_id: resource.id,
                    resource_name: resource.name.clone(),
                    capacity: resource.capacity,
                    conflicts_with,
                }),
            },
        )
    }

    /// Writes a booking; a confirmed one only if the resource can carry it (see the module
    /// docs). Only on a transaction, so the lock holds until the caller's audit line commits.
    pub async fn insert_booking(
        &self,
        new: NewBooking,
    ) -> Result<std::result::Result<Booking, Overbooked>> {
        let resource = self.lock_resource(new.resource_id).await?;
        let (start, end) = (new.starts_at.trunc_subsecs(0), new.ends_at.trunc_subsecs(0));
        let units = Ord::max(new.units, 1);
        if new.status == BookingStatus::Confirmed {
            if let Err(refused) = self.check_fits(&resource, start, end, units, None).await? {
                return Ok(Err(refused));
            }
        }
        let at = now();
        let row = booking::ActiveModel {
            resource_id: Set(new.resource_id),
            project_id: Set(new.project_id),
            task_id: Set(new.task_id),
            starts_at: Set(start),
            ends_at: Set(end),
            units: Set(units),
            status: Set(new.status.as_str().into()),
            note: Set(new.note),
            created_by: Set(new.created_by),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        Ok(Ok(row.insert(self.conn()).await?))
    }

    /// Moves, extends, re-statuses a booking, under the same rule as [`Tx::insert_booking`].
    pub async fn update_booking(
        &self,
        id: i64,
        change: BookingChange,
    ) -> Result<std::result::Result<Booking, Overbooked>> {
        let current = self
            .booking(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("booking {id}")))?;
        let resource = self.lock_resource(current.resource_id).await?;
        let (start, end) = (
            change.starts_at.trunc_subsecs(0),
            change.ends_at.trunc_subsecs(0),
        );
        let units = Ord::max(change.units, 1);
        if change.status == BookingStatus::Confirmed {
            if let Err(refused) = self
                .check_fits(&resource, start, end, units, Some(id))
                .await?
            {
                return Ok(Err(refused));
            }
        }
        let mut row: booking::ActiveModel = current.into();
        row.task_id = Set(change.task_id);
        row.starts_at = Set(start);
        row.ends_at = Set(end);
        row.units = Set(units);
        row.status = Set(change.status.as_str().into());
        row.note = Set(change.note);
        row.updated_at = Set(now());
        Ok(Ok(row.update(self.conn()).await?))
    }

    /// Rewrites a resource's details; a capacity below what its confirmed bookings hold at
    /// some instant is refused, naming them.
    pub async fn update_resource_checked(
        &self,
        id: i64,
        input: ResourceInput,
    ) -> Result<std::result::Result<Resource, Overbooked>> {
        let resource = self.lock_resource(id).await?;
        let capacity = Ord::max(input.capacity, 1);
        if capacity < resource.capacity {
            let held = self.confirmed_overlapping(id, None, None).await?;
            // Each booking's start is where the load can peak.
            let mut colliding = Vec::new();
            for b in &held {
                let active: Vec<&Booking> = held
                    .iter()
                    .filter(|o| o.starts_at <= b.starts_at && o.ends_at > b.starts_at)
                    .collect();
                if active.iter().map(|o| o.units).sum::<i64>() > capacity {
                    colliding.extend(active.iter().map(|o| o.id));
                }
            }
            colliding.sort_unstable();
            colliding.dedup();
            if !colliding.is_empty() {
                return Ok(Err(Overbooked {
                    resource_id: id,
                    resource_name: resource.name,
                    capacity,
                    conflicts_with: colliding,
                }));
            }
        }
        Ok(Ok(self.write_resource(id, input).await?))
    }
}
