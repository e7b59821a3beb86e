-- The summaries and the ticket list's totals also read the line number (a ticket is counted
-- at its first line), the head count and the ticket: with them in the indexes, one project's
-- or one period's lines are added up from the index alone, without visiting each line's page
-- (a project's 20,000 lines sat on 3,000 pages).
drop index labour_ticket_line_tenant_id_project_idx;
create index labour_ticket_line_tenant_id_project_idx
    on labour_ticket_line (tenant_id, project_id, ticket_date)
    include (status, crew_id, worker_id, trade_id, task_id, pay_type, ticket_id, line_no,
             head_count, hours, days, amount);
drop index labour_ticket_line_tenant_id_date_idx;
create index labour_ticket_line_tenant_id_date_idx
    on labour_ticket_line (tenant_id, ticket_date)
    include (status, project_id, crew_id, worker_id, trade_id, task_id, pay_type, ticket_id,
             line_no, head_count, hours, days, amount);
