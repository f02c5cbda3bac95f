{#
    int_interactions_identified's pre-hook, on an incremental run: deletes
    the stored clickstream interactions whose event_id a newly loaded
    clickstream event carries. The model replaces rows by event time and id;
    a clickstream delivery that wins over the stored one may carry another
    time, and its stored row must go all the same. Reads the clickstream
    rows only, before the run adds any.
#}
{% macro delete_redelivered_interactions() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where source_name = 'clickstream'
            and event_id in (
                select event_id
                from {{ ref('stg_clickstream__events') }}
                where loaded_at > (
                    select max(loaded_at)
                    from {{ this }}
                    where source_name = 'clickstream'
                )
            )
    {%- endif -%}
{%- endmacro %}
