{#
    One row per value of partition_by in relation: the columns of its row
    that is last by order_by (compared left to right, all descending). The
    order_by columns must be non-null and unique within a partition, so that
    the row chosen is the same on every warehouse and every run.

    aggregates (name: aggregate expression, such as 'min(event_at)') adds,
    for each name, the aggregate over the partition's rows, in the same pass.

    The default ranks every partition's rows with row_number(). DuckDB first
    takes each group's largest first order_by value (and the aggregates) in
    one aggregate, then ranks only the rows that have it, usually one a
    group. Every step spills to disk under memory_limit; an arg_max over a
    struct of the columns, which did it in one aggregate, holds its values
    where DuckDB cannot spill them, and failed with "Out of Memory" instead.
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
        latest_rows.{{ partition_by }},
        {%- for column in columns %}
        latest_rows.{{ column }}{{ ',' if not loop.last or aggregates }}
        {%- endfor %}
        {%- for name in aggregates %}
        latest_rows.latest_aggregate_{{ loop.index }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}

    from (

        select
            candidates.*,
            {%- for name in aggregates %}
            group_latest.latest_aggregate_{{ loop.index }},
            {%- endfor %}
            row_number() over (
                partition by candidates.{{ partition_by }}
                {%- if order_by | length > 1 %}
                order by
                {%- for column in order_by[1:] %}
                    {{ column }} desc{{ ',' if not loop.last }}
                {%- endfor %}
                {%- endif %}
            ) as latest_rank

        from (
            select *, {{ order_by[0] }} as latest_first_key from {{ relation }}
        ) as candidates

        inner join (

            select
                {{ partition_by }} as latest_group,
                {%- for aggregate in aggregates.values() %}
                {{ aggregate }} as latest_aggregate_{{ loop.index }},
                {%- endfor %}
                max({{ order_by[0] }}) as latest_first_key

            from {{ relation }}

            group by 1

        ) as group_latest
            on candidates.{{ partition_by }} = group_latest.latest_group
            and candidates.latest_first_key = group_latest.latest_first_key

    ) as latest_rows

    where latest_rows.latest_rank = 1
{%- endmacro %}
