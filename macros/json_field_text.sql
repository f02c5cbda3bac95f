{#
    One field of a record made by parse_json_object, trimmed; null when the
    field is missing, JSON null or blank.
#}
{% macro json_field_text(parsed_column, field) -%}
    {{ return(adapter.dispatch('json_field_text', 'rfm')(parsed_column, field)) }}
{%- endmacro %}

{% macro duckdb__json_field_text(parsed_column, field) -%}
    nullif(trim(struct_extract({{ parsed_column }}, '{{ field }}')), '')
{%- endmacro %}

{% macro default__json_field_text(parsed_column, field) -%}
    {{ exceptions.raise_compiler_error(
        "json_field_text has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__json_field_text in macros/json_field_text.sql"
    ) }}
{%- endmacro %}
