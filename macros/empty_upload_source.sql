{#
    A query with the columns of the uploads source, and upload_rows's
    source_row_number, and no rows, for a run in which no upload file exists
    yet: the models build empty instead of failing.
#}
{% macro empty_upload_source() -%}
    select
        {%- for column in [
            'EventName', 'ProductCode', 'ProductName', 'ProductDescription',
            'UnitPrice', 'Quantity', 'CustomerID', 'Username', 'ChannelType',
            'Address', 'City', 'State', 'Country', 'Date', 'filename',
        ] %}
        cast(null as {{ dbt.type_string() }}) as {{ column | lower }},
        {%- endfor %}
        cast(null as {{ dbt.type_bigint() }}) as source_row_number
    where 1 = 0
{%- endmacro %}
