// statement_words.hpp — what a driver needs to know of a statement's text before and after it
// runs: whether it may open a transaction, whether it only ends one, whether it is a COPY data
// stream (ODBC says none of this: the connection stays in autocommit mode, and a BEGIN sent as
// text is the driver's business), whether running it again changes nothing (mysql, odbc). The
// words of the text tell. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace outpools::rdbms {

/// The words of `sql`, upper-cased — runs of ASCII letters, digits and `_` — and each `;` as a
/// word of its own; `--` and (nested) `/* */` comments are skipped when `skip_comments`.
/// Nothing else of SQL is parsed: quoted text is read as words too, which makes the checks
/// below err on the safe side.
std::vector<std::string> statement_words(std::string_view sql, bool skip_comments);

/// True when `sql` may leave a transaction open: BEGIN, START (START TRANSACTION, XA START),
/// SAVEPOINT (SQLite opens one with it) or CHAIN (COMMIT AND CHAIN) appears anywhere in it — in
/// a string or after another statement too. A false alarm costs one ROLLBACK.
bool may_open_transaction(std::string_view sql);

/// True when `sql` is one statement that ends the transaction and opens none: COMMIT, END,
/// ABORT or ROLLBACK, optionally WORK or TRANSACTION and AND NO CHAIN, and a `;` at the end;
/// ROLLBACK TO (a savepoint) and ... AND CHAIN are not.
bool only_ends_transaction(std::string_view sql);

/// True when a statement of `sql` begins with COPY (after comments, or after a `;`) and STDIN
/// or STDOUT follows it: a data stream ODBC has no call for. (Comments are skipped here: only a
/// `--` inside a string before a `;` could hide a COPY after it.)
bool is_copy_stream(std::string_view sql);

/// True when `sql` is one statement (a `;` only at its end) that begins with SELECT, WITH,
/// SHOW, VALUES, TABLE, DESCRIBE or DESC and has no INTO (SELECT ... INTO a variable or a
/// file): one a driver may run again when the first run's answer could not be read. Functions
/// with side effects called by a SELECT are not seen.
bool only_reads(std::string_view sql);

}  // namespace outpools::rdbms
