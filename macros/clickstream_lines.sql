{#
    The clickstream source's relation (filename, line_number, line_text) over
    the named files only. The source reads its whole glob, and read_text does
    not skip a file for a filter on filename: it would read every file loaded
    before, to keep none of its lines. Same query as the source's
    external_location (_clickstream__sources.yml), given a list of files.
#}
{% macro clickstream_lines(files) -%}
    (
        select
            filename,
            generate_subscripts(lines, 1) as line_number,
            unnest(lines) as line_text
        from (
            select
                filename,
                string_split(content, chr(10)) as lines
            from read_text([
                {%- for file in files %}
                '{{ file | replace("'", "''") }}'{{ ',' if not loop.last }}
                {%- endfor %}
            ])
        )
    )
{%- endmacro %}
