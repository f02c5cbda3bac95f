{#
    The files of upload_files_to_load, each with the encoding it is read
    with: the upload_encoding var, or with 'auto' (the default) chosen per
    file: UTF-8 (with or without a BOM) when the file is valid UTF-8,
    otherwise Windows-1252, or code page 437 when the file has a byte
    Windows-1252 leaves undefined (every byte is a character in 437, so no
    file fails to decode). 'auto' reads each file once more to check it, so
    base_uploads__events checks each batch's files just before loading them.
#}
{% macro upload_file_encodings(files) -%}
    {%- if files and files | selectattr('encoding', 'equalto', 'auto') | list -%}
        {%- set check -%}
            select
                filename,
                case
                    when try(decode(content)) is not null then 'utf-8'
                    {#- Pairs of hex digits, so a match is a whole byte. #}
                    when regexp_matches(hex(content), '^(?:..)*?(?:81|8D|8F|90|9D)')
                        then 'cp437'
                    else 'cp1252'
                end as encoding

            from read_blob([
                {%- for file in files -%}
                    '{{ file.path | replace("'", "''") }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            ])
        {%- endset -%}
        {%- set found = {} -%}
        {%- for row in run_query(check).rows -%}
            {%- do found.update({row[0]: row[1]}) -%}
        {%- endfor -%}
        {%- for file in files -%}
            {%- do file.update({'encoding': found[file.path]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}
