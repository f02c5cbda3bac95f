{#
    A 1..bins score for one RFM value, as a window expression over all scored
    rows. Built on percent_rank, which gives tied values the same rank, so equal
    values always share a score and a better value never scores lower (plain
    ntile splits ties arbitrarily). Lower values are better when
    higher_is_better is false (recency in days).
#}
{% macro rfm_score(value_column, bins, higher_is_better=true) -%}
    {%- set direction = 'asc' if higher_is_better else 'desc' -%}
    cast(
        least(
            {{ bins }},
            1 + floor(
                percent_rank() over (order by {{ value_column }} {{ direction }})
                * {{ bins }}
            )
        ) as integer
    )
{%- endmacro %}
