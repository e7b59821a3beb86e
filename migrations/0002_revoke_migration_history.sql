-- 0001 granted the application role every table in the schema, which included sqlx's own
-- migration history. The application has no business there.
revoke all on _sqlx_migrations from girder_app;
