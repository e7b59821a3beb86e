-- Who sees which project, in one place. The tenant transaction sets, next to `app.tenant_id`:
--   app.user_id            the signed-in user (unset or '' in a scope that acts for nobody);
--   app.sees_all_projects  'on' when the user holds the SeeAllProjects permission.
-- A user who sees all projects sees every project of the tenant; anyone else the projects they
-- are a member of; a scope with neither setting sees none.
--
-- Queries say `x.project_id in (select * from visible_project_ids($1))`; rows that belong to
-- the company rather than a project (funds' project 0) say `sees_all_projects()`. The function is a
-- single SELECT in `language sql`, stable, not strict, not security definer, so the planner
-- inlines it into the calling query (a semi-join whose membership test runs once per query as a
-- hashed subplan) and row-level security still applies inside it. A boolean
-- `project_visible(tenant, project)` holding an EXISTS would not be inlined (a scalar SQL
-- function is inlined only when its body has no sub-query) and would run once per row.
create function sees_all_projects() returns boolean
language sql stable
as $$
    select coalesce(current_setting('app.sees_all_projects', true) = 'on', false)
$$;

create function visible_project_ids(tenant bigint) returns setof bigint
language sql stable
as $$
    select p.id
    from project p
    where p.tenant_id = tenant
      and (sees_all_projects()
           or exists (select 1 from project_member m
                      where m.tenant_id = p.tenant_id and m.project_id = p.id
                        and m.user_id = nullif(current_setting('app.user_id', true), '')::bigint))
$$;

grant execute on function sees_all_projects() to girder_app;
grant execute on function visible_project_ids(bigint) to girder_app;
