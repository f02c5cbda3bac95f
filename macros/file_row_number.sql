{#
    The 1-based position of a row within its file (header excluded), so a
    rejected row can be found again. DuckDB's CSV reader keeps file order for an
    empty window while preserve_insertion_order is on (the profile sets it);
    other warehouses should have their loader write the row number instead.
#}
{% macro file_row_number(file_column) -%}
    {{ return(adapter.dispatch('file_row_number', 'rfm')(file_column)) }}
{%- endmacro %}

{% macro duckdb__file_row_number(file_column) -%}
    row_number() over ()
{%- endmacro %}

{% macro default__file_row_number(file_column) -%}
    row_number() over (partition by {{ file_column }} order by {{ file_column }})
{%- endmacro %}
