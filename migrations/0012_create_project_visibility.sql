-- Who sees which project, in one place. The tenant transaction sets, next to `app.tenant_id`:
--   app.user_id            the signed-in user (unset or '' in a scope that acts for nobody);
--   app.sees_all_projects  'on' when the user holds the SeeAllProjects permission.
-- A user who sees all projects sees every project of the tenant; anyone else the projects they
-- are a member of; a scope with neither setting sees none.
--
-- Queries say `x.project_id in (select * from visible_project_ids($1))`; rows that belong to
-- the company rather than a project (funds' project 0) say `sees_all_projects()`. The function is a
-- single query in `language sql`, stable, not strict, not security definer, so the planner
-- inlines it into the calling query as a semi-join, and row-level security still applies inside
-- it. Each branch is gated by a one-time filter on the setting: a member's query reads their
-- memberships (index on tenant_id, user_id) once; a see-all query the tenant's project ids.
-- A boolean `project_visible(tenant, project)` holding an EXISTS would not be inlined (a scalar
-- SQL function is inlined only when its body has no sub-query) and would run once per row,
-- 8 to 16 times slower over a million rows.
create function sees_all_projects() returns boolean
language sql stable
as $$
    select coalesce(current_setting('app.sees_all_projects', true) = 'on', false)
$$;

create function visible_project_ids(tenant bigint) returns setof bigint
language sql stable
as $$
    select m.project_id
    from project_member m
    where m.tenant_id = tenant
      and m.user_id = nullif(current_setting('app.user_id', true), '')::bigint
      and not sees_all_projects()
    union all
    select p.id
    from project p
    where p.tenant_id = tenant
      and sees_all_projects()
$$;

grant execute on function sees_all_projects() to girder_app;
grant execute on function visible_project_ids(bigint) to girder_app;
