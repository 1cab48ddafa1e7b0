//! Quotes (estimates) priced from a project's plan and a rate card, with their lines, and the
//! budget alerts already sent (one row per crossing, so a crossing is announced once).
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0018_quotes"
    }
}

#[derive(DeriveIden)]
enum Quotes {
    Table,
    Id,
    ProjectId,
    Number,
    Title,
    State,
    RateCardId,
    Currency,
    Rounding,
    ValidUntil,
    SellerName,
    SellerAddress,
    SellerTaxId,
    BuyerName,
    BuyerAddress,
    BuyerTaxId,
    NetMinor,
    TaxMinor,
    GrossMinor,
    CreatedBy,
    CreatedAt,
    SentAt,
    DecidedAt,
    DecidedBy,
}

#[derive(DeriveIden)]
enum QuoteLines {
    Table,
    Id,
    QuoteId,
    Position,
    Stage,
    Minutes,
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

#[derive(DeriveIden)]
enum BudgetAlertsSent {
    Table,
    Id,
    ProjectId,
    BudgetName,
    Measure,
    Threshold,
    SentAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

fn int(name: impl IntoIden, default: i64) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(default)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Quotes::Table)
                    .col(id_pk(Quotes::Id))
                    .col(int64(Quotes::ProjectId))
                    .col(int64(Quotes::Number))
                    .col(text(Quotes::Title))
                    .col(text(Quotes::State))
                    .col(int64_null(Quotes::RateCardId))
                    .col(text(Quotes::Currency))
                    .col(text(Quotes::Rounding))
                    .col(date_null(Quotes::ValidUntil))
                    .col(text(Quotes::SellerName))
                    .col(ColumnDef::new(Quotes::SellerAddress).text().not_null())
                    .col(text(Quotes::SellerTaxId))
                    .col(text(Quotes::BuyerName))
                    .col(ColumnDef::new(Quotes::BuyerAddress).text().not_null())
                    .col(text(Quotes::BuyerTaxId))
                    .col(int(Quotes::NetMinor, 0))
                    .col(int(Quotes::TaxMinor, 0))
                    .col(int(Quotes::GrossMinor, 0))
                    .col(int64_null(Quotes::CreatedBy))
                    .col(at(Quotes::CreatedAt))
                    .col(at_null(Quotes::SentAt))
                    .col(at_null(Quotes::DecidedAt))
                    .col(int64_null(Quotes::DecidedBy))
                    .foreign_key(&mut fk(
                        Quotes::Table,
                        Quotes::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quotes_project_number")
                    .table(Quotes::Table)
                    .col(Quotes::ProjectId)
                    .col(Quotes::Number)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuoteLines::Table)
                    .col(id_pk(QuoteLines::Id))
                    .col(int64(QuoteLines::QuoteId))
                    .col(int64(QuoteLines::Position))
                    .col(text(QuoteLines::Stage))
                    .col(int(QuoteLines::Minutes, 0))
                    .col(ColumnDef::new(QuoteLines::Description).text().not_null())
                    .col(text(QuoteLines::QuantityUnit))
                    .col(int64(QuoteLines::QuantityAmount))
                    .col(int64(QuoteLines::UnitPriceMinor))
                    .col(int(QuoteLines::DiscountBp, 0))
                    .col(int(QuoteLines::TaxBp, 0))
                    .col(int64(QuoteLines::NetMinor))
                    .col(int64(QuoteLines::TaxMinor))
                    .col(int64(QuoteLines::GrossMinor))
                    .foreign_key(&mut fk(
                        QuoteLines::Table,
                        QuoteLines::QuoteId,
                        Quotes::Table,
                        Quotes::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quote_lines_quote")
                    .table(QuoteLines::Table)
                    .col(QuoteLines::QuoteId)
                    .col(QuoteLines::Position)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BudgetAlertsSent::Table)
                    .col(id_pk(BudgetAlertsSent::Id))
                    .col(int64(BudgetAlertsSent::ProjectId))
                    .col(text(BudgetAlertsSent::BudgetName))
                    .col(text(BudgetAlertsSent::Measure))
                    .col(int64(BudgetAlertsSent::Threshold))
                    .col(at(BudgetAlertsSent::SentAt))
                    .foreign_key(&mut fk(
                        BudgetAlertsSent::Table,
                        BudgetAlertsSent::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_budget_alerts_sent_crossing")
                    .table(BudgetAlertsSent::Table)
                    .col(BudgetAlertsSent::ProjectId)
                    .col(BudgetAlertsSent::BudgetName)
                    .col(BudgetAlertsSent::Measure)
                    .col(BudgetAlertsSent::Threshold)
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            BudgetAlertsSent::Table.into_iden(),
            QuoteLines::Table.into_iden(),
            Quotes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
