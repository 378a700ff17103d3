-- One row per export, seller-marketplace and file day (dt) with at least one file loaded (a
-- header-only file counts; a rejected file does not). The coverage of
-- marts.metric_reconciliation reads it: a day without any file of an export is a missing export.
with

files as (
    select * from {{ source('raw', 'ingested_files') }}
),

loaded as (
    select distinct
        export,
        seller_id,
        marketplace_id,
        dt
    from files
    where status <> 'REJECTED'
)

select * from loaded
