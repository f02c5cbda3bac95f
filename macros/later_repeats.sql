{#
    The rows of `relation` that repeat an earlier row: equal in every
    same_values expression, later by order_by. Each comes with the order_by
    values of the first of its group (as original_<column>), the row kept.
    One aggregate over hash_column (a cheap key every repeat shares) finds the
    few groups with more than one row; only their rows are compared value by
    value and ranked, so a hash collision costs a comparison, never a wrong
    answer.
#}
{% macro later_repeats(relation, hash_column, same_values, order_by, columns) -%}
    with

    repeated_hashes as (

        select {{ hash_column }}

        from {{ relation }}

        group by 1

        having count(*) > 1

    ),

    candidates as (

        select {{ relation }}.*

        from {{ relation }}

        inner join repeated_hashes
            on {{ relation }}.{{ hash_column }} = repeated_hashes.{{ hash_column }}

    ),

    ranked as (

        select
            {%- for column in columns %}
            {{ column }},
            {%- endfor %}
            {%- for column in order_by %}
            first_value({{ column }}) over same_values as original_{{ column }},
            {%- endfor %}
            row_number() over same_values as occurrence

        from candidates

        window same_values as (
            partition by {{ same_values | join(', ') }}
            order by {{ order_by | join(', ') }}
            rows between unbounded preceding and current row
        )

    )

    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        {%- for column in order_by %}
        original_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from ranked

    where occurrence > 1
{%- endmacro %}
