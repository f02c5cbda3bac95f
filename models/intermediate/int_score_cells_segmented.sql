{%- set bins = rfm_score_bins() -%}

with

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

scores as (

    {% for score in range(1, bins + 1) -%}
        select {{ score }} as score
        {%- if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

cells as (

    select
        recency.score as r_score,
        frequency.score as f_score,
        monetary.score as m_score

    from scores as recency

    cross join scores as frequency

    cross join scores as monetary

),

matches as (

    select
        cells.r_score,
        cells.f_score,
        cells.m_score,
        rules.segment_name,
        rules.priority

    from cells

    inner join rules
        on cells.r_score between rules.r_score_min and rules.r_score_max
        and cells.f_score between rules.f_score_min and rules.f_score_max
        and cells.m_score between rules.m_score_min and rules.m_score_max

),

first_matches as (

    select
        *,
        row_number() over (
            partition by r_score, f_score, m_score
            order by priority
        ) as match_rank

    from matches

),

final as (

    select
        cells.r_score,
        cells.f_score,
        cells.m_score,
        first_matches.priority as rule_priority,
        coalesce(first_matches.segment_name, 'Others') as rfm_segment

    from cells

    left join first_matches
        on cells.r_score = first_matches.r_score
        and cells.f_score = first_matches.f_score
        and cells.m_score = first_matches.m_score
        and first_matches.match_rank = 1

)

select * from final
