{#
    A query with the columns of the uploads source and no rows, for a run in
    which no upload file exists yet: the models build empty instead of failing.
#}
{% macro empty_upload_source() -%}
    select
        {%- for column in [
            'EventName', 'ProductCode', 'ProductName', 'ProductDescription',
            'UnitPrice', 'Quantity', 'CustomerID', 'Username', 'ChannelType',
            'Address', 'City', 'State', 'Country', 'Date', 'filename',
        ] %}
        cast(null as {{ dbt.type_string() }}) as {{ column | lower }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    where 1 = 0
{%- endmacro %}
