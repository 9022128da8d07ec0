-- partner_360 has exactly one row per dim_partner row: returns partners missing from either side or repeated.
with

dim as (

    select partner_id, count(*) as dim_rows
    from {{ ref('dim_partner') }}
    group by partner_id

),

p360 as (

    select partner_id, count(*) as p360_rows
    from {{ ref('partner_360') }}
    group by partner_id

)

select
    coalesce(dim.partner_id, p360.partner_id) as partner_id,
    coalesce(dim.dim_rows, 0) as dim_rows,
    coalesce(p360.p360_rows, 0) as p360_rows
from dim
full outer join p360 on dim.partner_id = p360.partner_id
where coalesce(dim.dim_rows, 0) <> 1 or coalesce(p360.p360_rows, 0) <> 1
