{# The validated rfm_score_bins var: a whole number from 2 to 10. #}
{% macro rfm_score_bins() -%}
    {%- set raw = var('rfm_score_bins', 5) | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', raw) or raw | int < 2 or raw | int > 10 -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_score_bins must be a whole number from 2 to 10, got '" ~ raw ~ "'"
        ) }}
    {%- endif -%}
    {{ return(raw | int) }}
{%- endmacro %}
