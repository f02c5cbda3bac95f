{% snapshot customer_segments_snapshot %}

    {{ config(unique_key='customer_id', strategy='timestamp', updated_at='as_of_at') }}

    {# dbt's snapshot columns are timestamps; as_of_date is a date. #}
    select
        *,
        cast(as_of_date as timestamp) as as_of_at

    from {{ ref('customer_segments') }}

{% endsnapshot %}
