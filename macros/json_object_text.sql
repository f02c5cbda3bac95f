{#
    A JSON object, as text, of the given columns of `relation` (an alias),
    each under its own name: the fields of a parsed line written back as one
    line.
#}
{% macro json_object_text(relation, columns) -%}
    {{ return(adapter.dispatch('json_object_text', 'rfm')(relation, columns)) }}
{%- endmacro %}

{% macro duckdb__json_object_text(relation, columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column }} := {{ relation }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro default__json_object_text(relation, columns) -%}
    {{ exceptions.raise_compiler_error(
        "json_object_text has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__json_object_text in macros/json_object_text.sql"
    ) }}
{%- endmacro %}
