{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='fail',
    )
}}

{# One row per customer_id and UTC day; see macros/clicks_by_day.sql. #}
{{ clicks_by_day('customer_id') }}
