{#
    One top-level field of a parsed JSON object as text, trimmed; null when the
    field is missing, JSON null or blank. Numbers and booleans come back as
    their JSON text.
#}
{% macro json_field_text(json_column, field) -%}
    {{ return(adapter.dispatch('json_field_text', 'rfm')(json_column, field)) }}
{%- endmacro %}

{% macro duckdb__json_field_text(json_column, field) -%}
    nullif(trim(json_extract_string({{ json_column }}, '$."{{ field }}"')), '')
{%- endmacro %}

{% macro default__json_field_text(json_column, field) -%}
    {{ exceptions.raise_compiler_error(
        "json_field_text has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__json_field_text in macros/json_field_text.sql"
    ) }}
{%- endmacro %}
