{#
    One field of a record made by parse_json_object, trimmed; null when the
    field is missing, JSON null or blank. With as_read, the text exactly as
    stored (blank and padded values kept; null only for a missing field or
    JSON null).
#}
{% macro json_field_text(parsed_column, field, as_read=false) -%}
    {{ return(adapter.dispatch('json_field_text', 'rfm')(parsed_column, field, as_read)) }}
{%- endmacro %}

{% macro duckdb__json_field_text(parsed_column, field, as_read=false) -%}
    {%- if as_read -%}
        struct_extract({{ parsed_column }}, '{{ field }}')
    {%- else -%}
        {{ trimmed_text(
            "struct_extract(" ~ parsed_column ~ ", '" ~ field ~ "')"
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__json_field_text(parsed_column, field, as_read=false) -%}
    {{ exceptions.raise_compiler_error(
        "json_field_text has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__json_field_text in macros/json_field_text.sql"
    ) }}
{%- endmacro %}
