{#
    The greater of two values, or the one that is not null: greatest() skips
    nulls on DuckDB and Postgres but returns null on Snowflake and BigQuery.
#}
{% macro greatest_non_null(left, right) -%}
    case
        when {{ left }} is null then {{ right }}
        when {{ right }} is null or {{ left }} >= {{ right }} then {{ left }}
        else {{ right }}
    end
{%- endmacro %}
