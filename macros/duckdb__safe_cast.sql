{#
    dbt's safe_cast falls back to a plain cast on DuckDB, which fails the whole
    query on one bad value. try_cast returns null instead, as safe_cast does on
    the warehouses that have it. dbt_project.yml dispatches dbt's macros here
    first.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
