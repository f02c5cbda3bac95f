{#
    `materialized` where a CTE can be forced to be computed once and kept
    (`with name as materialized (...)`), nothing elsewhere. On DuckDB it ends
    the pipeline there: the file-order row numbering before it runs on one
    thread, and the parsing after it on every core.
#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'rfm')()) }}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}
