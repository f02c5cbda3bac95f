{#
    Fails on every row where the expression is false (null counts as false
    unless the where config excludes it).
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
