{#
    What the Pinpoint exporter sends, one endpoint per customer with a usable
    address: the email address or E.164 number customer_contacts checked (an
    address Pinpoint would reject is left out here rather than sent to fail).
    customer_contacts minus this view lists the customers left out.
    Recency goes out as last_order_date, not recency_days: recency_days moves
    for every customer whenever the as-of date does, which would make every
    endpoint look changed on every run.

    A view: read once per export, it would otherwise be rewritten for every
    customer on every run.
#}
{{ config(materialized='view') }}

with

contacts as (

    select * from {{ ref('customer_contacts') }}

),

customers as (

    select * from {{ ref('customer_segments') }}

),

addresses_checked as (

    select
        customer_id,
        channel_type,
        city,
        state,
        country,
        coalesce(email_address, phone_number) as address

    from contacts

    where email_address is not null or phone_number is not null

),

{# Pinpoint wants ISO-3166 alpha-2; the upload carries alpha-3 (or alpha-2).
   Codes not listed leave Location.Country empty rather than send a wrong one. #}
country_codes as (

    select
        codes.alpha_3,
        codes.alpha_2

    from (
        values
        ('ARE', 'AE'), ('ARG', 'AR'), ('AUS', 'AU'), ('AUT', 'AT'), ('BEL', 'BE'),
        ('BRA', 'BR'), ('CAN', 'CA'), ('CHE', 'CH'), ('CHL', 'CL'), ('CHN', 'CN'),
        ('COL', 'CO'), ('CZE', 'CZ'), ('DEU', 'DE'), ('DNK', 'DK'), ('EGY', 'EG'),
        ('ESP', 'ES'), ('FIN', 'FI'), ('FRA', 'FR'), ('GBR', 'GB'), ('GRC', 'GR'),
        ('HKG', 'HK'), ('HUN', 'HU'), ('IDN', 'ID'), ('IND', 'IN'), ('IRL', 'IE'),
        ('ISR', 'IL'), ('ITA', 'IT'), ('JPN', 'JP'), ('KOR', 'KR'), ('MEX', 'MX'),
        ('MYS', 'MY'), ('NGA', 'NG'), ('NLD', 'NL'), ('NOR', 'NO'), ('NZL', 'NZ'),
        ('PER', 'PE'), ('PHL', 'PH'), ('POL', 'PL'), ('PRT', 'PT'), ('ROU', 'RO'),
        ('SAU', 'SA'), ('SGP', 'SG'), ('SWE', 'SE'), ('THA', 'TH'), ('TUR', 'TR'),
        ('TWN', 'TW'), ('UKR', 'UA'), ('USA', 'US'), ('VNM', 'VN'), ('ZAF', 'ZA'),
        ('NPL', 'NP'), ('PAK', 'PK'), ('BGD', 'BD'), ('LKA', 'LK'), ('KEN', 'KE'),
        ('RUS', 'RU'), ('ISL', 'IS'), ('FJI', 'FJ'), ('WSM', 'WS'), ('TON', 'TO')
    ) as codes (alpha_3, alpha_2)

),

countries_mapped as (

    select
        addresses_checked.*,
        case
            when length(addresses_checked.country) = 2
                then addresses_checked.country
            else country_codes.alpha_2
        end as country_code

    from addresses_checked

    left join country_codes
        on addresses_checked.country = country_codes.alpha_3

),

final as (

    select
        cast(
            {{ dbt.hash("endpoints.customer_id || ':' || endpoints.channel_type") }}
            as varchar
        ) as endpoint_id,
        cast(endpoints.customer_id as varchar) as customer_id,
        cast(endpoints.channel_type as varchar) as channel_type,
        cast(endpoints.address as varchar) as address,
        cast(endpoints.country_code as varchar) as country_code,
        cast(endpoints.city as varchar) as city,
        cast(endpoints.state as varchar) as region,
        cast('NONE' as varchar) as opt_out,
        cast(customers.rfm_segment as varchar) as rfm_segment,
        cast(customers.rfm_score as varchar) as rfm_score,
        cast(customers.cluster_id as varchar) as cluster_id,
        cast(customers.last_order_at as date) as last_order_date,
        cast(customers.frequency as integer) as frequency,
        cast(customers.monetary as decimal(18, 2)) as monetary,
        cast(customers.r_score as integer) as r_score,
        cast(customers.f_score as integer) as f_score,
        cast(customers.m_score as integer) as m_score

    from countries_mapped as endpoints

    inner join customers
        on endpoints.customer_id = customers.customer_id

)

select * from final
