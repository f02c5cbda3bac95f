{#
    The raw (as read) upload columns a rejected row keeps, in
    base_uploads__events.raw_values and as columns of rejected_events.
#}
{% macro upload_raw_columns() -%}
    {{ return([
        'raw_event_name', 'raw_product_code', 'raw_product_name',
        'raw_product_description', 'raw_unit_price', 'raw_quantity',
        'raw_customer_id', 'raw_username', 'raw_channel_type', 'raw_address',
        'raw_city', 'raw_state', 'raw_country', 'raw_event_time',
    ]) }}
{%- endmacro %}
