{#
    A CTE's materialization hint, where the warehouse takes one (`with name
    as materialized (...)` / `as not materialized (...)`), nothing elsewhere.

    - keep=true: computed once and kept. On DuckDB that ends the pipeline
      there: base_uploads__events numbers rows in file order on one thread,
      and parses them after the CTE on every core.
    - keep=false: inlined where it is used. DuckDB keeps a CTE used more
      than once by default, a copy of every column of every row; for a CTE
      over a big table, scanning the table again (only the columns each use
      needs, filters pushed down) is much cheaper.
#}
{% macro cte_materialization(keep) -%}
    {{ return(adapter.dispatch('cte_materialization', 'rfm')(keep)) }}
{%- endmacro %}

{% macro duckdb__cte_materialization(keep) -%}
    {{ 'materialized' if keep else 'not materialized' }}
{%- endmacro %}

{% macro postgres__cte_materialization(keep) -%}
    {{ return(duckdb__cte_materialization(keep)) }}
{%- endmacro %}

{% macro default__cte_materialization(keep) -%}
{%- endmacro %}
