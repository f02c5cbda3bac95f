{#
    One row per value of partition_by in relation: the columns of its row
    that is last by order_by (compared left to right, all descending). The
    order_by columns must be non-null and unique within a partition, so that
    the row chosen is the same on every warehouse and every run.

    aggregates (name: aggregate expression, such as 'min(event_at)') adds,
    for each name, the aggregate over the partition's rows, in the same pass.

    The default ranks with row_number(); DuckDB picks the row in a single
    aggregate (arg_max over a struct), without sorting every partition.
#}
{% macro latest_row_per_group(relation, partition_by, order_by, columns, aggregates={}) -%}
    {{ return(adapter.dispatch('latest_row_per_group', 'rfm')(
        relation, partition_by, order_by, columns, aggregates
    )) }}
{%- endmacro %}

{% macro default__latest_row_per_group(relation, partition_by, order_by, columns, aggregates={}) -%}
    select
        {{ partition_by }},
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last or aggregates }}
        {%- endfor %}
        {%- for name in aggregates %}
        {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}

    from (

        select
            *,
            {%- for name, aggregate in aggregates.items() %}
            {{ aggregate }} over (partition by {{ partition_by }}) as {{ name }},
            {%- endfor %}
            row_number() over (
                partition by {{ partition_by }}
                order by
                {%- for column in order_by %}
                    {{ column }} desc{{ ',' if not loop.last }}
                {%- endfor %}
            ) as latest_rank

        from {{ relation }}

    ) as ranked

    where latest_rank = 1
{%- endmacro %}

{% macro duckdb__latest_row_per_group(relation, partition_by, order_by, columns, aggregates={}) -%}
    select
        {{ partition_by }},
        {%- for column in columns %}
        latest_values.{{ column }} as {{ column }}{{ ',' if not loop.last or aggregates }}
        {%- endfor %}
        {%- for name in aggregates %}
        {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}

    from (

        select
            {{ partition_by }},
            arg_max(
                struct_pack(
                    {%- for column in columns %}
                    {{ column }} := {{ column }}{{ ',' if not loop.last }}
                    {%- endfor %}
                ),
                row({{ order_by | join(', ') }})
            ) as latest_values
            {%- for name, aggregate in aggregates.items() %},
            {{ aggregate }} as {{ name }}
            {%- endfor %}

        from {{ relation }}

        group by 1

    ) as latest_rows
{%- endmacro %}
