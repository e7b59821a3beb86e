//! Every SQL statement of Plans: calendars, projects, members, tasks, links, baselines and
//! templates. Each takes the tenant scope and still says `where tenant_id = $1`.

mod calendars;
mod projects;
mod tasks;

pub use calendars::{
    CalendarDay, CalendarRow, calendar_days, china_mainland_days, default_calendar_id,
    delete_calendar_day, ensure_default_calendar, find_calendar, insert_calendar, list_calendars,
    load_calendar, projects_on_calendar, set_default_calendar, to_schedule_calendar,
    update_calendar, upsert_calendar_days, weekday_from_iso,
};
pub use projects::{
    Member, ProjectFields, ProjectFilter, ProjectListRow, active_users, code_taken, insert_project,
    list_projects, members, project_by_code, project_count, remove_member, set_archived,
    set_status_date, update_project, upsert_member,
};
pub use tasks::{
    ComputedRow, Link, Task, TaskFields, delete_link, delete_tasks, insert_link, insert_task,
    links, place_tasks, set_task_progress, task, tasks, tasks_of, update_task, write_computed,
    write_project_rollup,
};
