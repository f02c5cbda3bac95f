{#
    Helpers of the models that add each run's new events to stored
    aggregates (int_product_interactions_weighted,
    int_customer_contacts_picked): which stored columns are missing, how many
    staged events the stored aggregates should cover, and which events a run
    adds.
#}
{% macro first_missing_column(relation, columns) -%}
    {%- set stored = adapter.get_columns_in_relation(relation)
        | map(attribute='name') | map('lower') | list -%}
    {%- for column in columns if column not in stored -%}
        {{ return(column) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{# The staged events a stored aggregate counted: those loaded by its
   watermark and before its as-of date (a scalar subquery); as_of_date none
   for an aggregate of every event, whatever its time. #}
{% macro events_counted(relation, condition, loaded_through, as_of_date) -%}
    (
        select count(*) from {{ relation }}
        where {{ condition }}
            and loaded_at <= cast('{{ loaded_through }}' as timestamp)
            {%- if as_of_date is not none %}
            and event_at < cast('{{ as_of_date }}' as timestamp)
            {%- endif %}
    )
{%- endmacro %}


{#
    The rows of an event relation a run adds to stored aggregates: when
    adding, those loaded after loaded_through, and those loaded by then whose
    event time the as-of date has newly passed (at or after the stored
    as_of_date, unless it is none); otherwise every row. Two selections, not
    one with an or, so that each filter prunes row groups by itself.
#}
{% macro events_to_add(relation, columns, condition, adding, loaded_through, as_of_date) -%}
    select
        {{ columns | join(',\n        ') }}

    from {{ relation }}

    where {{ condition }}
    {%- if adding %}
        and loaded_at > cast('{{ loaded_through }}' as timestamp)
    {%- endif %}
    {%- if adding and as_of_date is not none %}

    union all

    select
        {{ columns | join(',\n        ') }}

    from {{ relation }}

    where {{ condition }}
        and loaded_at <= cast('{{ loaded_through }}' as timestamp)
        and event_at >= cast('{{ as_of_date }}' as timestamp)
    {%- endif %}
{%- endmacro %}
