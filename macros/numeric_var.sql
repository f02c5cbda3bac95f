{#
    A dbt var validated as a non-negative number (a whole number when whole is
    true, above zero when positive is true), so that a typo in --vars fails at
    compile time naming the var instead of as a SQL error later.
#}
{% macro numeric_var(name, whole=true, positive=false) -%}
    {%- set raw = var(name) | string | trim -%}
    {%- set pattern = '[0-9]+' if whole else '[0-9]+([.][0-9]+)?' -%}
    {%- if not modules.re.fullmatch(pattern, raw)
        or (positive and raw | float <= 0) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a "
            ~ ("positive " if positive else "non-negative ")
            ~ ("whole number" if whole else "number")
            ~ ", got '" ~ raw ~ "'"
        ) }}
    {%- endif -%}
    {{ return(raw | int if whole else raw | float) }}
{%- endmacro %}
