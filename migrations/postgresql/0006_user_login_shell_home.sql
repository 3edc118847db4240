-- 0006_user_login_shell_home on PostgreSQL: a login shell and a home directory
-- per user, NULL for the defaults (migrations/0006_user_login_shell_home.sql).
ALTER TABLE "Users" ADD COLUMN "loginShell" text;
ALTER TABLE "Users" ADD COLUMN "homeDirectory" text;
