// sqlite_statements.hpp — how many statements a text holds, read as SQLite reads it. SQLite's
// ODBC driver runs a text whose first statement is DDL (CREATE TABLE ...; INSERT ...; SELECT
// ...) through sqlite3_exec: every statement runs and the call answers none of their results,
// not even a SELECT's rows. The odbc driver refuses such texts for SQLite, as the driver itself
// refuses the others. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace outpools::rdbms {

/// The statements of `sql` as SQLite splits them: at each `;` outside '...' strings, "...",
/// `...` and [...] names, `--` and `/* */` comments, and the BEGIN ... END body of a CREATE
/// [TEMP|TEMPORARY] TRIGGER (which ends at an END followed by `;` or by the text's end, as
/// sqlite3_complete() reads it). Empty statements (`;;`, a trailing `;`, only comments) are not
/// counted. An unterminated string or comment runs to the end of the text. Pure; any thread.
std::size_t sqlite_statement_count(std::string_view sql) noexcept;

}  // namespace outpools::rdbms
