-- Unnamed head counts have no worker, so no row in labour_worker_month: a company-wide
-- summary by worker reads their whole months from the lines. This index holds only those
-- lines (one ticket in ten has such a line), so it does not read a year of every line.
create index labour_ticket_line_tenant_id_unnamed_idx
    on labour_ticket_line (tenant_id, ticket_date)
    include (status, worker_id, line_no, head_count, hours, days, amount)
    where worker_id is null;
