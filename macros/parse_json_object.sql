{#
    Parses text once into a record of the named top-level fields, each as
    text (numbers and booleans as their JSON text, nested values as JSON), or
    null when the text is not valid JSON or is valid JSON but not an object (an
    array, a string, a number), so that bad lines can be quarantined instead of
    failing the query. Read a field with json_field_text.
#}
{% macro parse_json_object(column, fields) -%}
    {{ return(adapter.dispatch('parse_json_object', 'rfm')(column, fields)) }}
{%- endmacro %}

{% macro duckdb__parse_json_object(column, fields) -%}
    {#- One parse for all fields: json_transform matches keys exactly and gives
        a missing field null. Valid JSON whose first character is { is an
        object; leading JSON whitespace is allowed. -#}
    {%- set spec = {} -%}
    {%- for field in fields -%}
        {%- do spec.update({field: 'VARCHAR'}) -%}
    {%- endfor -%}
    case
        when json_valid({{ column }})
            and (
                starts_with({{ column }}, '{')
                or starts_with(
                    ltrim({{ column }}, ' ' || chr(9) || chr(10) || chr(13)), '{'
                )
            )
            then json_transform(
                {{ column }}, '{{ tojson(spec) | replace("'", "''") }}'
            )
    end
{%- endmacro %}

{% macro default__parse_json_object(column, fields) -%}
    {{ exceptions.raise_compiler_error(
        "parse_json_object has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__parse_json_object in macros/parse_json_object.sql"
    ) }}
{%- endmacro %}
