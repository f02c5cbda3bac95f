{#
    Parses text into a JSON object, or null when the text is not valid JSON or
    is valid JSON but not an object (an array, a string, a number), so that bad
    lines can be quarantined instead of failing the query.
#}
{% macro parse_json_object(column) -%}
    {{ return(adapter.dispatch('parse_json_object', 'rfm')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_json_object(column) -%}
    case
        when json_type(try_cast({{ column }} as json)) = 'OBJECT'
            then try_cast({{ column }} as json)
    end
{%- endmacro %}

{% macro default__parse_json_object(column) -%}
    {{ exceptions.raise_compiler_error(
        "parse_json_object has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__parse_json_object in macros/parse_json_object.sql"
    ) }}
{%- endmacro %}
