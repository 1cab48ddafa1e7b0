//! Billing: activities, time entries, running timers (one per person), weekly timesheets, rate
//! cards and rates, clients' billing details, projects' commercial terms and stage budgets,
//! invoice series (the gap-free counters), invoices and their lines.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_billing"
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum ClientCompanies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    Name,
    Billable,
    Archived,
}
#[derive(DeriveIden)]
enum TimeEntries {
    Table,
    Id,
    UserId,
    ProjectId,
    TaskId,
    ActivityId,
    WorkDate,
    Minutes,
    Billable,
    Note,
    InvoiceId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Timers {
    Table,
    Id,
    UserId,
    ProjectId,
    TaskId,
    ActivityId,
    Note,
    StartedAt,
}
#[derive(DeriveIden)]
enum Timesheets {
    Table,
    Id,
    UserId,
    WeekStart,
    ApprovedBy,
    ApprovedAt,
}
#[derive(DeriveIden)]
enum RateCards {
    Table,
    Id,
    Name,
    ClientId,
    Currency,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Rates {
    Table,
    Id,
    CardId,
    Kind,
    Unit,
    PersonId,
    Role,
    Activity,
    RoomId,
    AmountMinor,
    EffectiveFrom,
}
#[derive(DeriveIden)]
enum ClientBilling {
    Table,
    Id,
    ClientId,
    LegalName,
    Address,
    TaxId,
    Currency,
    TaxBp,
    RateCardId,
}
#[derive(DeriveIden)]
enum ProjectTerms {
    Table,
    Id,
    ProjectId,
    Kind,
    FeeMinor,
    IncludedMinutes,
    IncludedRounds,
    ExtraRoundMinor,
    RoundsUsed,
    DayMinutes,
}
#[derive(DeriveIden)]
enum StageBudgets {
    Table,
    Id,
    ProjectId,
    Name,
    Minutes,
    SellMinor,
}
#[derive(DeriveIden)]
enum InvoiceSeries {
    Table,
    Id,
    Code,
    Prefix,
    NextNumber,
    SellerName,
    SellerAddress,
    SellerTaxId,
}
#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    SeriesId,
    Number,
    NumberText,
    Kind,
    State,
    CreditOf,
    ClientId,
    ProjectId,
    Currency,
    Rounding,
    PeriodFrom,
    PeriodTo,
    SupplyDate,
    IssueDate,
    DueDate,
    SellerName,
    SellerAddress,
    SellerTaxId,
    BuyerName,
    BuyerAddress,
    BuyerTaxId,
    ExtraRounds,
    NetMinor,
    TaxMinor,
    GrossMinor,
    CreatedBy,
    CreatedAt,
    IssuedAt,
    PaidAt,
}
#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Id,
    InvoiceId,
    Position,
    Description,
    QuantityUnit,
    QuantityAmount,
    UnitPriceMinor,
    DiscountBp,
    TaxBp,
    NetMinor,
    TaxMinor,
    GrossMinor,
}

fn date(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().not_null().take()
}
fn int(name: impl IntoIden, default: i64) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(default)
        .take()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).take();
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(id_pk(Activities::Id))
                    .col(text(Activities::Name).unique_key())
                    .col(flag(Activities::Billable))
                    .col(flag(Activities::Archived))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TimeEntries::Table)
                    .col(id_pk(TimeEntries::Id))
                    .col(int64(TimeEntries::UserId))
                    .col(int64(TimeEntries::ProjectId))
                    .col(int64_null(TimeEntries::TaskId))
                    .col(int64(TimeEntries::ActivityId))
                    .col(date(TimeEntries::WorkDate))
                    .col(int64(TimeEntries::Minutes))
                    .col(flag(TimeEntries::Billable))
                    .col(ColumnDef::new(TimeEntries::Note).text().not_null())
                    .col(int64_null(TimeEntries::InvoiceId))
                    .col(at(TimeEntries::CreatedAt))
                    .foreign_key(&mut fk(
                        TimeEntries::Table,
                        TimeEntries::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        TimeEntries::Table,
                        TimeEntries::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .foreign_key(&mut fk_to(
                        TimeEntries::Table,
                        TimeEntries::ActivityId,
                        Activities::Table,
                        Activities::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_time_entries_user_date",
            TimeEntries::Table,
            vec![
                TimeEntries::UserId.into_iden(),
                TimeEntries::WorkDate.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_time_entries_project_date",
            TimeEntries::Table,
            vec![
                TimeEntries::ProjectId.into_iden(),
                TimeEntries::WorkDate.into_iden(),
            ],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Timers::Table)
                    .col(id_pk(Timers::Id))
                    // One running timer per person, enforced here rather than by a check.
                    .col(int64(Timers::UserId).unique_key())
                    .col(int64(Timers::ProjectId))
                    .col(int64_null(Timers::TaskId))
                    .col(int64(Timers::ActivityId))
                    .col(ColumnDef::new(Timers::Note).text().not_null())
                    .col(at(Timers::StartedAt))
                    .foreign_key(&mut fk(
                        Timers::Table,
                        Timers::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Timers::Table,
                        Timers::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .foreign_key(&mut fk_to(
                        Timers::Table,
                        Timers::ActivityId,
                        Activities::Table,
                        Activities::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Timesheets::Table)
                    .col(id_pk(Timesheets::Id))
                    .col(int64(Timesheets::UserId))
                    .col(date(Timesheets::WeekStart))
                    .col(int64_null(Timesheets::ApprovedBy))
                    .col(at_null(Timesheets::ApprovedAt))
                    .foreign_key(&mut fk(
                        Timesheets::Table,
                        Timesheets::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_timesheets_user_week",
            Timesheets::Table,
            vec![
                Timesheets::UserId.into_iden(),
                Timesheets::WeekStart.into_iden(),
            ],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateCards::Table)
                    .col(id_pk(RateCards::Id))
                    .col(text(RateCards::Name).unique_key())
                    .col(int64_null(RateCards::ClientId))
                    .col(text(RateCards::Currency))
                    .col(at(RateCards::CreatedAt))
                    .foreign_key(&mut fk(
                        RateCards::Table,
                        RateCards::ClientId,
                        ClientCompanies::Table,
                        ClientCompanies::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rates::Table)
                    .col(id_pk(Rates::Id))
                    .col(int64(Rates::CardId))
                    .col(text(Rates::Kind))
                    .col(text(Rates::Unit))
                    .col(int64_null(Rates::PersonId))
                    .col(text_null(Rates::Role))
                    .col(text_null(Rates::Activity))
                    .col(int64_null(Rates::RoomId))
                    .col(int64(Rates::AmountMinor))
                    .col(date(Rates::EffectiveFrom))
                    .foreign_key(&mut fk(
                        Rates::Table,
                        Rates::CardId,
                        RateCards::Table,
                        RateCards::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_rates_card",
            Rates::Table,
            vec![Rates::CardId.into_iden()],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientBilling::Table)
                    .col(id_pk(ClientBilling::Id))
                    .col(int64(ClientBilling::ClientId).unique_key())
                    .col(text(ClientBilling::LegalName))
                    .col(ColumnDef::new(ClientBilling::Address).text().not_null())
                    .col(text(ClientBilling::TaxId))
                    .col(text(ClientBilling::Currency))
                    .col(int(ClientBilling::TaxBp, 0))
                    .col(int64_null(ClientBilling::RateCardId))
                    .foreign_key(&mut fk(
                        ClientBilling::Table,
                        ClientBilling::ClientId,
                        ClientCompanies::Table,
                        ClientCompanies::Id,
                    ))
                    .foreign_key(&mut fk_to(
                        ClientBilling::Table,
                        ClientBilling::RateCardId,
                        RateCards::Table,
                        RateCards::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectTerms::Table)
                    .col(id_pk(ProjectTerms::Id))
                    .col(int64(ProjectTerms::ProjectId).unique_key())
                    .col(text(ProjectTerms::Kind))
                    .col(int64_null(ProjectTerms::FeeMinor))
                    .col(int64_null(ProjectTerms::IncludedMinutes))
                    .col(int(ProjectTerms::IncludedRounds, 0))
                    .col(int64_null(ProjectTerms::ExtraRoundMinor))
                    .col(int(ProjectTerms::RoundsUsed, 0))
                    .col(int(ProjectTerms::DayMinutes, 480))
                    .foreign_key(&mut fk(
                        ProjectTerms::Table,
                        ProjectTerms::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StageBudgets::Table)
                    .col(id_pk(StageBudgets::Id))
                    .col(int64(StageBudgets::ProjectId))
                    .col(text(StageBudgets::Name))
                    .col(int64_null(StageBudgets::Minutes))
                    .col(int64_null(StageBudgets::SellMinor))
                    .foreign_key(&mut fk(
                        StageBudgets::Table,
                        StageBudgets::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_stage_budgets_project_name",
            StageBudgets::Table,
            vec![
                StageBudgets::ProjectId.into_iden(),
                StageBudgets::Name.into_iden(),
            ],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceSeries::Table)
                    .col(id_pk(InvoiceSeries::Id))
                    .col(text(InvoiceSeries::Code).unique_key())
                    .col(text(InvoiceSeries::Prefix))
                    // The next number to assign; only an issuing transaction that holds this
                    // row's lock reads and advances it.
                    .col(int(InvoiceSeries::NextNumber, 1))
                    .col(text(InvoiceSeries::SellerName))
                    .col(
                        ColumnDef::new(InvoiceSeries::SellerAddress)
                            .text()
                            .not_null(),
                    )
                    .col(text(InvoiceSeries::SellerTaxId))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(id_pk(Invoices::Id))
                    .col(int64(Invoices::SeriesId))
                    .col(int64_null(Invoices::Number))
                    .col(text_null(Invoices::NumberText))
                    .col(text(Invoices::Kind))
                    .col(text(Invoices::State))
                    .col(int64_null(Invoices::CreditOf))
                    .col(int64(Invoices::ClientId))
                    .col(int64_null(Invoices::ProjectId))
                    .col(text(Invoices::Currency))
                    .col(text(Invoices::Rounding))
                    .col(date_null(Invoices::PeriodFrom))
                    .col(date_null(Invoices::PeriodTo))
                    .col(date_null(Invoices::SupplyDate))
                    .col(date_null(Invoices::IssueDate))
                    .col(date_null(Invoices::DueDate))
                    .col(text(Invoices::SellerName))
                    .col(ColumnDef::new(Invoices::SellerAddress).text().not_null())
                    .col(text(Invoices::SellerTaxId))
                    .col(text(Invoices::BuyerName))
                    .col(ColumnDef::new(Invoices::BuyerAddress).text().not_null())
                    .col(text(Invoices::BuyerTaxId))
                    .col(int(Invoices::ExtraRounds, 0))
                    .col(int(Invoices::NetMinor, 0))
                    .col(int(Invoices::TaxMinor, 0))
                    .col(int(Invoices::GrossMinor, 0))
                    .col(int64_null(Invoices::CreatedBy))
                    .col(at(Invoices::CreatedAt))
                    .col(at_null(Invoices::IssuedAt))
                    .col(at_null(Invoices::PaidAt))
                    .foreign_key(&mut fk_to(
                        Invoices::Table,
                        Invoices::SeriesId,
                        InvoiceSeries::Table,
                        InvoiceSeries::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk_to(
                        Invoices::Table,
                        Invoices::ClientId,
                        ClientCompanies::Table,
                        ClientCompanies::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk_to(
                        Invoices::Table,
                        Invoices::CreditOf,
                        Invoices::Table,
                        Invoices::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        // A number is used once per series (a second line of defence behind the counter).
        index(
            manager,
            "idx_invoices_series_number",
            Invoices::Table,
            vec![Invoices::SeriesId.into_iden(), Invoices::Number.into_iden()],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceLines::Table)
                    .col(id_pk(InvoiceLines::Id))
                    .col(int64(InvoiceLines::InvoiceId))
                    .col(int64(InvoiceLines::Position))
                    .col(ColumnDef::new(InvoiceLines::Description).text().not_null())
                    .col(text(InvoiceLines::QuantityUnit))
                    .col(int64(InvoiceLines::QuantityAmount))
                    .col(int64(InvoiceLines::UnitPriceMinor))
                    .col(int(InvoiceLines::DiscountBp, 0))
                    .col(int(InvoiceLines::TaxBp, 0))
                    .col(int64(InvoiceLines::NetMinor))
                    .col(int64(InvoiceLines::TaxMinor))
                    .col(int64(InvoiceLines::GrossMinor))
                    .foreign_key(&mut fk(
                        InvoiceLines::Table,
                        InvoiceLines::InvoiceId,
                        Invoices::Table,
                        Invoices::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_invoice_lines_invoice",
            InvoiceLines::Table,
            vec![
                InvoiceLines::InvoiceId.into_iden(),
                InvoiceLines::Position.into_iden(),
            ],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InvoiceLines::Table.into_iden(),
            Invoices::Table.into_iden(),
            InvoiceSeries::Table.into_iden(),
            StageBudgets::Table.into_iden(),
            ProjectTerms::Table.into_iden(),
            ClientBilling::Table.into_iden(),
            Rates::Table.into_iden(),
            RateCards::Table.into_iden(),
            Timesheets::Table.into_iden(),
            Timers::Table.into_iden(),
            TimeEntries::Table.into_iden(),
            Activities::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
