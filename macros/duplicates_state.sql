{#
    What base_uploads__duplicate_rows has checked (read at compile time from
    base_uploads__duplicates_checked, which its run writes: a table of
    duplicates is most often empty, so it cannot hold its own watermark), and
    whether a run can check only the newly loaded rows or must compare every
    row again: when there is no record of a check, or rows it checked are no
    longer loaded (a changed upload file reloaded, a full refresh of the
    loads).
#}
{% macro duplicates_state() -%}
    {%- set state = {'stale': false, 'reason': '', 'checked_through': none} -%}
    {%- if not execute -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set checked = adapter.get_relation(
        database=this.database, schema=this.schema,
        identifier='base_uploads__duplicates_checked',
    ) -%}
    {%- set stored = run_query(
        'select cast(max(checked_through) as varchar), max(valid_rows) from ' ~ checked
    ).rows[0] if checked is not none else [none, none] -%}
    {%- if stored[0] is none -%}
        {%- do state.update({'stale': true, 'reason': 'no record of the rows checked'}) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- do state.update({'checked_through': stored[0]}) -%}
    {%- set current = run_query(
        'select count(*) from ' ~ ref('base_uploads__events')
        ~ " where rejection_reason is null and loaded_at <= cast('" ~ stored[0]
        ~ "' as timestamp)"
    ).rows[0][0] -%}
    {%- if current != stored[1] -%}
        {%- do state.update({
            'stale': true,
            'reason': 'the valid rows loaded by ' ~ stored[0] ~ ' number ' ~ current
                ~ ', not the ' ~ stored[1] ~ ' checked',
        }) -%}
    {%- endif -%}
    {{ return(state) }}
{%- endmacro %}


{# base_uploads__duplicate_rows' pre-hook: a run that must compare every row
   again starts from an empty table. #}
{% macro duplicates_reset() -%}
    {%- if is_incremental() and duplicates_state().stale -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
