-- A company's risk categories are told apart regardless of case ("Safety" and "safety" are one
-- category): the form relies on this key to answer "name taken" instead of asking first.
create unique index risk_category_tenant_id_lower_name_key on risk_category (tenant_id, lower(name));
