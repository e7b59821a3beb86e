-- Every company gets the China mainland working calendar when it signs up; companies that
-- signed up before Plans existed get it here, so no page has to create it on a GET.
-- The days are those of src/plans/cn-holidays-2025-2026.csv.
do $$
declare
    t record;
    cal bigint;
begin
    for t in select id from tenant loop
        -- Row-level security is forced on the owner too: act as each tenant in turn.
        perform set_config('app.tenant_id', t.id::text, true);
        if not exists (select 1 from calendar where tenant_id = t.id) then
            insert into calendar (tenant_id, name, working_weekdays, is_default)
            values (t.id, '中国大陆 China mainland', '{1,2,3,4,5}', true)
            returning id into cal;
            insert into calendar_day (tenant_id, calendar_id, day, working, name)
            select t.id, cal, d.day, d.working, d.name
            from (values
            ('2025-01-01'::date, false, '元旦 New Year'),
            ('2025-01-26'::date, true, '春节 Spring Festival'),
            ('2025-01-28'::date, false, '春节 Spring Festival'),
            ('2025-01-29'::date, false, '春节 Spring Festival'),
            ('2025-01-30'::date, false, '春节 Spring Festival'),
            ('2025-01-31'::date, false, '春节 Spring Festival'),
            ('2025-02-01'::date, false, '春节 Spring Festival'),
            ('2025-02-02'::date, false, '春节 Spring Festival'),
            ('2025-02-03'::date, false, '春节 Spring Festival'),
            ('2025-02-04'::date, false, '春节 Spring Festival'),
            ('2025-02-08'::date, true, '春节 Spring Festival'),
            ('2025-04-04'::date, false, '清明节 Qingming'),
            ('2025-04-05'::date, false, '清明节 Qingming'),
            ('2025-04-06'::date, false, '清明节 Qingming'),
            ('2025-04-27'::date, true, '劳动节 Labour Day'),
            ('2025-05-01'::date, false, '劳动节 Labour Day'),
            ('2025-05-02'::date, false, '劳动节 Labour Day'),
            ('2025-05-03'::date, false, '劳动节 Labour Day'),
            ('2025-05-04'::date, false, '劳动节 Labour Day'),
            ('2025-05-05'::date, false, '劳动节 Labour Day'),
            ('2025-05-31'::date, false, '端午节 Dragon Boat'),
            ('2025-06-01'::date, false, '端午节 Dragon Boat'),
            ('2025-06-02'::date, false, '端午节 Dragon Boat'),
            ('2025-09-28'::date, true, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-01'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-02'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-03'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-04'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-05'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-06'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-07'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-08'::date, false, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2025-10-11'::date, true, '国庆节、中秋节 National Day & Mid-Autumn'),
            ('2026-01-01'::date, false, '元旦 New Year'),
            ('2026-01-02'::date, false, '元旦 New Year'),
            ('2026-01-03'::date, false, '元旦 New Year'),
            ('2026-01-04'::date, true, '元旦 New Year'),
            ('2026-02-14'::date, true, '春节 Spring Festival'),
            ('2026-02-15'::date, false, '春节 Spring Festival'),
            ('2026-02-16'::date, false, '春节 Spring Festival'),
            ('2026-02-17'::date, false, '春节 Spring Festival'),
            ('2026-02-18'::date, false, '春节 Spring Festival'),
            ('2026-02-19'::date, false, '春节 Spring Festival'),
            ('2026-02-20'::date, false, '春节 Spring Festival'),
            ('2026-02-21'::date, false, '春节 Spring Festival'),
            ('2026-02-22'::date, false, '春节 Spring Festival'),
            ('2026-02-23'::date, false, '春节 Spring Festival'),
            ('2026-02-28'::date, true, '春节 Spring Festival'),
            ('2026-04-04'::date, false, '清明节 Qingming'),
            ('2026-04-05'::date, false, '清明节 Qingming'),
            ('2026-04-06'::date, false, '清明节 Qingming'),
            ('2026-05-01'::date, false, '劳动节 Labour Day'),
            ('2026-05-02'::date, false, '劳动节 Labour Day'),
            ('2026-05-03'::date, false, '劳动节 Labour Day'),
            ('2026-05-04'::date, false, '劳动节 Labour Day'),
            ('2026-05-05'::date, false, '劳动节 Labour Day'),
            ('2026-05-09'::date, true, '劳动节 Labour Day'),
            ('2026-06-19'::date, false, '端午节 Dragon Boat'),
            ('2026-06-20'::date, false, '端午节 Dragon Boat'),
            ('2026-06-21'::date, false, '端午节 Dragon Boat'),
            ('2026-09-20'::date, true, '国庆节 National Day'),
            ('2026-09-25'::date, false, '中秋节 Mid-Autumn'),
            ('2026-09-26'::date, false, '中秋节 Mid-Autumn'),
            ('2026-09-27'::date, false, '中秋节 Mid-Autumn'),
            ('2026-10-01'::date, false, '国庆节 National Day'),
            ('2026-10-02'::date, false, '国庆节 National Day'),
            ('2026-10-03'::date, false, '国庆节 National Day'),
            ('2026-10-04'::date, false, '国庆节 National Day'),
            ('2026-10-05'::date, false, '国庆节 National Day'),
            ('2026-10-06'::date, false, '国庆节 National Day'),
            ('2026-10-07'::date, false, '国庆节 National Day'),
            ('2026-10-10'::date, true, '国庆节 National Day')
            ) as d(day, working, name);
        end if;
    end loop;
    perform set_config('app.tenant_id', '', true);
end
$$;
