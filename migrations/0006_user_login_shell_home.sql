-- A login shell and a home directory per user.  NULL means the defaults
-- (CDB_DEFAULT_LOGIN_SHELL, CDB_DEFAULT_HOME_PREFIX + username), so the rows
-- that exist and the cluster manager, which writes this table with plain SQL
-- and knows nothing of these columns, keep working unchanged.  What a value
-- may hold (an absolute path, no ':' or control characters) is checked by
-- the library (validate.c): nslcd and /etc/passwd split fields on ':'.
ALTER TABLE Users ADD COLUMN loginShell TEXT;
ALTER TABLE Users ADD COLUMN homeDirectory TEXT;
